"""One model: what it is, the task that made it, and the scalars, plots and samples reported to it."""
from . import downloads, experiment, samples, summary


def model(server, query, project_id, model_id):
    """A model and its own events (OutputModel.report_*, ClearML's model_event); raises
    InvalidModelId when there is no such model."""
    storage = server.storage
    found = storage.get_model(model_id)
    tasks = storage.tasks_by_id([found["task"]]) if found.get("task") else []
    project = storage.get_project(found["project"]) if found.get("project") else None
    return {
        "title": found["name"],
        "model": {key: found.get(key) for key in (
            "id", "name", "framework", "uri", "ready", "comment", "created", "last_update",
            "last_iteration", "tags", "labels")},
        "download_url": downloads.link(server, found.get("uri")),
        "task": {"name": tasks[0]["name"], "url": summary.task_url(tasks[0])} if tasks else None,
        "project": {"id": project["id"], "name": project["name"]} if project else None,
        "metadata": list((found.get("metadata") or {}).values()),
        "metrics": list(summary.metrics(found).values()),
        "scalars": experiment.scalar_charts(storage.scalar_series([model_id]).get(model_id, {})),
        "plots": experiment.latest_plots(storage.get_events(model_id, "plot")),
        "debug_samples": samples.by_variant(server, storage.get_events(model_id,
                                                                       samples.EVENT_TYPE)),
    }
