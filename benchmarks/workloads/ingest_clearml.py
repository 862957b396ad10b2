"""Report scalar points through the clearml SDK's Logger, flush, read them all back; print JSON.

Usage: python ingest_clearml.py SERIES ITERATIONS. Timed ("seconds"): SERIES x ITERATIONS
report_scalar calls and Task.close() (which returns once every event is sent;
Logger.flush(wait=True) may return while the last batches are still on their way). Then, timed
apart ("read"), Task.get_reported_scalars of all the points, which are counted.
"""
import json
import sys
import time

from clearml import Task

series, iterations = int(sys.argv[1]), int(sys.argv[2])
task = Task.init(project_name="ingest", task_name="ingest", reuse_last_task_id=False,
                 auto_connect_arg_parser=False)
logger = task.get_logger()

start = time.perf_counter()
for iteration in range(iterations):
    for s in range(series):
        logger.report_scalar(title=f"metric {s // 5}", series=f"series {s % 5}",
                             value=1.0 / (1 + iteration + s), iteration=iteration)
reported = time.perf_counter()
task.close()
closed = time.perf_counter()
scalars = Task.get_task(task_id=task.id).get_reported_scalars(max_samples=0)
stored = sum(len(points["y"]) for variants in scalars.values() for points in variants.values())
end = time.perf_counter()
print(json.dumps({"seconds": closed - start, "report": reported - start, "flush": closed - reported,
                  "read": end - closed, "stored": stored, "expected": series * iterations}))
