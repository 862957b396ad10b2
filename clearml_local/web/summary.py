"""Plain summaries of tasks shared by the pages: parameters, final metrics, times and links."""
from datetime import datetime, timezone

from ..storage import last_metric_entries

RUNNING = ("queued", "in_progress")
SEARCH_TYPES = ("optimizer", "controller")
# Machine-monitoring scalars (":monitor:machine", ":monitor:gpu") are charts, not results.
MONITOR_PREFIX = ":monitor:"


# The task fields rows() and the table's action rules read: a table of thousands of experiments
# reads only these (not their scripts, configurations and models).
ROW_FIELDS = ("id", "name", "type", "status", "project", "parent", "created", "started",
              "completed", "last_update", "last_iteration", "execution", "hyperparams",
              "last_metrics", "tags", "system_tags", "user")


def task_url(task):
    return f"/projects/{task.get('project') or '*'}/experiments/{task['id']}"


def model_url(model):
    return f"/projects/{model.get('project') or '*'}/models/{model['id']}"


def params(task):
    """{"Section/name": value} of a task's hyperparameters, in the order they were reported."""
    return {f"{section}/{name}": entry.get("value", "")
            for section, entries in (task.get("hyperparams") or {}).items()
            for name, entry in entries.items()}


def metrics(task):
    """{"metric/variant": {metric, variant, last, min, max, count}} of a task's scalars."""
    result = {}
    for entry in last_metric_entries(task):
        result[metric_key(entry["metric"], entry["variant"])] = {
            "metric": entry["metric"], "variant": entry["variant"],
            "last": entry.get("value"), "min": entry.get("min_value"),
            "max": entry.get("max_value"), "count": entry.get("count", 0)}
    return dict(sorted(result.items(), key=lambda item: _metric_order(item[1]["metric"])))


def metric_key(metric, variant):
    return f"{metric}/{variant}"


def is_result(metric):
    return not metric.startswith(MONITOR_PREFIX)


def _metric_order(metric):
    return (not is_result(metric), metric.lower())


def parse_time(stamp):
    return datetime.fromisoformat(stamp) if stamp else None


def duration(task, now=None):
    """Seconds from start to completion, or until now while it runs; None if never started."""
    started = parse_time(task.get("started"))
    if started is None:
        return None
    end = parse_time(task.get("completed")) if task.get("status") not in RUNNING else None
    end = end or now or datetime.now(timezone.utc)
    return max(0.0, round((end - started).total_seconds(), 1))


def number(value):
    """value as a float when it reads as a number, else None."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result else None  # NaN sorts and plots as missing.


def sort_value(value):
    """A key that sorts numbers numerically, then text, then missing values."""
    as_number = number(value)
    if as_number is not None:
        return (0, as_number, "")
    if value is None or value == "":
        return (2, 0.0, "")
    return (1, 0.0, str(value).lower())


def rows(storage, tasks, queues):
    """One summary row per task, with parent and user names resolved in one query each and
    queue names from queues ({id: name}, storage.queue_names(), read once per page)."""
    parent_ids = sorted({t["parent"] for t in tasks if t.get("parent")})
    parents = {p["id"]: p for p in storage.tasks_by_id(parent_ids)}
    users = storage.user_names(task.get("user") for task in tasks)
    now = datetime.now(timezone.utc)
    return [row(task, parents, queues, users, now) for task in tasks]


def row(task, parents, queues, users, now):
    parent = parents.get(task.get("parent"))
    queue = (task.get("execution") or {}).get("queue")
    return {
        "id": task["id"], "name": task["name"], "type": task["type"], "status": task["status"],
        "project": task.get("project"), "url": task_url(task),
        "parent": ({"id": task["parent"], "name": parent["name"] if parent else task["parent"],
                    "url": task_url(parent) if parent else None}
                   if task.get("parent") else None),
        "queue": {"id": queue, "name": queues.get(queue, queue)} if queue else None,
        # ClearML's web UI shows the user who created it; one removed shows as their id.
        "user": {"id": task.get("user"), "name": users.get(task.get("user"), task.get("user"))},
        "created": task.get("created"), "started": task.get("started"),
        "completed": task.get("completed"), "last_update": task.get("last_update"),
        "duration": duration(task, now), "last_iteration": task.get("last_iteration"),
        "params": params(task), "metrics": metrics(task),
    }


def downsample(points, limit):
    """At most limit of the (x, y) points, evenly spaced, always keeping the last one."""
    if len(points) <= limit:
        return points
    step = len(points) / (limit - 1)
    return [points[int(i * step)] for i in range(limit - 1)] + [points[-1]]


def series(points, name, limit):
    """A chart line: iterations as x, values as y, report times (ms since the epoch) as t."""
    kept = downsample(points, limit)
    return {"name": name, "x": [p[0] for p in kept], "y": [p[1] for p in kept],
            "t": [p[2] for p in kept], "points": len(points)}
