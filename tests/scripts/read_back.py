"""What the SDK reads of each task whose id is a line of argv[1], written as JSON to argv[2]:
its fields, parameters, configuration, every scalar point, plots, console, single values, and
the SHA-256 of its debug samples, artifacts, models' files and datasets' local copies."""
import hashlib
import json
import sys
from pathlib import Path

from clearml import Dataset, StorageManager, Task
from clearml.backend_api import Session


def digest(path):
    path = Path(path)
    if path.is_dir():
        return {str(p.relative_to(path)): digest(p) for p in sorted(path.rglob("*")) if p.is_file()}
    return hashlib.sha256(path.read_bytes()).hexdigest()


def debug_samples(task):
    answer = Session().send_request("events", "get_task_metrics", method="post", json={
        "tasks": [task.id], "event_type": "training_debug_image"}).json()["data"]
    samples = {}
    for metric in answer["metrics"][0]["metrics"] if answer["metrics"] else []:
        for variant in debug_variants(task, metric):
            for sample in task.get_debug_samples(metric, variant):
                samples[f"{metric}/{variant}/{sample['iter']}"] = digest(
                    StorageManager.get_local_copy(sample["url"], force_download=True))
    return samples


def debug_variants(task, metric):
    answer = Session().send_request("events", "get_task_events", method="post", json={
        "task": task.id, "event_type": "training_debug_image", "batch_size": 10000}).json()
    return sorted({e["variant"] for e in answer["data"]["events"] if e["metric"] == metric})


def artifacts(task):
    found = {}
    for name, artifact in task.artifacts.items():
        local = artifact.get_local_copy(extract_archive=False, force_download=True)
        found[name] = (json.loads(Path(local).read_text()) if name == "state"
                       and "dataset" in task.get_system_tags() else digest(local))
    return found


def models(task):
    return {kind: [{"name": m.name, "framework": m.framework, "tags": m.tags,
                    "ready": m.published, "task": m.task, "metadata": m.get_all_metadata(),
                    "file": model_file(m),
                    "events": model_events(m.id)}
                   for m in task.models[kind]] for kind in ("input", "output")}


def model_file(model):
    """The SHA-256 of the model's file, or its URI when no file is there (registered only)."""
    local = model.get_local_copy(force_download=True)
    return digest(local) if local else model.url


def model_events(model_id):
    """The events reported to the model (OutputModel.report_*), read as model events."""
    answer = Session().send_request("events", "get_task_events", method="post", json={
        "task": model_id, "model_events": True, "batch_size": 10000}).json()["data"]
    return sorted((e["type"], e["metric"], e["variant"], e.get("iter"), e.get("value"),
                   e.get("plot_str")) for e in answer["events"])


def dataset(task):
    if "dataset" not in task.get_system_tags():
        return None
    found = Dataset.get(dataset_id=task.id)
    return {"files": digest(found.get_local_copy()), "graph": found.get_dependency_graph(),
            "version": found.version}


def read(task_id):
    task = Task.get_task(task_id=task_id)
    return {
        "name": task.name, "type": str(task.task_type), "status": task.get_status(),
        "comment": task.comment, "tags": task.get_tags(), "parent": task.parent,
        "system_tags": sorted(t for t in task.get_system_tags()
                              if not t.startswith("clearml-local:")),
        "project": task.get_project_name(), "created": str(task.data.created),
        "parameters": task.get_parameters(), "configuration": task.get_configuration_objects(),
        "scalars": task.get_all_reported_scalars(), "single": task.get_reported_single_values(),
        "plots": sorted((p["metric"], p["variant"], p["iter"], p["plot_str"])
                        for p in task.get_reported_plots()),
        "console": [line for report in task.get_reported_console_output(10000)
                    for line in [report]],
        "debug_samples": debug_samples(task), "artifacts": artifacts(task),
        "models": models(task), "dataset": dataset(task),
    }


ids = Path(sys.argv[1]).read_text().split()
Path(sys.argv[2]).write_text(json.dumps({task_id: read(task_id) for task_id in ids}, indent=1))
