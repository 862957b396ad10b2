"""Actions on experiments (abort, enqueue, clone, archive, ...): a form page, then API calls."""
from dataclasses import dataclass
from urllib.parse import urlencode

from .. import errors
from . import csrf, dispatch, render, rules, session, summary

MAX_TEXT = 255


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    done: str
    fields: tuple = ()
    warning: str = ""  # Said on the confirmation page: what the action costs.
    single: bool = False  # One experiment at a time, as in ClearML's web UI (clone).


ACTIONS = {action.name: action for action in [
    Action("abort", "Abort", "aborted",
           warning="Their runs stop; what they reported so far is kept."),
    Action("enqueue", "Enqueue", "enqueued", fields=("queue",)),
    Action("dequeue", "Dequeue", "dequeued"),
    Action("reset", "Reset", "reset", warning="Their results are deleted: scalars, plots, "
           "console output, debug samples, output models and artifacts."),
    Action("publish", "Publish", "published",
           warning="A published experiment can no longer be changed, reset or deleted."),
    Action("clone", "Clone", "cloned", fields=("name", "project"), single=True),
    Action("archive", "Archive", "archived"),
    Action("restore", "Restore", "restored"),
    Action("delete", "Delete", "deleted", warning="This cannot be undone: the experiments "
           "and everything they reported are deleted."),
    Action("tag", "Add tag", "tagged", fields=("tag",)),
    Action("untag", "Remove tag", "untagged", fields=("tag",)),
]}


def _many(endpoint, *fields):
    """An action the API runs on a list of ids at once (tasks.stop_many, ...)."""
    def run(request, tasks, values):
        answer = dispatch.call(request, endpoint, ids=[task["id"] for task in tasks],
                               **{name: values[name] for name in fields})
        return ([item["id"] for item in answer["succeeded"]],
                [{"id": item["id"], "error": item["error"]["msg"]} for item in answer["failed"]])
    return run


def _each(endpoint, data):
    """An action the API runs on one experiment per call, ClearML's answers collected alike."""
    def run(request, tasks, values):
        succeeded, failed = [], []
        for task in tasks:
            try:
                answer = dispatch.call(request, endpoint, **data(task, values))
                succeeded.append((answer or {}).get("id", task["id"]))
            except errors.APIError as exc:
                failed.append({"id": task["id"], "error": exc.message})
        return succeeded, failed
    return run


RUN = {
    "abort": _many("tasks.stop_many"),
    "enqueue": _many("tasks.enqueue_many", "queue"),
    "dequeue": _each("tasks.dequeue", lambda task, values: {"task": task["id"]}),
    "reset": _many("tasks.reset_many"),
    "publish": _each("tasks.publish", lambda task, values: {"task": task["id"]}),
    "clone": _each("tasks.clone", lambda task, values: {
        "task": task["id"], "new_task_name": values["name"],
        "new_task_project": values["project"] or task.get("project")}),
    "archive": _many("tasks.archive_many"),
    "restore": _many("tasks.unarchive_many"),
    "delete": _many("tasks.delete_many"),
    "tag": _each("tasks.update", lambda task, values: {
        "task": task["id"], "tags": list(dict.fromkeys([*task["tags"], values["tag"]]))}),
    "untag": _each("tasks.update", lambda task, values: {
        "task": task["id"], "tags": [tag for tag in task["tags"] if tag != values["tag"]]}),
}


def _check_text(value, missing):
    if not value:
        return missing
    if len(value) > MAX_TEXT:
        return f"At most {MAX_TEXT} characters, please."
    return ""


# Each field's check, given what the page read (_read) and the value typed.
CHECKS = {
    "queue": lambda read, value: "" if value in {q["id"] for q in read["queues"]}
    else "Choose one of the queues.",
    "name": lambda read, value: _check_text(value, "Give the clone a name."),
    "project": lambda read, value: "" if not value or value in {
        p["id"] for p in read["projects"]} else "Choose one of the projects.",
    "tag": lambda read, value: _check_text(value, "Type a tag."),
}


def _read(storage, action, ids):
    """What an action's page reads, in one storage unit: the chosen experiments that exist (in
    the order chosen), the queues, and the projects when the action asks for one."""
    found = {task["id"]: task for task in storage.tasks_by_id(ids)}
    return {"tasks": [found[task_id] for task_id in dict.fromkeys(ids) if task_id in found],
            "queues": storage.queue_rows(),
            "projects": storage.project_rows() if "project" in action.fields else []}


