"""Copying a task's events: scalars (single values among them), plots, debug samples,
histograms and console lines, with events.add_batch.

Events other than console lines have an identity on ClearML Server (task, type, iteration,
metric, variant and key: a re-sent one replaces the stored one), so sending them again after
an interruption duplicates nothing; a type the target already holds as many of is not sent
again (its last_metrics would count them twice). Console lines have no identity: of those,
the ones the target already counts for the task are skipped, in the order they were sent.
"""
from collections import Counter
from dataclasses import dataclass

LOG = "log"


@dataclass
class Prepared:
    """A task's events rewritten for the target, console lines apart."""

    others: list
    logs: list
    counts: dict  # Events per type.


def prepare(remap, events, new_task, model_event=False):
    """The events (as Source.events reads them) of one task, or of a model with model_event,
    as events of new_task. Console lines are carried as printed; every other event is
    rewritten (remap.value): its ids, its URLs, and its files uploaded."""
    others = [_event(remap, event, new_task, model_event)
              for event in events if event["type"] != LOG]
    logs = [dict(event, task=new_task) for event in events if event["type"] == LOG]
    return Prepared(others, logs, dict(Counter(event["type"] for event in events)))


def send(target, prepared, new_task, fresh):
    """Send the prepared events; unless the task is fresh (made by this push, so empty),
    without what the target already has."""
    if fresh:
        target.add_events(prepared.others + prepared.logs)
        return
    complete = {kind for kind, count in prepared.counts.items()
                if kind != LOG and _on_target(target, new_task, kind) == count}
    logs = prepared.logs[_on_target(target, new_task, LOG):] if prepared.logs else []
    target.add_events([e for e in prepared.others if e["type"] not in complete] + logs)


def _event(remap, event, new_task, model_event):
    event = dict(remap.value(event), task=new_task)
    if model_event:
        event["model_event"] = True
    return event


def _on_target(target, task_id, kind):
    """How many events of that type the target holds for the task."""
    if kind == LOG:
        return target.call("events.get_task_log", task=task_id, batch_size=1)["total"]
    return target.call("events.get_task_events", task=task_id, event_type=kind,
                       batch_size=1)["total"]
