"""A pipeline step task: doubles General/number, or adds 5 to the result of General/source."""
from clearml import Task

Task.force_store_standalone_script()
task = Task.init(project_name="pipelines", task_name="pipeline step", reuse_last_task_id=False)
params = task.connect({"number": 1, "source": ""})
if params["source"]:
    result = Task.get_task(task_id=params["source"]).artifacts["result"].get() + 5
else:
    result = int(params["number"]) * 2
task.upload_artifact("result", result, wait_on_upload=True)
print(f"RESULT {result}", flush=True)
