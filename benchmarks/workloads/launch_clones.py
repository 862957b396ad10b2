"""Launch N clones of a template as random_search.py does; print the loop's seconds as JSON.

Usage: python launch_clones.py N QUEUE. Registers a small template task with the Keras template's
parameters, then, timed: N x (Task.clone, get_parameters, set_parameters, Task.enqueue).
"""
import json
import sys
import time

from clearml import Task

count, queue = int(sys.argv[1]), sys.argv[2]
ARGS = {"batch_size": 128, "epochs": 6, "layer_1": 512, "layer_2": 512, "layer_3": 10,
        "layer_4": 512}

template = Task.init(project_name="launch", task_name="launch template", reuse_last_task_id=False,
                     auto_connect_arg_parser=False)
template.connect(ARGS)
template.close()
controller = Task.init(project_name="launch", task_name="launch controller",
                       task_type=Task.TaskTypes.optimizer, reuse_last_task_id=False,
                       auto_connect_arg_parser=False)
template_task = Task.get_task(task_id=template.id)

start = time.perf_counter()
ids = []
for i in range(count):
    cloned_task = Task.clone(source_task=template_task, name=f"{template_task.name} {i}",
                             parent=template_task.id, project=controller.project)
    parameters = cloned_task.get_parameters()
    for name in ("batch_size", "layer_1", "layer_2", "layer_3"):
        parameters[f"General/{name}"] = 64 + (i * 7 + len(name)) % 128
    cloned_task.set_parameters(parameters)
    Task.enqueue(cloned_task.id, queue_name=queue)
    ids.append(cloned_task.id)
elapsed = time.perf_counter() - start
controller.close()
print(json.dumps({"seconds": elapsed, "template": template.id, "clones": len(set(ids))}))
