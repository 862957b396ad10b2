"""Report scalar points through the clearml SDK's Logger, flush, read them all back; print JSON.

Usage: python ingest_clearml.py SERIES ITERATIONS. Timed: SERIES x ITERATIONS report_scalar calls,
Logger.flush(wait=True), then Task.get_reported_scalars until the server returns every point.
"""
import json
import sys
import time

from clearml import Task

series, iterations = int(sys.argv[1]), int(sys.argv[2])
task = Task.init(project_name="ingest", task_name="ingest", reuse_last_task_id=False,
                 auto_connect_arg_parser=False)
logger = task.get_logger()


def stored():
    scalars = task.get_reported_scalars(max_samples=0)
    return sum(len(points["y"]) for variants in scalars.values() for points in variants.values())


start = time.perf_counter()
for iteration in range(iterations):
    for s in range(series):
        logger.report_scalar(title=f"metric {s // 5}", series=f"series {s % 5}",
                             value=1.0 / (1 + iteration + s), iteration=iteration)
reported = time.perf_counter()
logger.flush(wait=True)
flushed = time.perf_counter()
deadline, count = time.monotonic() + 300, stored()
while count < series * iterations and time.monotonic() < deadline:
    time.sleep(0.05)
    count = stored()
end = time.perf_counter()
task.close()
print(json.dumps({"seconds": end - start, "report": reported - start, "flush": flushed - reported,
                  "read": end - flushed, "stored": count, "expected": series * iterations}))
