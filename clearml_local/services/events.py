"""The events.* service: console output, scalars and plots that tasks report."""
import logging
from datetime import datetime, timezone

from .. import errors, jsonio
from . import field, id_list

log = logging.getLogger("clearml_local.events")
NOT_FINITE = "event holds NaN or Infinity: numbers must be finite"


def add_batch(call):
    """Store the batch: an invalid event refuses all of it, while events holding NaN or
    Infinity are refused one by one (_add)."""
    events = call.data
    if not isinstance(events, list):
        raise errors.BadRequest("events.add_batch takes JSON lines, one event per line")
    return _add(call, events)


def add(call):
    return _add(call, [{k: v for k, v in call.data.items() if not k.startswith("_")}])


def _add(call, events):
    """Store the events; those holding NaN or Infinity are refused one by one and counted in
    errors_info, as under ClearML Server, where Elasticsearch's numeric fields refuse them
    ("supports only finite values") and add_events counts the event as an error
    (apiserver/bll/event/event_bll.py). EventsNotAdded when no event is left."""
    finite = [event for event in events if _is_finite(event)]
    refused = len(events) - len(finite)
    if refused:
        log.warning("task events: %d of %d refused: %s", refused, len(events), NOT_FINITE)
        if not finite:
            raise errors.EventsNotAdded(f"{refused} events not added: {NOT_FINITE}",
                                        **{NOT_FINITE: refused})
    return {"added": call.storage.add_events(finite), "errors": refused,
            "errors_info": {NOT_FINITE: refused} if refused else {}}


def _is_finite(event):
    try:
        jsonio.check(event)
    except errors.BadRequest:
        return False
    return True


def scalar_metrics_iter_histogram(call):
    """{metric: {variant: {x, y, name}}} of one task; key picks x: iter, timestamp or iso_time."""
    task_id = field(call, "task")
    key = field(call, "key", required=False, default="iter")
    if key not in ("iter", "timestamp", "iso_time"):
        raise errors.ValidationError(f"key must be iter, timestamp or iso_time, not {key!r}")
    call.storage.get_task(task_id)
    result = {}
    for event in call.storage.get_events(task_id, "training_stats_scalar"):
        series = result.setdefault(event.get("metric", ""), {}).setdefault(
            event.get("variant", ""), {"x": [], "y": [], "name": event.get("variant", "")})
        series["x"].append(_x(event, key))
        series["y"].append(event.get("value"))
    return result


def _x(event, key):
    if key == "iter":
        return event.get("iter") or 0
    if key == "timestamp":
        return event["timestamp"]
    return datetime.fromtimestamp(event["timestamp"] / 1000, timezone.utc).isoformat()


def get_task_log(call):
    """The last batch_size console events of a task, oldest first unless order is desc."""
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    batch_size = field(call, "batch_size", int, required=False, default=500)
    order = field(call, "order", required=False, default="desc")
    newest = call.storage.get_events(task_id, "log", order="desc", limit=batch_size)
    events = newest if order == "desc" else list(reversed(newest))
    return {"events": _public(events), "returned": len(events),
            "total": call.storage.count_events(task_id, "log")}


def get_task_events(call):
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    event_type = field(call, "event_type", required=False)
    events = call.storage.get_events(
        task_id, event_type, field(call, "metric", required=False), order=field(
            call, "order", required=False, default="asc"),
        limit=field(call, "batch_size", int, required=False, default=500))
    return {"events": _public(events), "returned": len(events), "total": len(events),
            "scroll_id": None}


def get_task_plots(call):
    """The plots of a task's last iters iterations."""
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    iters = field(call, "iters", int, required=False, default=1)
    plots = call.storage.get_events(task_id, "plot")
    latest = sorted({p.get("iter") or 0 for p in plots})[-iters:] if plots else []
    plots = [p for p in plots if (p.get("iter") or 0) in latest]
    return {"plots": _public(plots), "returned": len(plots), "total": len(plots),
            "scroll_id": None}


def get_task_metrics(call):
    event_type = field(call, "event_type", required=False, default="training_stats_scalar")
    metrics = []
    for task_id in id_list(call, "tasks"):
        names = sorted({e.get("metric", "") for e in call.storage.get_events(task_id, event_type)})
        metrics.append({"task": task_id, "metrics": names})
    return {"metrics": metrics}


def get_scalar_metrics_and_variants(call):
    task = call.storage.get_task(field(call, "task"))
    result = {}
    for variants in task["last_metrics"].values():
        for entry in variants.values():
            result.setdefault(entry["metric"], {})[entry["variant"]] = {
                "name": entry["variant"]}
    return {"metrics": result}


def get_task_latest_scalar_values(call):
    task = call.storage.get_task(field(call, "task"))
    metrics = {}
    for variants in task["last_metrics"].values():
        for entry in variants.values():
            metrics.setdefault(entry["metric"], []).append(
                {"name": entry["variant"], "last_value": entry["value"]})
    return {"metrics": [{"name": name, "variants": variants}
                        for name, variants in metrics.items()]}


def debug_images(call):
    return {"metrics": [], "scroll_id": None}


def delete_for_task(call):
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    return {"deleted": call.storage.delete_events(task_id)}


def _public(events):
    return [{k: v for k, v in event.items() if k != "_seq"} for event in events]
