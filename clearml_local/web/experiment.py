"""One experiment: parameters, configuration, scalars, plots, console log, models, artifacts."""
import json
import logging
from datetime import datetime, timezone
from urllib.parse import urlencode

from ..services.events import SINGLE_VALUE_ITERATION
from . import actions, downloads, rules, samples, searches, summary

log = logging.getLogger("clearml_local.web")
LOG_LINES = 2000
POINTS_PER_SERIES = 2000
# Where the ClearML web app's experiment tabs (the links the SDK prints) land on this page.
SECTIONS = {"execution": "execution", "hyper-params": "parameters", "configuration": "parameters",
            "artifacts": "artifacts", "info-output": "scalars", "output": "scalars",
            "log": "log", "metrics": "scalars", "scalar": "scalars", "plots": "plots",
            "models": "artifacts", "general": "summary", "info": "summary"}


def section_of(path):
    """The page section for a ClearML web app sub-path such as 'output/log'."""
    for part in reversed([p for p in path.split("/") if p]):
        if part in SECTIONS:
            return SECTIONS[part]
    return "summary"


def experiment(server, query, project_id, task_id):
    """Everything about one task; raises InvalidTaskId when there is no such task."""
    storage = server.storage
    task = storage.get_task(task_id)
    queues = storage.queue_names()
    row = summary.rows(storage, [task], queues)[0]
    project = storage.get_project(task["project"]) if task.get("project") else None
    children = storage.children_of(task_id)
    return {
        "title": task["name"],
        "experiment": dict(row, comment=task.get("comment") or "",
                           status_reason=task.get("status_reason") or "",
                           status_message=task.get("status_message") or "",
                           worker=task.get("last_worker"), tags=task.get("tags") or [],
                           archived=rules.archived(task)),
        "actions": _actions(task),
        "edit": {"url": summary.task_url(task) + "/edit", "reason": rules.reason("edit", task)},
        "project": {"id": project["id"], "name": project["name"]} if project else None,
        "clones": _clones(task, children),
        "search": _search(storage, task, queues),
        "parameters": _sections(task.get("hyperparams") or {}),
        "configuration": [_configuration(name, entry)
                          for name, entry in (task.get("configuration") or {}).items()],
        "execution": _execution(task),
        "metrics": list(row["metrics"].values()),
        "scalars": scalar_charts(storage.scalar_series([task_id]).get(task_id, {})),
        "plots": latest_plots(storage.get_events(task_id, "plot")),
        "debug_samples": samples.by_variant(server, storage.get_events(task_id,
                                                                       samples.EVENT_TYPE)),
        "log": _log(storage, task_id, query.get("log") == "all"),
        "artifacts": [_artifact(server, a) for a in
                      (task.get("execution") or {}).get("artifacts") or []],
        "models": _models(server, task),
    }


# The experiment page's buttons, in ClearML's menu order; the rest are direct forms.
PAGE_ACTIONS = ("enqueue", "dequeue", "abort", "reset", "clone", "publish")


def _actions(task):
    """Each button: its form page's link, or why ClearML's web UI does not offer it here."""
    here = summary.task_url(task)
    table = f"/projects/{task.get('project') or '*'}/experiments"
    names = [*PAGE_ACTIONS, "restore" if rules.archived(task) else "archive", "delete"]
    return [{"name": name, "label": actions.ACTIONS[name].label,
             "reason": rules.reason(name, task), "direct": name in ("archive", "restore"),
             "url": actions.link(name, [task["id"]], table + "?archived=1"
                                 if name == "delete" else here)}
            for name in names]


def _clones(task, children):
    if not children:
        return None
    query = urlencode({"parent": task["id"]})
    return {"count": len(children),
            "list_url": f"/projects/{task.get('project') or '*'}/experiments?{query}",
            "compare_url": f"/compare?{query}"}


def _search(storage, task, queues):
    """For a search controller: the experiments it launched and how they rank so far."""
    if task["type"] not in summary.SEARCH_TYPES:
        return None
    return searches.of_controller(storage, task, queues)


