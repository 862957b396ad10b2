"""The tasks.* service: create, read, edit, run-state changes, queueing, cloning, artifacts."""
import re

from .. import errors
from ..storage import TASK_EDITABLE
from . import check_item, field, id_list, object_fields, query

TASK_TYPES = ("training", "testing", "inference", "data_processing", "application", "monitor",
              "controller", "optimizer", "service", "qc", "custom")
FILTERS = ("id", "name", "project", "parent", "status", "type", "user", "tags", "system_tags",
           "search_text", "search_hidden")


def _edit_fields(call):
    fields = object_fields(call, TASK_EDITABLE)
    if "type" in fields and fields["type"] not in TASK_TYPES:
        raise errors.ValidationError(f"invalid task type {fields['type']!r}", field="type")
    if fields.get("project") is not None:
        call.storage.get_project(fields["project"])
    return fields


def _output_destination(call, fields, current):
    """ClearML's output_dest field sets output.destination (where the SDK uploads models)."""
    destination = field(call, "output_dest", required=False)
    if destination is not None:
        fields["output"] = dict(fields.get("output", current), destination=destination)
    return fields


def create(call):
    field(call, "name")
    field(call, "type")
    fields = _output_destination(call, _edit_fields(call), {})
    return {"id": call.storage.create_task(fields, call.identity)}


def get_by_id(call):
    return {"task": call.storage.get_task(field(call, "task"))}


def get_all(call):
    return {"tasks": query(call, "tasks", FILTERS)}


def edit(call):
    task_id = field(call, "task")
    fields = _edit_fields(call)
    if "output_dest" in call.data:
        fields = _output_destination(call, fields, call.storage.get_task(task_id)["output"])
    fields = call.storage.edit_task(task_id, fields,
                                    field(call, "force", bool, required=False, default=False))
    return {"updated": 1, "fields": fields}


def _status_change(status, counter):
    def handler(call):
        result = call.storage.set_task_status(
            field(call, "task"), status, field(call, "force", bool, required=False, default=False),
            field(call, "status_reason", required=False, default=""),
            field(call, "status_message", required=False, default=""))
        return dict(result, **{counter: 1})
    handler.__doc__ = f"Move a task to {status}."
    return handler


started = _status_change("in_progress", "started")
completed = _status_change("completed", "completed")
failed = _status_change("failed", "failed")
stopped = _status_change("stopped", "stopped")
closed = _status_change("closed", "closed")
published = _status_change("published", "published")


def stop(call):
    return call.storage.stop_task(field(call, "task"), call.identity,
                                  field(call, "force", bool, required=False, default=False),
                                  field(call, "status_reason", required=False, default=""))


def stop_many(call):
    return _many(call, lambda task_id: call.storage.stop_task(
        task_id, call.identity, field(call, "force", bool, required=False, default=False)))


def reset(call):
    return call.storage.reset_task(field(call, "task"),
                                   field(call, "force", bool, required=False, default=False),
                                   field(call, "clear_all", bool, required=False, default=False))


def enqueue(call):
    queue = field(call, "queue", required=False)
    if queue is None:
        queue_name = field(call, "queue_name", required=False)
        queue = (call.storage.query("queues", {"name": f"^{re.escape(queue_name)}$"}) if queue_name else
                 call.storage.query("queues", {"system_tags": ["default"]}))
        if not queue:
            raise errors.InvalidQueueId(f"no queue named {queue_name!r}" if queue_name
                                        else errors.NoDefaultQueue.default_message)
        queue = queue[0]["id"]
    return call.storage.enqueue_task(
        field(call, "task"), queue, field(call, "status_reason", required=False, default=""),
        field(call, "status_message", required=False, default=""))


def dequeue(call):
    return call.storage.dequeue_task(
        field(call, "task"), field(call, "new_status", required=False, default="created"),
        field(call, "status_reason", required=False, default=""),
        field(call, "status_message", required=False, default=""))


def clone(call):
    project = field(call, "new_task_project", required=False)
    if project:
        call.storage.get_project(project)
    new_id = call.storage.clone_task(
        field(call, "task"), call.identity,
        name=field(call, "new_task_name", required=False),
        parent=field(call, "new_task_parent", required=False),
        comment=field(call, "new_task_comment", required=False),
        tags=field(call, "new_task_tags", list, required=False),
        system_tags=field(call, "new_task_system_tags", list, required=False),
        project=project,
        execution_overrides=field(call, "execution_overrides", dict, required=False))
    task = call.storage.get_task(new_id)
    project = call.storage.get_project(task["project"]) if task["project"] else None
    return {"id": new_id,
            "new_project": {"id": project["id"], "name": project["name"]} if project else {}}


def delete(call):
    return call.storage.delete_task(field(call, "task"),
                                    field(call, "force", bool, required=False, default=False))


def _many(call, action):
    succeeded, failures = [], []
    for task_id in id_list(call, "ids"):
        try:
            succeeded.append(dict(action(task_id) or {}, id=task_id))
        except errors.APIError as exc:
            failures.append({"id": task_id, "error": {"codes": [exc.code, exc.subcode],
                                                      "msg": exc.message}})
    return {"succeeded": succeeded, "failed": failures}


