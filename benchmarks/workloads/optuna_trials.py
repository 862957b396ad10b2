"""Optuna's bookkeeping for N trials on SQLite storage; prints the loop's seconds as JSON.

Usage: python optuna_trials.py N DB_PATH default|wal (with benchmarks/.venv-mlflow's Python).
Timed: N x (study.ask, three suggest_int, study.tell), random sampler, as an ask-and-tell search
launching N trials would record them. default: SQLite as Optuna opens it (rollback journal,
synchronous=FULL); wal: journal_mode=WAL and synchronous=NORMAL on every connection, the
durability clearml_local runs with.
"""
import json
import sqlite3
import sys
import time

import optuna
from sqlalchemy import event, text

count, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode not in ("default", "wal"):
    raise SystemExit(f"mode must be default or wal, not {mode!r}")
optuna.logging.set_verbosity(optuna.logging.WARNING)
if mode == "wal":
    sqlite3.connect(path).execute("PRAGMA journal_mode = WAL").fetchall()  # Kept in the file.
storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
if mode == "wal":
    event.listen(storage.engine, "connect",
                 lambda connection, _: connection.execute("PRAGMA synchronous = NORMAL"))
    storage.engine.dispose()  # Connections opened from now on run with NORMAL.
with storage.engine.connect() as connection:
    journal = connection.execute(text("PRAGMA journal_mode")).scalar()
    synchronous = connection.execute(text("PRAGMA synchronous")).scalar()
study = optuna.create_study(storage=storage, study_name="launch", direction="maximize",
                            sampler=optuna.samplers.RandomSampler(seed=1))
start = time.perf_counter()
for i in range(count):
    trial = study.ask()
    trial.suggest_int("batch_size", 64, 192)
    trial.suggest_int("layer_1", 128, 480, step=32)
    trial.suggest_int("layer_2", 128, 480, step=32)
    study.tell(trial, 1.0 / (1 + i))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "trials": len(study.trials), "journal_mode": journal,
                  "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[synchronous]}))
