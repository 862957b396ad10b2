"""Report NaN and Infinity scalars as a user would: with the SDK's defaults as series 'default',
then, after asking the SDK to send them as they are, as series 'raw'."""
import sys

from clearml import Logger, Task

VALUES = [1.0, float("nan"), float("inf"), -float("inf"), 2.0]

task = Task.init(project_name="nan", task_name=sys.argv[1])
logger = task.get_logger()
for iteration, value in enumerate(VALUES):
    logger.report_scalar("loss", "default", value=value, iteration=iteration)
logger.flush(wait=True)
# By default the SDK reports NaN and Infinity as 0.0; these calls make it send them.
Logger.set_reporting_nan_value(float("nan"))
Logger.set_reporting_inf_value(float("inf"))
for iteration, value in enumerate(VALUES):
    logger.report_scalar("loss", "raw", value=value, iteration=iteration)
print(f"TASK {task.id}")
task.close()
