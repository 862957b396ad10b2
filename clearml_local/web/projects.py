"""The projects list and a project's experiments table."""
from collections import Counter
from urllib.parse import urlencode

from . import actions, rules, summary

FILTERS = ("name", "status", "parent", "type", "user", "params", "archived")
# The selection's buttons, in ClearML's menu order.
TABLE_ACTIONS = ("enqueue", "dequeue", "abort", "reset", "clone", "publish", "tag", "untag")
DEFAULT_SORT = "-created"
ALL_PROJECTS = {"id": "*", "name": "All projects"}


def project_list(server, query):
    """Every project, how many experiments it has in each status, and when one last changed."""
    tasks = server.storage.task_rows(columns=["project", "status", "last_update"])
    counts, latest = {}, {}
    for task in tasks:
        counts.setdefault(task["project"], Counter())[task["status"]] += 1
        latest[task["project"]] = max(latest.get(task["project"], ""), task["last_update"])
    projects = [
        {"id": p["id"], "name": p["name"], "description": p["description"],
         "created": p["created"], "last_update": max(p["last_update"], latest.get(p["id"], "")),
         "url": f"/projects/{p['id']}/experiments",
         "experiments": sum(counts.get(p["id"], {}).values()),
         "statuses": dict(counts.get(p["id"], {}))}
        for p in server.storage.project_rows()]
    return {"title": "Projects", "projects": projects, "experiments": len(tasks),
            "all_url": "/projects/*/experiments"}


def experiments(server, query, project_id):
    """A project's experiments ('*': all projects), filtered and sorted as the query asks.

    Query: name (substring), status, parent, type, user (an id: "my experiments" is the
    viewer's); sort = a column key, '-' for descending;
    params=all shows every hyperparameter, not only those that differ between the experiments;
    archived=1 shows the archive instead. Raises InvalidProjectId for an unknown project.
    """
    storage = server.storage
    project = ALL_PROJECTS if project_id == "*" else storage.get_project(project_id)
    in_project = None if project_id == "*" else project_id
    archive = bool(query.get("archived"))
    tasks = storage.task_rows(in_project, archive, columns=summary.ROW_FIELDS)
    everything = summary.rows(storage, tasks, storage.queue_names())
    clones = Counter(row["parent"]["id"] for row in everything if row["parent"])
    for task, row in zip(tasks, everything):
        row["tags"] = task.get("tags") or []
        row["actions"] = rules.offered(task)
        row["clones"] = clones.get(row["id"], 0)
        row["search_url"] = (f"/compare?{urlencode({'search': row['id']})}"
                             if row["type"] in summary.SEARCH_TYPES else None)
    filters = {key: query.get(key, "") for key in FILTERS}
    shown = [row for row in everything if _matches(row, filters)]
    columns = _columns(shown, every_param=filters["params"] == "all")
    sort = query.get("sort") or DEFAULT_SORT
    if sort.lstrip("-") not in _column_keys(columns):
        sort = DEFAULT_SORT
    return {
        "title": project["name"], "project": {"id": project["id"], "name": project["name"]},
        "filters": filters, "sort": sort, "columns": columns,
        "experiments": _sorted(shown, sort), "total": len(everything),
        "running": any(row["status"] in summary.RUNNING for row in shown),
        "facets": _facets(everything),
        "compare_clones_url": (f"/compare?{urlencode({'parent': filters['parent']})}"
                               if filters["parent"] else None),
        "archive": {"shown": archive, "count": len(tasks) if archive else len(
            storage.task_rows(in_project, archived=True, columns=["id"]))},
        "actions": [{"name": name, "label": actions.ACTIONS[name].label,
                     "single": actions.ACTIONS[name].single,
                     "reason": rules.RULES[name][1]}
                    for name in (*TABLE_ACTIONS, *(("restore", "delete") if archive
                                                   else ("archive",)))],
    }


def _matches(row, filters):
    return ((not filters["name"] or filters["name"].lower() in row["name"].lower()
             or filters["name"] == row["id"])
            and (not filters["status"] or row["status"] == filters["status"])
            and (not filters["type"] or row["type"] == filters["type"])
            and (not filters["parent"] or (row["parent"] or {}).get("id") == filters["parent"])
            and (not filters["user"] or row["user"]["id"] == filters["user"]))


def _columns(rows, every_param):
    """The result metrics any row has, and the hyperparameters with two values or more (or all).

    Frameworks add dozens of constant parameters (TensorFlow's TF_DEFINE flags): as columns they
    would bury the few a search varies.
    """
    every = list(dict.fromkeys(key for row in rows for key in row["params"]))
    params = [key for key in every if every_param or len(rows) < 2 or len(
        {row["params"][key] for row in rows if key in row["params"]}) > 1]
    metrics = {}
    for row in rows:
        for key, entry in row["metrics"].items():
            if summary.is_result(entry["metric"]):
                metrics.setdefault(key, {"key": key, "metric": entry["metric"],
                                         "variant": entry["variant"]})
    return {"params": sorted(params, key=str.lower), "all_params": len(every),
            "metrics": sorted(metrics.values(), key=lambda m: m["key"].lower())}


def _column_keys(columns):
    return (["name", "type", "status", "user", "parent", "queue", "created", "started",
             "duration"]
            + [f"param:{key}" for key in columns["params"]]
            + [f"metric:{m['key']}" for m in columns["metrics"]])


def _cell(row, column):
    if column.startswith("param:"):
        return row["params"].get(column[len("param:"):])
    if column.startswith("metric:"):
        return (row["metrics"].get(column[len("metric:"):]) or {}).get("last")
    if column in ("parent", "queue", "user"):
        return (row[column] or {}).get("name")
    return row.get(column)


def _sorted(rows, sort):
    """rows ordered by one column; rows without a value come last either way."""
    column, descending = sort.lstrip("-"), sort.startswith("-")
    keyed = [(summary.sort_value(_cell(row, column)), row) for row in rows]
    present = sorted((item for item in keyed if item[0][0] < 2), key=lambda item: item[0],
                     reverse=descending)
    return [row for _, row in present] + [row for key, row in keyed if key[0] == 2]


def _facets(rows):
    parents = {}
    for row in rows:
        if row["parent"]:
            entry = parents.setdefault(row["parent"]["id"], dict(row["parent"], count=0))
            entry["count"] += 1
    return {"status": dict(Counter(row["status"] for row in rows)),
            "type": dict(Counter(row["type"] for row in rows)),
            "user": sorted(({"id": user_id, "name": name, "count": count} for (user_id, name), count
                            in Counter((row["user"]["id"], row["user"]["name"])
                                       for row in rows).items()),
                           key=lambda user: str(user["name"]).lower()),
            "parent": sorted(parents.values(), key=lambda p: p["name"].lower())}
