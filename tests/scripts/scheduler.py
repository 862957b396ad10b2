"""A TaskScheduler: clones of task argv[1] on queue argv[2], now and tomorrow; a function that
creates file argv[3] now."""
import datetime
import sys

from clearml import Task
from clearml.automation import TaskScheduler

template, queue, marker = sys.argv[1:4]


def touch():
    with open(marker, "w") as done:
        done.write("ran")


task = Task.init(project_name="automation", task_name="task scheduler",
                 task_type=Task.TaskTypes.service, reuse_last_task_id=False)
print(f"SCHEDULER {task.id}", flush=True)
scheduler = TaskScheduler(sync_frequency_minutes=60)
# Noon tomorrow, at least 12 hours away: the test never sees these jobs run on schedule.
tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1))
later = {"weekdays": [tomorrow.strftime("%A").lower()], "hour": 12, "minute": 0}
scheduler.add_task(name="now", schedule_task_id=template, queue=queue, **later,
                   task_parameters={"General/x": 4}, execute_immediately=True)
scheduler.add_task(name="later", schedule_task_id=template, queue=queue, **later,
                   task_parameters={"General/x": 9})
scheduler.add_task(name="function", schedule_function=touch, **later, execute_immediately=True)
scheduler.start()
