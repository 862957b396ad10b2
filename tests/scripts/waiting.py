"""A tracked script that reports a heartbeat until it is stopped from outside."""
import sys
import time

from clearml import Logger, Task

Task.force_store_standalone_script()
task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False)
for iteration in range(600):
    Logger.current_logger().report_scalar("alive", "beat", iteration, iteration)
    print(f"beat {iteration}", flush=True)
    time.sleep(0.5)
task.close()
