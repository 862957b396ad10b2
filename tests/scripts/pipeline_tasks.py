"""A PipelineController from tasks: two clones of the step task; --mode --number --queue."""
import argparse

from clearml import PipelineController, Task

# The repository has no remote, so agents get the script itself.
Task.force_store_standalone_script()
# Arguments, not sys.argv: ClearML stores them on the task, so an agent replays them.
parser = argparse.ArgumentParser()
parser.add_argument("--mode", choices=["local", "agents", "remote"], required=True)
parser.add_argument("--number", type=int, required=True)
parser.add_argument("--queue", required=True)
args = parser.parse_args()
mode, number, queue = args.mode, args.number, args.queue
pipe = PipelineController(project="pipelines", name=f"tasks {mode} {number}", version="1.0.0",
                          add_pipeline_tags=False, pool_frequency=0.01)
pipe.set_default_execution_queue(queue)
pipe.add_parameter(name="number", default=number)
pipe.add_step(name="double", base_task_project="pipelines", base_task_name="pipeline step",
              parameter_override={"General/number": "${pipeline.number}"},
              cache_executed_step=True)
pipe.add_step(name="add", parents=["double"], base_task_project="pipelines",
              base_task_name="pipeline step",
              parameter_override={"General/source": "${double.id}"}, cache_executed_step=True)
print(f"PIPELINE {pipe.id}", flush=True)
if mode == "local":
    pipe.start_locally(run_pipeline_steps_locally=True)
elif mode == "agents":
    pipe.start_locally()
else:
    pipe.start(queue="services")
