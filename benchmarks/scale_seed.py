"""Fill a clearml_local server over its API with what the scale benchmarks read: experiments with
hyperparameters and long scalar curves (as the SDK sends them: tasks.create, events.add_batch)."""
import json
import time

CURVES = (("epoch_loss", "train"), ("epoch_loss", "validation"), ("epoch_accuracy", "validation"))
BATCH = 5000  # Events per events.add_batch call.


def hyperparams(index):
    values = {"batch_size": 64 + index % 129, "layer_1": 128 + 32 * (index % 12),
              "layer_2": 128 + 32 * (index // 12 % 12), "epochs": 6}
    return {"General": {name: {"section": "General", "name": name, "value": str(value),
                               "type": "int"} for name, value in values.items()}}


def create_tasks(api, project, count, parent=None, prefix="experiment"):
    """count completed-looking training tasks in project, each with its own hyperparameters."""
    return [api.call("tasks.create", {
        "name": f"{prefix} {index}", "project": project, "type": "training",
        "hyperparams": hyperparams(index), **({"parent": parent} if parent else {})})["id"]
        for index in range(count)]


def scalar_event(task_id, metric, variant, iteration, value):
    return json.dumps({"timestamp": int(time.time() * 1000), "type": "training_stats_scalar",
                       "task": task_id, "iter": iteration, "metric": metric, "variant": variant,
                       "value": value})


def add_curves(api, task_ids, series, iterations):
    """series curves of iterations points per task, in batches of BATCH events."""
    lines = []
    for number, task_id in enumerate(task_ids):
        for s, (metric, variant) in enumerate(CURVES[:series]):
            lines.extend(scalar_event(task_id, metric, variant, i, 1.0 / (1 + i + s + number))
                         for i in range(iterations))
            if len(lines) >= BATCH:
                send(api, lines)
    send(api, lines)


def send(api, lines):
    """Send the pending lines and empty the list."""
    if lines:
        api.call("events.add_batch", lines=lines)
        lines.clear()


def add_results(api, task_ids):
    """One evaluate/accuracy scalar per task, so that the table has a result column."""
    lines = [scalar_event(task_id, "evaluate", "accuracy", 6, 0.5 + (n % 500) / 1000)
             for n, task_id in enumerate(task_ids)]
    for first in range(0, len(lines), BATCH):
        send(api, lines[first:first + BATCH])
