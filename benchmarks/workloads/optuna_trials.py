"""Optuna's bookkeeping for N trials on SQLite storage; prints the loop's seconds as JSON.

Usage: python optuna_trials.py N DB_PATH (with benchmarks/.venv-mlflow's Python). Timed:
N x (study.ask, three suggest_int, study.tell), random sampler, as an ask-and-tell search
launching N trials would record them.
"""
import json
import sys
import time

import optuna

count, path = int(sys.argv[1]), sys.argv[2]
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(storage=f"sqlite:///{path}", study_name="launch", direction="maximize",
                            sampler=optuna.samplers.RandomSampler(seed=1))
start = time.perf_counter()
for i in range(count):
    trial = study.ask()
    trial.suggest_int("batch_size", 64, 192)
    trial.suggest_int("layer_1", 128, 480, step=32)
    trial.suggest_int("layer_2", 128, 480, step=32)
    study.tell(trial, 1.0 / (1 + i))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "trials": len(study.trials)}))