def archive(call):
    return {"archived": sum(call.storage.set_system_tag(task_id, "archived", True)
                            for task_id in id_list(call, "tasks"))}


def archive_many(call):
    return _many(call, lambda task_id: {
        "archived": call.storage.set_system_tag(task_id, "archived", True)})


def unarchive_many(call):
    return _many(call, lambda task_id: {
        "unarchived": call.storage.set_system_tag(task_id, "archived", False)})


def delete_many(call):
    return _many(call, lambda task_id: call.storage.delete_task(
        task_id, field(call, "force", bool, required=False, default=False)))


def reset_many(call):
    return _many(call, lambda task_id: call.storage.reset_task(
        task_id, field(call, "force", bool, required=False, default=False)))


def enqueue_many(call):
    queue = field(call, "queue")
    return _many(call, lambda task_id: call.storage.enqueue_task(task_id, queue))


def ping(call):
    call.storage.ping_task(field(call, "task"))
    return {}


def set_requirements(call):
    task_id = field(call, "task")
    requirements = field(call, "requirements", dict)
    task = call.storage.get_task(task_id)
    script = dict(task["script"], requirements=requirements)
    return {"updated": 1, "fields": call.storage.edit_task(task_id, {"script": script},
                                                           force=True)}


def add_or_update_artifacts(call):
    artifacts = field(call, "artifacts", list)
    if not all(isinstance(a, dict) and isinstance(a.get("key"), str) for a in artifacts):
        raise errors.ValidationError("each artifact needs a key")
    return {"updated": call.storage.update_artifacts(field(call, "task"), artifacts)}


def delete_artifacts(call):
    artifacts = field(call, "artifacts", list)
    return {"deleted": call.storage.update_artifacts(field(call, "task"), artifacts,
                                                     remove=True)}


def add_or_update_model(call):
    model_id = field(call, "model")
    call.storage.get_model(model_id)
    call.storage.add_task_model(field(call, "task"), model_id,
                                field(call, "type", required=False, default="output"),
                                field(call, "name", required=False, default=""))
    return {"updated": 1}


def get_hyper_params(call):
    params = []
    for task_id in id_list(call, "tasks"):
        sections = call.storage.get_task(task_id)["hyperparams"]
        params.append({"task": task_id, "hyperparams": [
            value for section in sections.values() for value in section.values()]})
    return {"params": params}


def edit_hyper_params(call):
    """Add or replace hyperparameters; the 'properties' section alone is editable in any status."""
    task_id = field(call, "task")
    given = field(call, "hyperparams", list)
    replace = field(call, "replace_hyperparams", required=False, default="none")
    if replace not in ("none", "section", "all"):
        raise errors.ValidationError(
            f"replace_hyperparams must be none, section or all, not {replace!r}")
    for index, item in enumerate(given):
        check_item(f"hyperparams[{index}]", item)
    if not all(isinstance(item.get("name"), str) for item in given):
        raise errors.ValidationError("each hyperparameter needs a name")
    items = [dict(item, section=item.get("section") or "General") for item in given]
    task = call.storage.get_task(task_id)
    sections = {} if replace == "all" else {k: dict(v) for k, v in task["hyperparams"].items()}
    if replace == "section":
        sections.update({item["section"]: {} for item in items})
    for item in items:
        sections.setdefault(item["section"], {})[item["name"]] = item
    properties_only = all(item["section"] == "properties" for item in items)
    force = field(call, "force", bool, required=False, default=False) or properties_only
    call.storage.edit_task(task_id, {"hyperparams": sections}, force)
    return {"updated": 1}


def get_configurations(call):
    names = field(call, "names", list, required=False)
    configurations = []
    for task_id in id_list(call, "tasks"):
        items = call.storage.get_task(task_id)["configuration"]
        configurations.append({"task": task_id, "configuration": [
            value for name, value in items.items() if not names or name in names]})
    return {"configurations": configurations}


def get_configuration_names(call):
    return {"configurations": [
        {"task": task_id, "names": list(call.storage.get_task(task_id)["configuration"])}
        for task_id in id_list(call, "tasks")]}


def edit_configuration(call):
    task_id = field(call, "task")
    given = field(call, "configuration", list)
    task = call.storage.get_task(task_id)
    items = {} if field(call, "replace_configuration", bool, required=False) else dict(
        task["configuration"])
    for index, item in enumerate(given):
        check_item(f"configuration[{index}]", item)
        if not isinstance(item.get("name"), str):
            raise errors.ValidationError("each configuration item needs a name")
        items[item["name"]] = item
    call.storage.edit_task(task_id, {"configuration": items},
                           field(call, "force", bool, required=False, default=False))
    return {"updated": 1}


def get_types(call):
    return {"types": list(TASK_TYPES)}


def update(call):
    """tasks.update: name, comment, tags, system_tags and project, whatever the status."""
    task_id = field(call, "task")
    fields = {k: v for k, v in _edit_fields(call).items()
              if k in ("name", "comment", "tags", "system_tags", "project")}
    return {"updated": 1, "fields": call.storage.edit_task(task_id, fields, force=True)}
