"""The events.* service: console output, scalars and plots that tasks report."""
import logging
import math
from datetime import datetime, timezone

from .. import errors, jsonio
from ..storage import last_metric_entries
from . import event_selection
from ._request import field, id_list

log = logging.getLogger("clearml_local.events")
NOT_FINITE = "event holds NaN or Infinity: numbers must be finite"
# The iteration of single value scalars (Logger.report_single_value); ClearML Server's
# SINGLE_SCALAR_ITERATION in bll/event/event_common.py, left out of the scalar histograms.
SINGLE_VALUE_ITERATION = -(2 ** 31)


def add_batch(call):
    """Store the batch (call.data: jsonio.Lines, parsed a piece at a time): an invalid event
    refuses all of it, while events holding NaN or Infinity are refused one by one (_add)."""
    return _add(call, call.data)


def add(call):
    return _add(call, [[{k: v for k, v in call.data.items() if not k.startswith("_")}]])


def _add(call, pieces):
    """Store the events of pieces (lists of events); those holding NaN or Infinity are refused
    one by one and counted in errors_info, as under ClearML Server, where Elasticsearch's
    numeric fields refuse them ("supports only finite values") and add_events counts the event
    as an error (apiserver/bll/event/event_bll.py). EventsNotAdded when no event is left."""
    refused = 0

    def finite_pieces():
        nonlocal refused
        for events in pieces:
            finite = [event for event in events if _is_finite(event)]
            refused += len(events) - len(finite)
            yield finite

    added = call.storage.add_event_pieces(finite_pieces())
    if refused:
        log.warning("task events: %d of %d refused: %s", refused, added + refused, NOT_FINITE)
        if not added:
            raise errors.EventsNotAdded(f"{refused} events not added: {NOT_FINITE}",
                                        **{NOT_FINITE: refused})
    return {"added": added, "errors": refused,
            "errors_info": {NOT_FINITE: refused} if refused else {}}


def _is_finite(event):
    """Whether the event holds no NaN or Infinity. Its body passed jsonio.check already
    (jsonio.loads), all but finiteness: a flat event needs only its floats looked at."""
    if type(event) is dict:
        for value in event.values():
            kind = type(value)
            if kind is float:
                if not math.isfinite(value):
                    return False
            elif kind is dict or kind is list:
                break
        else:
            return True
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
    _owner(call, task_id)
    result = {}
    by_time = key != "iter"  # ClearML Server's histogram orders the points by its key.
    for metric, variants in call.storage.scalar_series([task_id]).get(task_id, {}).items():
        for variant, points in variants.items():
            points = [p for p in points if p[0] != SINGLE_VALUE_ITERATION]
            if by_time:
                points.sort(key=lambda point: point[2])
            if points:
                result.setdefault(metric, {})[variant] = {
                    "x": [_x(point, key) for point in points], "y": [p[1] for p in points],
                    "name": variant}
    return result


def _x(point, key):
    """The x of an (iter, value, timestamp) point."""
    if key == "iter":
        return point[0]
    if key == "timestamp":
        return point[2]
    return datetime.fromtimestamp(point[2] / 1000, timezone.utc).isoformat()


def get_task_log(call):
    """batch_size console events of a task from from_timestamp (default: the newest) towards
    earlier ones, or later ones when navigate_earlier is false; answered in that order unless
    order asks otherwise (events.get_task_log 2.9+ in ClearML Server's services/events.py)."""
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    earlier = field(call, "navigate_earlier", bool, required=False, default=True)
    order = field(call, "order", required=False)
    if order not in (None, "asc", "desc"):
        raise errors.ValidationError(f"order must be asc or desc, not {order!r}")
    events = call.storage.get_events(
        task_id, "log", order="desc" if earlier else "asc",
        limit=field(call, "batch_size", int, required=False, default=5000),
        from_timestamp=field(call, "from_timestamp", int, required=False))
    if order == ("asc" if earlier else "desc"):
        events.reverse()
    return {"events": _public(events), "returned": len(events),
            "total": call.storage.count_events(task_id, "log")}


def get_task_events(call):
    """A task's events by iteration (ascending unless order is desc), batch_size at a time;
    total counts them all and scroll_id continues after the last one answered
    (events.get_task_events in ClearML Server's services/events.py)."""
    task_id = field(call, "task")
    _owner(call, task_id)
    event_type = field(call, "event_type", required=False)
    order = field(call, "order", required=False, default="asc")
    if order not in ("asc", "desc"):
        raise errors.ValidationError(f"order must be asc or desc, not {order!r}")
    wanted = event_selection.metric_variants(field(call, "metrics", list, required=False))
    events = sorted((e for e in call.storage.get_events(
        task_id, None if event_type in (None, "all") else event_type)
        if event_selection.selected(e, wanted)), reverse=order == "desc",
        key=lambda e: (e.get("iter") or 0, e.get("timestamp") or 0, e["_seq"]))
    start = event_selection.positions(field(call, "scroll_id", required=False)).get("offset", 0)
    page = events[start:start + field(call, "batch_size", int, required=False, default=500)]
    return {"events": _public(page), "returned": len(page), "total": len(events),
            "scroll_id": event_selection.scroll_id({"offset": start + len(page)})}


