"""Copying a task's events: scalars (single values among them), plots, debug samples,
histograms and console lines, with events.add_batch.

Events other than console lines have an identity on ClearML Server (task, type, iteration,
metric, variant and key: a re-sent one replaces the stored one), so sending them again after
an interruption duplicates nothing. Console lines have none: of those, the ones the target
already counts for the task are skipped, in the order they were sent.
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


def send(target, prepared, new_task):
    """Send the prepared events, without the console lines the target already has."""
    already = _logs_on_target(target, new_task) if prepared.logs else 0
    target.add_events(prepared.others + prepared.logs[already:])


def _event(remap, event, new_task, model_event):
    event = dict(remap.value(event), task=new_task)
    if model_event:
        event["model_event"] = True
    return event


def _logs_on_target(target, task_id):
    return target.call("events.get_task_log", task=task_id, batch_size=1)["total"]
