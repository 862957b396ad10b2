"""Filling a pushed task: its fields, creation time, artifacts, events and status, in that
order, so that it reaches its final status only once all the rest is there."""
import hashlib
import tempfile
from pathlib import Path

from . import events, statuses
from .lookup import marker

# Fields tasks.edit sets (clearml-server services/tasks.py create_fields), beside
# execution.artifacts (tasks.add_or_update_artifacts) and output.destination (output_dest).
EDITED = ("name", "type", "comment", "tags", "script", "hyperparams", "configuration",
          "container", "runtime")
DATASET_STATE = "state"  # The artifact in which a dataset keeps its files and parents.


def whole_on_target(target, task, new_id):
    """Whether the target's task new_id has reached the source task's final status: its
    fill ended (a task left created is filled again: that is harmless)."""
    current = target.call("tasks.get_by_id", task=new_id)["task"]["status"]
    return current == statuses.final_status(task["status"]) != "created"


def fill(target, remap, source, task, new_id, send=True, fresh=False):
    """Write the source task into its skeleton new_id (fresh: made by this push); returns the
    events carried per type.

    Without send (remap.dry too), only rewrite and count. A second fill of the same task
    writes the same again: fields and artifacts are replaced, events keep their identity
    (events.copy), and the status calls go on from where the target's task is.
    """
    fields = _fields(remap, task)
    artifacts = _artifacts(remap, source, task)
    if send:
        target.call("tasks.edit", task=new_id, force=True, **fields)
        target.call("tasks.update", task=new_id, created=task["created"])
        if artifacts:
            target.call("tasks.add_or_update_artifacts", task=new_id, artifacts=artifacts,
                        force=True)
    counts = events.copy(target, remap, source, task["id"], new_id, send, fresh)
    if send:
        current = target.call("tasks.get_by_id", task=new_id)["task"]["status"]
        _status(target, remap, task, new_id, current)
    return counts


def unmapped(remap, task):
    """The references of the task that cannot be carried: objects not on the target."""
    models = [entry["model"] for kind in ("input", "output")
              for entry in task["models"].get(kind) or [] if entry["model"] not in remap.ids]
    parent = [task["parent"]] if task.get("parent") and task["parent"] not in remap.ids else []
    return [f"parent {old}" for old in parent] + [f"model {old}" for old in models]


def _fields(remap, task):
    fields = {key: remap.value(task[key]) for key in EDITED if task.get(key) is not None}
    fields["system_tags"] = remap.value(task["system_tags"]) + [marker(task["id"])]
    fields["execution"] = remap.value({key: value for key, value in task["execution"].items()
                                       if key != "artifacts"})
    if task.get("project"):
        fields["project"] = remap.id(task["project"])
    if task.get("parent") in remap.ids:
        fields["parent"] = remap.id(task["parent"])
    fields["models"] = {kind: [{"name": entry.get("name"), "model": remap.id(entry["model"])}
                               for entry in task["models"].get(kind) or []
                               if entry.get("model") in remap.ids]
                        for kind in ("input", "output")}
    destination = (task.get("output") or {}).get("destination")
    if destination:
        fields["output_dest"] = remap.text(destination)
    return fields


def _artifacts(remap, source, task):
    """The task's artifacts with their files uploaded; a dataset's state is rewritten with
    the new ids, its hash and size with it."""
    artifacts = []
    for artifact in task["execution"].get("artifacts") or []:
        local = source.stored_file(artifact.get("uri"))
        if local is not None and _is_dataset_state(task, artifact):
            artifacts.append(_rewritten_state(remap, artifact, local))
        else:
            artifacts.append(remap.value(artifact))
    return artifacts


def _is_dataset_state(task, artifact):
    return "dataset" in task["system_tags"] and artifact.get("key") == DATASET_STATE


def _rewritten_state(remap, artifact, local):
    """The state artifact, its file's content with the new ids (its dataset's own, its
    parents', its dependency graph's) uploaded in its place."""
    content = remap.text(local.read_text()).encode()
    with tempfile.TemporaryDirectory() as folder:
        rewritten = Path(folder) / local.name
        rewritten.write_bytes(content)
        uri = remap.put(rewritten, artifact["uri"].split("/", 3)[3], len(content))
    return dict(remap.value({k: v for k, v in artifact.items() if k != "uri"}), uri=uri,
                content_size=len(content), hash=hashlib.sha256(content).hexdigest())


def _status(target, remap, task, new_id, current):
    queue = (task.get("execution") or {}).get("queue")
    for call in statuses.remaining_calls(task["status"], current):
        target.call(call, task=new_id, **statuses.call_fields(call, task, remap.id(queue)))
