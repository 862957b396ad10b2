"""A PipelineDecorator pipeline: double a number, add an offset; --mode --number --queue."""
import argparse

from clearml import PipelineDecorator, Task


@PipelineDecorator.component(return_values=["doubled"], cache=True)
def double(number):
    return int(number) * 2


@PipelineDecorator.component(return_values=["total"], cache=True)
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


@PipelineDecorator.pipeline(name=f"decorator {mode} {number}", project="pipelines",
                            version="1.0.0", return_value="total", default_queue=queue,
                            pool_frequency=0.01,
                            pipeline_execution_queue=None if mode == "agents" else "services")
def pipeline(number):
    return add(double(number), 5)


if __name__ == "__main__":
    if mode == "local":
        PipelineDecorator.run_locally()
    print(f"TOTAL {pipeline(number)}", flush=True)
