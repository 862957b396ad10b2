"""A task that hands itself to an agent with Task.execute_remotely, then sums squares."""
import argparse

from clearml import Logger, Task
from clearml.config import running_remotely

parser = argparse.ArgumentParser()
parser.add_argument("--queue", default=None, help="the queue to enqueue on (none: leave a draft)")
parser.add_argument("--clone", action="store_true", help="enqueue a clone instead of this task")
parser.add_argument("--stay", action="store_true",
                    help="keep this process running (exit_process=False)")
parser.add_argument("--n", type=int, default=10, help="sum the squares of 0..n-1")
Task.force_store_standalone_script()
task = Task.init(project_name="remote execution", task_name="sum of squares",
                 reuse_last_task_id=False)
args = parser.parse_args()
remote = task.execute_remotely(queue_name=args.queue, clone=args.clone,
                               exit_process=not args.stay)
if remote is not None:
    print(f"ENQUEUED {remote.id}", flush=True)
where = "remote" if running_remotely() else "local"
total = sum(i * i for i in range(args.n))
print(f"RESULT {where} {task.id} {total}", flush=True)
Logger.current_logger().report_scalar("sum of squares", where, total, 0)