def _defaults(read, tasks):
    """The fields' starting values, as ClearML's dialogs fill them in."""
    first = tasks[0] if tasks else {}
    default_queue = next((q["id"] for q in read["queues"]
                          if "default" in (q.get("system_tags") or [])), "")
    return {"queue": default_queue, "name": f"Clone Of {first.get('name', '')}",
            "project": first.get("project") or "", "tag": ""}


def _options(read, action, tasks):
    options = {}
    if "queue" in action.fields:
        options["queue"] = [{"id": q["id"], "name": q["name"], "pending": len(q["entries"])}
                            for q in read["queues"]]
    if "project" in action.fields:
        options["project"] = [{"id": p["id"], "name": p["name"]} for p in read["projects"]]
    if action.name == "untag":
        options["tag"] = sorted({tag for task in tasks for tag in task["tags"]}, key=str.lower)
    return options


def _ids(values):
    """Ids given as repeated fields or comma-separated, in order, once each."""
    return list(dict.fromkeys(i.strip() for value in values for i in value.split(",")
                              if i.strip()))


def _page(read, action, ids, next_url, values=None, problems=None):
    tasks = read["tasks"]
    eligible = [task for task in tasks if rules.allowed(action.name, task)]
    if action.single and len(eligible) > 1:
        problems = dict(problems or {}, ids=f"{action.label} works on one experiment at a time.")
    return {
        "title": f"{action.label} experiments",
        "action": {"name": action.name, "label": action.label, "warning": action.warning,
                   "fields": list(action.fields), "single": action.single},
        "experiments": [{"id": task["id"], "name": task["name"], "status": task["status"],
                         "url": summary.task_url(task), "tags": task["tags"],
                         "reason": rules.reason(action.name, task)} for task in tasks],
        "eligible": len(eligible), "missing": len(set(ids) - {task["id"] for task in tasks}),
        "entered": values or _defaults(read, eligible),
        "options": _options(read, action, eligible), "errors": problems or {},
        "next": next_url,
    }


def _action(name):
    action = ACTIONS.get(name)
    if action is None:
        raise errors.BadRequest(f"there is no action {name!r}")
    return action


def form_page(server, query, action):
    """GET: which of the chosen experiments the action applies to, its fields, a confirm button."""
    action = _action(action)
    ids = _ids(query.getlist("ids"))
    return _page(_read(server.storage, action, ids), action, ids,
                 session.safe_next(query.get("next")))


def _checked(storage, action, form):
    """The page of a submitted form, with the problems of what was typed."""
    ids = _ids(form.getlist("ids"))
    values = {name: (form.get(name) or "").strip() for name in action.fields}
    read = _read(storage, action, ids)
    problems = {name: problem for name in action.fields
                if (problem := CHECKS[name](read, values[name]))}
    data = _page(read, action, ids, session.safe_next(form.get("next")), values, problems)
    if not ids:
        data["errors"]["ids"] = "Select at least one experiment."
    return read["tasks"], values, data


def perform(request):
    """POST: check the form, run the action on the eligible experiments, go back to next."""
    action = _action(request.path_params["action"])
    form = dispatch.form(request)
    csrf.check(request, form)
    storage = request.app.state.server.storage
    tasks, values, data = storage.run("web action form", _checked, storage, action, form)
    if data["errors"]:
        return render.Shown(data)
    eligible = [task for task in tasks if rules.allowed(action.name, task)]
    succeeded, failed = RUN[action.name](request, eligible, values) if eligible else ([], [])
    return _done(action, data, succeeded, failed)


def _done(action, data, succeeded, failed):
    names = {e["id"]: e["name"] for e in data["experiments"]}
    skipped = [e for e in data["experiments"] if e["reason"]]
    result = {"succeeded": succeeded, "failed": failed,
              "skipped": [{"id": e["id"], "reason": e["reason"]} for e in skipped]}
    result["message"] = _message(action, names, result)
    next_url = data["next"]
    if action.name == "clone" and succeeded:
        next_url = f"/projects/*/experiments/{succeeded[0]}"
    return render.Done(result, next_url, result["message"], "done" if succeeded else "error")


def _message(action, names, result):
    count = len(result["succeeded"])
    parts = [f"{count} experiment{'s' if count != 1 else ''} {action.done}."]
    parts += [f"{names.get(f['id'], f['id'])}: {f['error']}" for f in result["failed"]]
    parts += [f"{names.get(s['id'], s['id'])} skipped: {s['reason']}." for s in
              result["skipped"]]
    return " ".join(parts)


def link(action, ids, next_url):
    """The address of an action's form page for these experiments."""
    return f"/actions/{action}?{urlencode({'ids': list(ids), 'next': next_url}, doseq=True)}"
