"""The tasks.* service: create, read, edit, run-state changes, queueing, cloning, artifacts."""
from .. import errors
from ..storage.clauses import parse_date
from ..storage import TASK_EDITABLE
from ._request import check_item, field, get_all as get_all_of, id_list, object_fields
from .batch import run_batch

TASK_TYPES = ("training", "testing", "inference", "data_processing", "application", "monitor",
              "controller", "optimizer", "service", "qc", "custom")


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
    return get_all_of(call, "tasks")


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
failed = _status_change("failed", "failed")
stopped = _status_change("stopped", "stopped")
closed = _status_change("closed", "closed")
_completed = _status_change("completed", "completed")


def _flag(call, name, default=False):
    return field(call, name, bool, required=False, default=default)


def _without_pipeline_steps(call):
    """Refuse include_pipeline_steps=true, which this server does not implement."""
    if _flag(call, "include_pipeline_steps"):
        raise errors.NotSupported("include_pipeline_steps is not supported by this server")


def _reason(call):
    return {"status_reason": field(call, "status_reason", required=False, default=""),
            "status_message": field(call, "status_message", required=False, default="")}


def completed(call):
    """Move a task to completed, and publish it too when asked (publish=true)."""
    result = _completed(call)
    if _flag(call, "publish"):
        published_result = call.storage.publish_task(field(call, "task"), _flag(call, "force"),
                                                     **_reason(call))
        result = dict(result, published=1)
        result["fields"]["status"] = published_result["fields"]["status"]
    return result


def publish(call):
    return dict(call.storage.publish_task(field(call, "task"), _flag(call, "force"),
                                          _flag(call, "publish_model", True), **_reason(call)),
                published=1)


def publish_many(call):
    return run_batch(call, lambda task_id: call.storage.publish_task(
        task_id, _flag(call, "force"), _flag(call, "publish_model", True), **_reason(call)))


def stop(call):
    _without_pipeline_steps(call)
    return call.storage.stop_task(field(call, "task"), call.identity, _flag(call, "force"),
                                  field(call, "status_reason", required=False, default=""))


def stop_many(call):
    _without_pipeline_steps(call)
    return run_batch(call, lambda task_id: call.storage.stop_task(
        task_id, call.identity, _flag(call, "force"),
        field(call, "status_reason", required=False, default="")))


def reset(call):
    return call.storage.reset_task(field(call, "task"), _flag(call, "force"), _flag(
        call, "clear_all"), _flag(call, "delete_output_models", True))


def _queue_id(call):
    """The queue a tasks.enqueue names: by id, by name (created when missing, as ClearML
    Server's enqueue_task does) or, when neither is given, the default queue."""
    queue, queue_name = field(call, "queue", required=False), field(call, "queue_name",
                                                                    required=False)
    if queue and queue_name:
        raise errors.ValidationError("Either queue id or queue name should be provided")
    if queue:
        return queue
    if queue_name:
        found = call.storage.queue_by_name(queue_name)
        return found["id"] if found else call.storage.create_queue({"name": queue_name},
                                                                   call.identity)
    return call.storage.default_queue()["id"]


def enqueue(call):
    """Enqueue a task; with verify_watched_queue, also say whether a worker serves the queue."""
    if not _flag(call, "update_execution_queue", True):
        raise errors.NotSupported("update_execution_queue=false is not supported by this server")
    queue = _queue_id(call)
    result = call.storage.enqueue_task(field(call, "task"), queue, force=_flag(call, "force"),
                                       **_reason(call))
    if _flag(call, "verify_watched_queue"):
        result["queue_watched"] = any(queue in worker["queues"]
                                      for worker in call.storage.get_workers())
    return result


def enqueue_many(call):
    queue = _queue_id(call)
    return run_batch(call, lambda task_id: call.storage.enqueue_task(task_id, queue,
                                                                 **_reason(call)))


def dequeue(call):
    return call.storage.dequeue_task(field(call, "task"), field(call, "new_status",
                                                                required=False), **_reason(call))


def dequeue_many(call):
    return run_batch(call, lambda task_id: call.storage.dequeue_task(
        task_id, field(call, "new_status", required=False), **_reason(call)))


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
    _without_pipeline_steps(call)
    return call.storage.delete_task(field(call, "task"), _flag(call, "force"),
                                    _flag(call, "delete_output_models", True))


def archive(call):
    _without_pipeline_steps(call)
    return {"archived": sum(call.storage.archive_task(task_id)
                            for task_id in id_list(call, "tasks"))}


def archive_many(call):
    _without_pipeline_steps(call)
    return run_batch(call, lambda task_id: {"archived": call.storage.archive_task(task_id)})


def unarchive_many(call):
    _without_pipeline_steps(call)
    return run_batch(call, lambda task_id: {
        "unarchived": call.storage.archive_task(task_id, archive=False)})


def delete_many(call):
    _without_pipeline_steps(call)
    return run_batch(call, lambda task_id: call.storage.delete_task(
        task_id, _flag(call, "force"), _flag(call, "delete_output_models", True)))


def reset_many(call):
    return run_batch(call, lambda task_id: call.storage.reset_task(
        task_id, _flag(call, "force"), _flag(call, "clear_all"),
        _flag(call, "delete_output_models", True)))


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
    """Add or replace hyperparameters; storage decides which statuses allow it."""
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
    call.storage.edit_hyper_params(task_id, items, replace, _flag(call, "force"))
    return {"updated": 1}


def delete_hyper_params(call):
    """Delete hyperparameters ({section, name}) or whole sections ({section})."""
    given = field(call, "hyperparams", list)
    if not all(isinstance(item, dict) and isinstance(item.get("section"), str)
               and isinstance(item.get("name", ""), str) for item in given):
        raise errors.ValidationError("each hyperparameter needs a section")
    return {"deleted": call.storage.delete_hyper_params(
        field(call, "task"), [(item["section"], item.get("name") or "") for item in given],
        _flag(call, "force"))}


def delete_configuration(call):
    names = field(call, "configuration", list)
    if not all(isinstance(name, str) for name in names):
        raise errors.FieldsTypeError("configuration must be a list of names")
    return {"deleted": call.storage.delete_configuration(field(call, "task"), names,
                                                         _flag(call, "force"))}


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
    for index, item in enumerate(given):
        check_item(f"configuration[{index}]", item)
        if not isinstance(item.get("name"), str):
            raise errors.ValidationError("each configuration item needs a name")
    call.storage.edit_configuration(
        task_id, given, field(call, "replace_configuration", bool, required=False),
        _flag(call, "force"))
    return {"updated": 1}


def get_types(call):
    return {"types": list(TASK_TYPES)}


def update(call):
    """tasks.update: name, comment, tags, system_tags, project and created, whatever the
    status (created is one of the fields clearml-server lets a user set: user_set_allowed in
    apiserver/database/model/task/task.py)."""
    task_id = field(call, "task")
    fields = {k: v for k, v in _edit_fields(call).items()
              if k in ("name", "comment", "tags", "system_tags", "project")}
    if call.data.get("created") is not None:
        fields["created"] = parse_date("created", call.data["created"]).isoformat(
            timespec="milliseconds")
    return {"updated": 1, "fields": call.storage.edit_task(task_id, fields, force=True)}
