"""A stand-in for the search controller: clone the template, run each clone, report a leaderboard.

Usage: web_search_controller.py <template task id> <batch_size,layer_1,layer_2> ...
Each clone runs as the agent would run it: the template's script with CLEARML_TASK_ID set.
"""
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from clearml import Task

TRAIN = str(Path(__file__).with_name("web_search_train.py"))

task = Task.init(project_name=sys.argv[1], task_name="Random Hyper-Parameter Search Example",
                 task_type=Task.TaskTypes.optimizer, reuse_last_task_id=False)
args = task.connect({"template_task_id": sys.argv[2], "total_jobs": len(sys.argv) - 3})
template = Task.get_task(task_id=args["template_task_id"])
clones = []
for index, combination in enumerate(sys.argv[3:]):
    batch_size, layer_1, layer_2 = combination.split(",")
    clone = Task.clone(source_task=template, name=f"{template.name} {index}", parent=template.id)
    # The tag ClearML's HyperParameterOptimizer gives its clones: it links them to this search.
    clone.add_tags([f"opt: {task.id}"])
    clone.set_parameters({"General/batch_size": batch_size, "General/layer_1": layer_1,
                          "General/layer_2": layer_2})
    clones.append(clone)
# Without the master-process marker, a child would report into this controller task; and as
# no agent reports a clone's console here, the clone reports its own.
env = {key: value for key, value in os.environ.items()
       if key not in ("CLEARML_PROC_MASTER_ID", "TRAINS_PROC_MASTER_ID")}
runs = [subprocess.Popen([sys.executable, TRAIN, sys.argv[1]],
                         env={**env, "CLEARML_TASK_ID": clone.id,
                              "CLEARML_LOG_TASK_TO_BACKEND": "1", "CLEARML_SIMULATE_REMOTE_TASK": "1"},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for clone in clones]
for clone, run in zip(clones, runs):
    if run.wait() != 0:
        raise SystemExit(f"clone {clone.id} failed")
    # The agent marks a task completed when its process ends well; so do we.
    Task.get_task(task_id=clone.id).mark_completed()
rows = []
for clone in clones:
    clone.reload()
    scalars = clone.get_last_scalar_metrics()
    rows.append({"task": clone.id, **{k.split("/")[1]: int(v) for k, v in
                                     clone.get_parameters().items() if k != "General/epochs"},
                 "accuracy": scalars["evaluate"]["accuracy"]["last"]})
table = pd.DataFrame(rows).sort_values("accuracy", ascending=False)
logger = task.get_logger()
logger.report_table("leaderboard", "clones by accuracy", iteration=0, table_plot=table)
logger.report_plotly("parallel coordinates", "search", iteration=0, figure=go.Figure(go.Parcoords(
    dimensions=[{"label": column, "values": table[column]} for column in table.columns[1:]],
    line={"color": table["accuracy"]})))
print("clones:", " ".join(clone.id for clone in clones))
task.close()
