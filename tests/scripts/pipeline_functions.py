"""A PipelineController from functions: double a number, add an offset; --mode --number --queue."""
import argparse

from clearml import PipelineController, Task


def double(number):
    return int(number) * 2


def add(value, offset):
    return int(value) + int(offset)


# The repository has no remote, so agents get the script itself.
Task.force_store_standalone_script()
# Arguments, not sys.argv: ClearML stores them on the task, so an agent replays them.
parser = argparse.ArgumentParser()
parser.add_argument("--mode", choices=["local", "agents", "remote"], required=True)
parser.add_argument("--number", type=int, required=True)
parser.add_argument("--queue", required=True)
args = parser.parse_args()
mode, number, queue = args.mode, args.number, args.queue
pipe = PipelineController(project="pipelines", name=f"functions {mode} {number}", version="1.0.0",
                          add_pipeline_tags=False, pool_frequency=0.01)
pipe.set_default_execution_queue(queue)
pipe.add_parameter(name="number", default=number)
pipe.add_function_step(name="double", function=double,
                       function_kwargs={"number": "${pipeline.number}"},
                       function_return=["doubled"], cache_executed_step=True)
pipe.add_function_step(name="add", function=add,
                       function_kwargs={"value": "${double.doubled}", "offset": 5},
                       function_return=["total"], cache_executed_step=True)
print(f"PIPELINE {pipe.id}", flush=True)
if mode == "local":
    pipe.start_locally(run_pipeline_steps_locally=True)
elif mode == "agents":
    pipe.start_locally()
else:
    pipe.start(queue="services")
