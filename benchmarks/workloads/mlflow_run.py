"""One tracked run with the MLflow client: start_run, log_params, N metrics, end_run.

Usage: python mlflow_run.py log_metric|log_batch N (MLFLOW_TRACKING_URI says where to). Prints one
JSON line with the seconds of each phase: start (set_experiment, start_run and log_params), report
(N log_metric calls, or one log_batch) and finish (end_run), plus the import of mlflow.
"""
import json
import sys
import time

started = time.perf_counter()
import mlflow  # noqa: E402  (importing is timed on its own)
from mlflow.entities import Metric  # noqa: E402

imported = time.perf_counter()
mode, count = sys.argv[1], int(sys.argv[2])
if mode not in ("log_metric", "log_batch"):
    raise SystemExit(f"mode must be log_metric or log_batch, not {mode!r}")

mlflow.set_experiment("benchmark")
run = mlflow.start_run(run_name=f"sdk workload {mode}")
mlflow.log_params({"batch_size": 128, "epochs": 6, "layer_1": 512, "layer_2": 512, "layer_3": 10,
                   "learning_rate": 0.001, "dropout": 0.2, "optimizer": "rmsprop"})
initialised = time.perf_counter()
if mode == "log_metric":
    for step in range(count):
        mlflow.log_metric("loss/train", 1.0 / (1 + step), step=step)
else:
    timestamp = int(time.time() * 1000)
    mlflow.MlflowClient().log_batch(run.info.run_id, metrics=[
        Metric("loss/train", 1.0 / (1 + step), timestamp, step) for step in range(count)])
reported = time.perf_counter()
mlflow.end_run()
closed = time.perf_counter()
print(json.dumps({"import": imported - started, "start": initialised - imported,
                  "report": reported - initialised, "finish": closed - reported,
                  "id": run.info.run_id}))
