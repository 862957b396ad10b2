"""Task.init with ClearML's default reuse rules; prints the task id it got."""
import sys

from clearml import Task

task = Task.init(project_name="reuse", task_name=sys.argv[1])
print(f"TASK {task.id}")
if "artifact" in sys.argv[2:]:
    task.upload_artifact("marker", {"kept": True})
task.close()
