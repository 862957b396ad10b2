"""MLflow's side of the scale benchmarks, run with benchmarks/.venv-mlflow's Python; prints JSON.

Usage: python mlflow_scale.py ingest SERIES ITERATIONS
           timed ("seconds"): log SERIES x ITERATIONS points to one run with log_batch (1000
           per call, MLflow's limit); then, timed apart ("read"), read them all back with
           get_metric_history and count them.
       python mlflow_scale.py seed RUNS SERIES ITERATIONS
           untimed: RUNS runs of SERIES x ITERATIONS points; prints their ids
       python mlflow_scale.py history SEEDED_JSON SERIES
           timed: get_metric_history of every run and series in the output of seed, as a
           compare view needs them.
MLFLOW_TRACKING_URI names the server.
"""
import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric

BATCH = 1000  # MLflow's maximum number of metrics per log_batch.
KEYS = ["epoch_loss/train", "epoch_loss/validation", "epoch_accuracy/validation"]


def log_points(client, run_id, keys, iterations):
    stamp = int(time.time() * 1000)
    points = [Metric(key, 1.0 / (1 + i + k), stamp, i) for i in range(iterations)
              for k, key in enumerate(keys)]
    for first in range(0, len(points), BATCH):
        client.log_batch(run_id, metrics=points[first:first + BATCH], synchronous=True)


def read_points(client, run_id, keys):
    return sum(len(client.get_metric_history(run_id, key)) for key in keys)


def ingest(client, series, iterations):
    experiment = client.create_experiment(f"ingest {time.time()}")
    run_id = client.create_run(experiment).info.run_id
    keys = [f"metric {s // 5}/series {s % 5}" for s in range(series)]
    start = time.perf_counter()
    log_points(client, run_id, keys, iterations)
    logged = time.perf_counter()
    stored = read_points(client, run_id, keys)
    end = time.perf_counter()
    return {"seconds": logged - start, "log": logged - start, "read": end - logged,
            "stored": stored, "expected": series * iterations}


def seed(client, runs, series, iterations):
    """Untimed: the runs the history read reads; returns their ids."""
    experiment = client.create_experiment(f"compare {time.time()}")
    run_ids = [client.create_run(experiment).info.run_id for _ in range(runs)]
    for run_id in run_ids:
        log_points(client, run_id, KEYS[:series], iterations)
    return {"runs": run_ids}


def history(client, seeded, series):
    """Timed: get_metric_history of every run and series of the seeded runs."""
    run_ids = json.loads(open(seeded).read())["runs"]
    start = time.perf_counter()
    stored = sum(read_points(client, run_id, KEYS[:series]) for run_id in run_ids)
    return {"seconds": time.perf_counter() - start, "stored": stored}


if __name__ == "__main__":
    command, arguments = sys.argv[1], [int(a) if a.isdigit() else a for a in sys.argv[2:]]
    print(json.dumps({"ingest": ingest, "seed": seed, "history": history}[command](
        MlflowClient(), *arguments)))
