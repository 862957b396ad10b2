"""The task an optimizer clones: reports score = 10*x + y for its General/x and General/y."""
from clearml import Logger, Task

Task.force_store_standalone_script()
task = Task.init(project_name="automation", task_name="hpo objective", reuse_last_task_id=False)
params = task.connect({"x": 0, "y": 0})
score = 10 * int(params["x"]) + int(params["y"])
Logger.current_logger().report_scalar("objective", "score", score, iteration=0)
print(f"SCORE {score}", flush=True)
