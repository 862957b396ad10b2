"""Editing a draft: name, comment, tags, hyperparameters by section, configuration objects."""
from .. import errors
from . import csrf, dispatch, render, rules, summary

NEW_PARAMS = 3  # Empty rows offered for new hyperparameters.
MAX_TEXT = 255
MAX_FIELDS = 50_000
MAX_VALUE = 16 * 1024 * 1024  # A configuration object's text.


def _values(task):
    """The form's fields as the task has them, with empty rows for additions."""
    params = [{"section": section, "name": name, "value": entry.get("value", ""),
               "key": f"{section}/{name}", "remove": False}
              for section, entries in (task.get("hyperparams") or {}).items()
              for name, entry in entries.items()]
    last = params[-1]["section"] if params else "General"
    params += [{"section": last, "name": "", "value": "", "key": "", "remove": False}
               for _ in range(NEW_PARAMS)]
    configuration = [{"name": name, "value": entry.get("value") or "", "key": name,
                      "remove": False}
                     for name, entry in (task.get("configuration") or {}).items()]
    configuration.append({"name": "", "value": "", "key": "", "remove": False})
    return {"name": task["name"], "comment": task.get("comment") or "",
            "tags": ", ".join(task.get("tags") or []), "params": params,
            "configuration": configuration}


def _page(task, values=None, problems=None):
    return {"title": f"Edit {task['name']}",
            "experiment": {"id": task["id"], "name": task["name"], "status": task["status"],
                           "url": summary.task_url(task)},
            "editable": rules.allowed("edit", task), "reason": rules.reason("edit", task),
            "clone_url": f"/actions/clone?ids={task['id']}&next={summary.task_url(task)}",
            "entered": values or _values(task), "errors": problems or {}}


def edit_page(server, query, project_id, task_id):
    """GET: the draft's fields in one form; a running or finished experiment says to clone it."""
    return _page(server.storage.get_task(task_id))


def save(request):
    """POST: check the form, then one tasks.edit call, which applies the API's own checks."""
    # Four fields a hyperparameter: frameworks connect hundreds of them.
    form = dispatch.form(request, max_fields=MAX_FIELDS, max_part_size=MAX_VALUE)
    csrf.check(request, form)
    storage = request.app.state.server.storage
    task = storage.run("web edit form", storage.get_task, request.path_params["task_id"])
    values = _read(form)
    problems = _problems(values)
    if not problems:
        try:
            dispatch.call(request, "tasks.edit", task=task["id"], **_fields(task, values))
        except errors.APIError as exc:
            field = (exc.data or {}).get("field")
            problems = {field if field in ("name", "comment", "tags") else "form": exc.message}
    if problems:
        return render.Shown(_page(task, values, problems))
    message = f"Saved the changes to {values['name']}."
    return render.Done({"id": task["id"], "message": message}, summary.task_url(task), message)


def _rows(form, prefix, count_field, keys):
    try:
        count = min(int(form.get(count_field) or 0), 10_000)
    except ValueError:
        count = 0
    return [dict({key: (form.get(f"{prefix}{index}.{key}") or "").strip()
                  if key != "value" else form.get(f"{prefix}{index}.{key}") or ""
                  for key in keys}, remove=bool(form.get(f"{prefix}{index}.remove")))
            for index in range(count)]


def _read(form):
    return {"name": (form.get("name") or "").strip(), "comment": form.get("comment") or "",
            "tags": form.get("tags") or "",
            "params": _rows(form, "p", "params", ("section", "name", "value", "key")),
            "configuration": _rows(form, "c", "configs", ("name", "value", "key"))}


def _problems(values):
    """{field: message} for what cannot be saved as typed."""
    problems = {}
    if not values["name"]:
        problems["name"] = "An experiment needs a name."
    elif len(values["name"]) > MAX_TEXT:
        problems["name"] = f"At most {MAX_TEXT} characters, please."
    seen = set()
    for index, row in enumerate(values["params"]):
        if row["remove"] or not (row["name"] or row["value"]):
            continue
        if not row["section"] or "/" in row["section"]:
            problems[f"p{index}.section"] = "A section needs a name without '/'."
        elif not row["name"]:
            problems[f"p{index}.name"] = "A hyperparameter needs a name."
        elif (row["section"], row["name"]) in seen:
            problems[f"p{index}.name"] = f"{row['section']} has a {row['name']} already."
        seen.add((row["section"], row["name"]))
    names = set()
    for index, row in enumerate(values["configuration"]):
        if row["remove"] or not (row["name"] or row["value"].strip()):
            continue
        if not row["name"]:
            problems[f"c{index}.name"] = "A configuration object needs a name."
        elif row["name"] in names:
            problems[f"c{index}.name"] = f"There is a {row['name']} already."
        names.add(row["name"])
    return problems


def _fields(task, values):
    """The task fields the form sets; the type and description of kept entries stay."""
    old_params = {f"{section}/{name}": entry
                  for section, entries in (task.get("hyperparams") or {}).items()
                  for name, entry in entries.items()}
    hyperparams = {}
    for row in values["params"]:
        if row["remove"] or not row["name"]:
            continue
        entry = dict(old_params.get(row["key"]) or {}, section=row["section"],
                     name=row["name"], value=row["value"])
        hyperparams.setdefault(row["section"], {})[row["name"]] = entry
    old_items = task.get("configuration") or {}
    configuration = {}
    for row in values["configuration"]:
        if row["remove"] or not row["name"]:
            continue
        configuration[row["name"]] = dict(old_items.get(row["key"]) or {},
                                          name=row["name"], value=row["value"])
    tags = list(dict.fromkeys(t.strip() for t in values["tags"].split(",") if t.strip()))
    return {"name": values["name"], "comment": values["comment"], "tags": tags,
            "hyperparams": hyperparams, "configuration": configuration}
