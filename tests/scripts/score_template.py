"""A template task that is not Keras: an argparse script (its parameters in Args/) whose scores
are known functions of its parameters, so that a search of it runs in seconds."""
import argparse
import math

from clearml import Logger, Task

# An agent runs a clone of this task from the stored script, without this repository.
Task.force_store_standalone_script()
task = Task.init(project_name="search your own task", task_name="score template",
                 reuse_last_task_id=False)

# Under clearml-agent, ClearML's argparse binding gives these the clone's Args/ values.
parser = argparse.ArgumentParser(description="Score a made-up model from its parameters.")
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--layers", type=int, default=2)
parser.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop"], default="sgd")
parser.add_argument("--note", default="")
args = parser.parse_args()
print(f"Running with lr={args.lr!r} layers={args.layers!r} optimizer={args.optimizer!r} "
      f"note={args.note!r}", flush=True)

# The scores: best at lr 10 ** -2.5, 6 layers and adam; the loss prefers lr 10 ** -3 and 4 layers.
bonus = {"adam": 0.5, "sgd": 0.0, "rmsprop": 0.25}[args.optimizer]
score = bonus - (math.log10(args.lr) + 2.5) ** 2 - (args.layers - 6) ** 2 / 10
loss = (math.log10(args.lr) + 3) ** 2 + abs(args.layers - 4) - bonus
Logger.current_logger().report_scalar("validation", "score", value=score, iteration=0)
Logger.current_logger().report_scalar("validation", "loss", value=loss, iteration=0)