def _sections(hyperparams):
    return [{"section": section,
             "params": [{"name": name, "value": entry.get("value", ""),
                         "type": entry.get("type") or "", "description":
                             entry.get("description") or ""}
                        for name, entry in entries.items()]}
            for section, entries in hyperparams.items()]


def _configuration(name, entry):
    return {"name": name, "type": entry.get("type") or "", "value": entry.get("value") or "",
            "description": entry.get("description") or ""}


def _execution(task):
    script = task.get("script") or {}
    fields = ("entry_point", "working_dir", "binary", "repository", "branch", "version_num")
    return {"script": {key: script.get(key) for key in fields if script.get(key)},
            "code": script.get("diff") or "",
            "requirements": ((script.get("requirements") or {}).get("pip") or ""),
            "docker": (task.get("container") or {}).get("image") or ""}


def scalar_charts(by_metric):
    """One chart per metric, its variants overlaid; monitoring charts go last. Single values
    (report_single_value) are in the metrics table, not charted, as in ClearML's web UI."""
    charts = [{"metric": metric,
               "series": [summary.series(points, variant, POINTS_PER_SERIES)
                          for variant, points in sorted(variants.items())]}
              for metric, variants in _iterations_only(by_metric).items()]
    return sorted(charts, key=lambda c: (not summary.is_result(c["metric"]), c["metric"].lower()))


def _iterations_only(by_metric):
    kept = {metric: {variant: [p for p in points if p[0] != SINGLE_VALUE_ITERATION]
                     for variant, points in variants.items()}
            for metric, variants in by_metric.items()}
    return {metric: {variant: points for variant, points in variants.items() if points}
            for metric, variants in kept.items() if any(variants.values())}


def latest_plots(events):
    """The latest figure of each reported plot (report_table, report_plotly, ...)."""
    latest = {}
    for event in events:
        key = (event.get("metric", ""), event.get("variant", ""))
        if key not in latest or (event.get("iter") or 0) >= latest[key].get("iter", 0):
            latest[key] = event
    plots = []
    for (metric, variant), event in sorted(latest.items()):
        try:
            figure = json.loads(event.get("plot_str") or "{}")
        except json.JSONDecodeError:
            log.warning("plot %s/%s of task %s is not JSON", metric, variant, event.get("task"))
            continue
        plots.append({"metric": metric, "variant": variant, "iter": event.get("iter") or 0,
                      "figure": figure})
    return plots


def _log(storage, task_id, everything):
    newest = storage.get_events(task_id, "log", order="desc",
                                limit=None if everything else LOG_LINES)
    lines = [{"time": _iso(event.get("timestamp")), "level": event.get("level") or "info",
              "msg": event.get("msg") or ""} for event in reversed(newest)]
    return {"lines": lines, "total": storage.count_events(task_id, "log"),
            "all_url": "?log=all#log"}


def _iso(millis):
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, timezone.utc).isoformat(timespec="seconds")


def _artifact(server, artifact):
    type_data = artifact.get("type_data") or {}
    return {"key": artifact.get("key"), "type": artifact.get("type"),
            "mode": artifact.get("mode", "output"), "size": artifact.get("content_size"),
            "hash": artifact.get("hash"), "uri": artifact.get("uri"),
            "preview": type_data.get("preview") or "",
            "download_url": downloads.link(server, artifact.get("uri"))}


def _models(server, task):
    entries = [dict(entry, kind=kind) for kind in ("input", "output")
               for entry in (task.get("models") or {}).get(kind) or []]
    ids = [entry["model"] for entry in entries if entry.get("model")]
    found = {m["id"]: m for m in server.storage.models_by_id(ids)}
    models = []
    for entry in entries:
        model = found.get(entry.get("model")) or {}
        models.append({"kind": entry["kind"], "name": entry.get("name") or model.get("name"),
                       "id": entry.get("model"), "model_name": model.get("name"),
                       "framework": model.get("framework"), "uri": model.get("uri"),
                       "ready": model.get("ready"),
                       "url": summary.model_url(model) if model else None,
                       "download_url": downloads.link(server, model.get("uri"))})
    return models
