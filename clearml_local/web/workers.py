"""Workers and queues: what waits in each queue, in order, and what each worker runs."""
from datetime import datetime, timezone

from starlette.responses import RedirectResponse

from .. import errors
from . import csrf, dispatch, flash, session, summary
from .summary import parse_time

MOVES = ("up", "down", "remove", "to")


def workers_and_queues(server, query):
    """Every queue with its pending experiments in order, every worker with its experiment."""
    storage = server.storage
    queues = storage.queue_rows()
    workers = storage.get_workers()
    ids = [e["task"] for q in queues for e in q["entries"]] + [w["task"] for w in workers
                                                               if w.get("task")]
    tasks = {t["id"]: t for t in storage.tasks_by_id(ids)}
    names = {q["id"]: q["name"] for q in queues}
    shown = [_queue(queue, tasks) for queue in queues]
    busy = [_worker(worker, tasks, names) for worker in workers]
    return {"title": "Workers and queues", "queues": shown, "workers": busy,
            "counts": {"queues": len(shown), "pending": sum(q["pending"] for q in shown),
                       "workers": len(busy), "busy": sum(1 for w in busy if w["task"])}}


def _brief(task_id, tasks):
    task = tasks.get(task_id)
    if task is None:
        return {"id": task_id, "name": task_id, "status": "", "url": None}
    return {"id": task_id, "name": task["name"], "status": task["status"],
            "url": summary.task_url(task)}


def _queue(queue, tasks):
    entries = [dict(_brief(entry["task"], tasks), added=entry["added"], position=index)
               for index, entry in enumerate(queue["entries"])]
    return {"id": queue["id"], "name": queue["name"], "pending": len(entries),
            "default": "default" in (queue.get("system_tags") or []), "entries": entries}


def _worker(worker, tasks, names):
    last = worker.get("last_report_time") or worker.get("last_activity_time")
    return {"id": worker["id"], "task": _brief(worker["task"], tasks) if worker.get("task")
            else None, "last_report": last, "seconds_ago": _seconds_ago(last),
            "registered": worker.get("register_time"),
            "queues": [names.get(q, q) for q in worker.get("queues") or []]}


def _seconds_ago(stamp):
    moment = parse_time(stamp) if stamp else None
    return round((datetime.now(timezone.utc) - moment).total_seconds()) if moment else None


def _calls(move, queue_id, task_id, target):
    """The API calls ClearML's web UI makes for a move (clearml-web queues.effects.ts)."""
    entry = {"queue": queue_id, "task": task_id}
    return {"up": [("queues.move_task_forward", entry)],
            "down": [("queues.move_task_backward", entry)],
            "remove": [("queues.remove_task", entry)],
            "to": [("queues.remove_task", entry),
                   ("queues.add_task", {"queue": target, "task": task_id})]}[move]


def move_entry(request):
    """POST: move a pending experiment up, down, to another queue, or out of its queue."""
    session.identity(request)
    form = dispatch.form(request)
    csrf.check(request, form)
    queue_id, task_id = request.path_params["queue_id"], request.path_params["task_id"]
    move, target = form.get("move"), form.get("queue") or ""
    response = RedirectResponse("/workers", status_code=303)
    if move not in MOVES:
        return flash.remember(response, f"Unknown move {move!r}.", "error")
    if move == "to" and target in ("", queue_id):
        return flash.remember(response, "Choose another queue to move it to.", "error")
    try:
        if move == "to":
            storage = request.app.state.server.storage
            storage.run("web queue move", storage.get_queue, target)
        for endpoint, data in _calls(move, queue_id, task_id, target):
            dispatch.call(request, endpoint, **data)
    except errors.APIError as exc:
        return flash.remember(response, exc.message, "error")
    return flash.remember(response, {"up": "Moved up.", "down": "Moved down.",
                                     "remove": "Removed from the queue: it is a draft again.",
                                     "to": "Moved to the other queue."}[move])

