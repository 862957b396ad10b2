"""A TriggerScheduler on project 'triggers'; each trigger appends '<trigger> <id>' to argv[1]."""
import sys

from clearml import Task
from clearml.automation import TriggerScheduler

fired_path = sys.argv[1]


def record(trigger):
    def fire(object_id):
        with open(fired_path, "a") as fired:
            fired.write(f"{trigger} {object_id}\n")
    return fire


task = Task.init(project_name="automation", task_name="trigger scheduler",
                 task_type=Task.TaskTypes.service, reuse_last_task_id=False)
print(f"SCHEDULER {task.id}", flush=True)
scheduler = TriggerScheduler(pooling_frequency_minutes=0.01)
scheduler.add_task_trigger(name="tagged", schedule_function=record("tagged"),
                           trigger_project="triggers", trigger_on_tags=["go"])
scheduler.add_task_trigger(name="high score", schedule_function=record("high"),
                           trigger_project="triggers", trigger_on_metric="objective",
                           trigger_on_variant="score", trigger_on_sign="max",
                           trigger_on_threshold=30)
scheduler.add_model_trigger(name="deploy", schedule_function=record("model"),
                            trigger_project="triggers", trigger_on_tags=["deploy"])
scheduler.add_dataset_trigger(name="new data", schedule_function=record("dataset"),
                              trigger_project="triggers", trigger_on_tags=["fresh"])
scheduler.start()
