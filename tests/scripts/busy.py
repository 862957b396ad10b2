"""A task for an agent on queue "backup" that keeps writing: a scalar per step, an artifact
every fifth step."""
import time

from clearml import Logger, Task

Task.force_store_standalone_script()
task = Task.init(project_name="backup", task_name="busy", reuse_last_task_id=False)
params = task.connect({"steps": 40, "pause": 0.25})
task.execute_remotely(queue_name="backup")  # Locally: enqueue and exit; the agent goes on.
for step in range(params["steps"]):
    Logger.current_logger().report_scalar("busy", "step", step, step)
    if step % 5 == 0:
        task.upload_artifact(f"step {step}", {"step": step}, wait_on_upload=True)
    time.sleep(params["pause"])
