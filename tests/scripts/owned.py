"""A task with an output model in a project of its own: whoever runs it owns all three."""
import sys
from pathlib import Path

from clearml import OutputModel, Task

task = Task.init(project_name=sys.argv[1], task_name=sys.argv[2], reuse_last_task_id=False)
weights = Path("weights.bin")
weights.write_bytes(sys.argv[2].encode())
OutputModel(task=task, name=f"{sys.argv[2]} model").update_weights(str(weights),
                                                                  auto_delete_file=False)
print(f"TASK {task.id}", flush=True)
task.close()
