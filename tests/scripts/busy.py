"""A task for an agent on queue "backup" that keeps writing, a scalar per step and an artifact
every fifth step, until the file its first argument names exists (at most 2 minutes)."""
import sys
import time
from pathlib import Path

from clearml import Logger, Task

Task.force_store_standalone_script()
task = Task.init(project_name="backup", task_name="busy", reuse_last_task_id=False)
# Run by the agent, the script gets no arguments: the stop file comes from the task's parameters.
params = task.connect({"stop_file": sys.argv[1] if len(sys.argv) > 1 else "", "pause": 0.25,
                       "most_steps": 480})
task.execute_remotely(queue_name="backup")  # Locally: enqueue and exit; the agent goes on.
for step in range(params["most_steps"]):
    if Path(params["stop_file"]).exists():
        break
    Logger.current_logger().report_scalar("busy", "step", step, step)
    if step % 5 == 0:
        task.upload_artifact(f"step {step}", {"step": step}, wait_on_upload=True)
    time.sleep(params["pause"])