def get_task_plots(call):
    """The last iters plots of each metric and variant, metric and variant ascending, newest
    first within each (EventBLL.get_task_plots in ClearML Server's bll/event/event_bll.py)."""
    task_id = field(call, "task")
    _owner(call, task_id)
    iters = field(call, "iters", int, required=False, default=1)
    wanted = event_selection.metric_variants(field(call, "metrics", list, required=False))
    by_plot = {}
    for plot in call.storage.get_events(task_id, "plot"):
        if event_selection.selected(plot, wanted):
            by_plot.setdefault((plot.get("metric", ""), plot.get("variant", "")), []).append(plot)
    plots = [plot for key in sorted(by_plot) for plot in sorted(
        by_plot[key], key=lambda p: p.get("iter") or 0, reverse=True)[:iters]]
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
    result = {}
    for entry in last_metric_entries(_owner(call, field(call, "task"))):
        result.setdefault(entry["metric"], {})[entry["variant"]] = {"name": entry["variant"]}
    return {"metrics": result}


def get_task_latest_scalar_values(call):
    metrics = {}
    for entry in last_metric_entries(call.storage.get_task(field(call, "task"))):
        metrics.setdefault(entry["metric"], []).append(
            {"name": entry["variant"], "last_value": entry["value"]})
    return {"metrics": [{"name": name, "variants": variants}
                        for name, variants in metrics.items()]}


def get_task_single_value_metrics(call):
    """The single values (Logger.report_single_value) of each task that reported any."""
    wanted = event_selection.metric_variants(field(call, "metrics", list, required=False))
    answer = []
    for task_id in id_list(call, "tasks"):
        task = _owner(call, task_id)
        values = [{key: event.get(key) for key in ("metric", "variant", "value", "timestamp")}
                  for event in call.storage.get_events(task_id, "training_stats_scalar")
                  if event.get("iter") == SINGLE_VALUE_ITERATION
                  and event_selection.selected(event, wanted)]
        if values:
            answer.append({"task": task_id, "task_name": task["name"], "values": values})
    return {"tasks": answer}


def debug_images(call):
    """Debug image events, iters iterations per task at a time, newest first unless
    navigate_earlier is false; scroll_id continues where the previous answer stopped
    (events.debug_images 2.7+ in ClearML Server's services/events.py). The 2.1 form, with task
    instead of metrics, answers that task's images of its last iters iterations."""
    iters = field(call, "iters", int, required=False, default=1)
    if call.data.get("metrics") is None and call.data.get("task") is not None:
        task_id = field(call, "task")
        _owner(call, task_id)
        images = event_selection.page(call.storage, task_id, None, iters, True, None)
        return {"task": task_id, "images": _public(images), "returned": len(images),
                "total": len(images), "scroll_id": None}
    requested = field(call, "metrics", list)
    if not all(isinstance(m, dict) and isinstance(m.get("task"), str) for m in requested):
        raise errors.ValidationError("each metrics item needs a task")
    earlier = field(call, "navigate_earlier", bool, required=False, default=True)
    positions = {} if field(call, "refresh", bool, required=False) else \
        event_selection.positions(field(call, "scroll_id", required=False))
    metrics = []
    for task_id in dict.fromkeys(m["task"] for m in requested):
        _owner(call, task_id)
        wanted = event_selection.metric_variants([m for m in requested if m["task"] == task_id
                                   and m.get("metric") is not None])
        events = event_selection.page(call.storage, task_id, wanted, iters, earlier,
                                        positions.get(task_id))
        iterations = event_selection.by_iteration(_public(events), earlier)
        if iterations:
            positions[task_id] = iterations[-1]["iter"]
        metrics.append({"task": task_id, "iterations": iterations})
    return {"metrics": metrics, "scroll_id": event_selection.scroll_id(positions)}


def delete_for_task(call):
    task_id = field(call, "task")
    call.storage.get_task(task_id)
    return {"deleted": call.storage.delete_events(task_id)}


def _owner(call, owner_id):
    """The task whose events are read, or the model with model_events set (as
    _assert_task_or_model_exists in ClearML Server's services/events.py); raises
    InvalidTaskId or InvalidModelId when there is none."""
    if field(call, "model_events", bool, required=False, default=False):
        return call.storage.get_model(owner_id)
    return call.storage.get_task(owner_id)


def _public(events):
    return [{k: v for k, v in event.items() if k != "_seq"} for event in events]
