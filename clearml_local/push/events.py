"""Copying a task's events: scalars (single values among them), plots, debug samples,
histograms and console lines, with events.add_batch, a page at a time.

Events other than console lines have an identity on ClearML Server (task, type, iteration,
metric, variant and key: a re-sent one replaces the stored one), so sending them again after
an interruption duplicates nothing; a type the target already holds as many of is not sent
again (its last_metrics would count them twice). Console lines have no identity: of those,
the ones the target already counts for the task are skipped, in the order they were sent.
"""
LOG = "log"
# The most events.get_task_events counts in its total on ClearML Server (its schema: "In case
# there are more than 10000 results it is set to 10000").
TOTAL_CAP = 10000


def copy(target, remap, source, task_id, new_task, send=True, fresh=False, model_event=False):
    """Carry the events of the source's task task_id (of a model, with model_event) to the
    target's new_task; returns how many of each type the source has.

    Console lines go as printed; every other event is rewritten (remap.value): its ids, its
    URLs, its files uploaded. Without send (remap.dry set), only rewrite and count. Unless
    fresh (made by this push, so empty), what the target already has is not sent again: its
    files are only counted.
    """
    counts = source.event_counts(task_id)
    skip = _on_target(target, new_task, counts, model_event) if send and not fresh else {}
    for kind, page in source.event_pages(task_id):
        skipped = min(skip.get(kind, 0), len(page))
        skip[kind] = skip.get(kind, 0) - skipped
        with remap.counting():
            for event in page[:skipped]:
                _event(remap, event, new_task, model_event)
        batch = [_event(remap, event, new_task, model_event) for event in page[skipped:]]
        if send and batch:
            target.add_events(batch)
    return counts


def _event(remap, event, new_task, model_event):
    if event["type"] == LOG:
        return dict(event, task=new_task)
    event = dict(remap.value(event), task=new_task)
    if model_event:
        event["model_event"] = True
    return event


def _on_target(target, new_task, counts, model_event):
    """{type: how many of the source's events of that type to skip}: all when the target
    holds as many, none otherwise; of console lines, as many as the target holds."""
    skip = {}
    for kind, count in counts.items():
        held = _held(target, new_task, kind, model_event)
        skip[kind] = held if kind == LOG else count if held == count else 0
    return skip


def _held(target, task_id, kind, model_event):
    """How many events of that type the target holds for the task (or model): its total, or
    past ClearML Server's cap on totals, the count of a scroll through them all."""
    request = {"task": task_id, "event_type": kind, **(
        {"model_events": True} if model_event else {})}
    total = target.call("events.get_task_events", batch_size=1, **request)["total"]
    if total < TOTAL_CAP:
        return total
    held, scroll = 0, {}
    while True:
        answer = target.call("events.get_task_events", batch_size=TOTAL_CAP, **request, **scroll)
        if not answer["events"]:
            return held
        held += len(answer["events"])
        scroll = {"scroll_id": answer["scroll_id"]}
