"""Fill a clearml_local server over its API with what the read benchmarks read: experiments with
hyperparameters and long scalar curves (as the SDK sends them: tasks.create, events.add_batch).
api: a plain_http.ClearMLHTTP."""
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
        api.add_batch(lines)
        lines.clear()


def add_results(api, task_ids):
    """One evaluate/accuracy scalar per task, so that the table has a result column."""
    lines = [scalar_event(task_id, "evaluate", "accuracy", 6, 0.5 + (n % 500) / 1000)
             for n, task_id in enumerate(task_ids)]
    for first in range(0, len(lines), BATCH):
        send(api, lines[first:first + BATCH])


def compare_set(api, name, experiments, series, iterations):
    """A template and its experiments clones with series curves of iterations points each, and
    a result each; returns the template's id (the compare page's parent=)."""
    project = api.call("projects.create", {"name": name})["id"]
    template = create_tasks(api, project, 1, prefix="template")[0]
    clones = create_tasks(api, project, experiments, parent=template)
    add_curves(api, clones, series, iterations)
    add_results(api, clones)
    return template


def project_of(api, name, experiments):
    """A project of that many experiments, each with a result; returns its id."""
    project = api.call("projects.create", {"name": name})["id"]
    add_results(api, create_tasks(api, project, experiments))
    return project
