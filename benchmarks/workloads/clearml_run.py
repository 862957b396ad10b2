"""One tracked run with the clearml SDK: Task.init, connect a dict, N report_scalar, close.

Usage: python clearml_run.py server|offline N. Prints one JSON line with the seconds of each phase:
start (Task.init and connect), report (the N report_scalar calls) and finish (task.close(), which
flushes every event), plus the import of clearml.
"""
import json
import sys
import time

started = time.perf_counter()
from clearml import Task  # noqa: E402  (importing is timed on its own)

imported = time.perf_counter()
mode, count = sys.argv[1], int(sys.argv[2])
if mode not in ("server", "offline"):
    raise SystemExit(f"mode must be server or offline, not {mode!r}")

if mode == "offline":
    Task.set_offline(offline_mode=True)
task = Task.init(project_name="benchmark", task_name=f"sdk workload {mode}",
                 reuse_last_task_id=False)
task.connect({"batch_size": 128, "epochs": 6, "layer_1": 512, "layer_2": 512, "layer_3": 10,
              "learning_rate": 0.001, "dropout": 0.2, "optimizer": "rmsprop"})
initialised = time.perf_counter()
logger = task.get_logger()
for iteration in range(count):
    logger.report_scalar(title="loss", series="train", value=1.0 / (1 + iteration),
                         iteration=iteration)
reported = time.perf_counter()
task.close()
closed = time.perf_counter()
print(json.dumps({"import": imported - started, "start": initialised - imported,
                  "report": reported - initialised, "finish": closed - reported, "id": task.id}))
