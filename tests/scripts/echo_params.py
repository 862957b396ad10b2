"""A task for agents to run: prints its parameters, reports one scalar, fails on request."""
import time

from clearml import Logger, Task

Task.force_store_standalone_script()
task = Task.init(project_name="agents", task_name="echo params", reuse_last_task_id=False)
params = task.connect({"value": 1, "sleep": 0.0, "fail": False})
print(f"RUNNING {task.id} value={params['value']}", flush=True)
time.sleep(params["sleep"])
Logger.current_logger().report_scalar("result", "value", params["value"], 0)
if params["fail"]:
    raise RuntimeError("asked to fail")
