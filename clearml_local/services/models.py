"""The models.* service: registered models, their files' URIs and the tasks that made them."""
from ..storage import MODEL_EDITABLE
from ._request import field, get_all as get_all_of, object_fields
from .batch import run_batch


def _fields(call):
    return object_fields(call, MODEL_EDITABLE)


def create(call):
    field(call, "name")
    fields = _fields(call)
    if fields.get("task"):
        call.storage.get_task(fields["task"])  # A refused call must create no model.
    model_id = call.storage.create_model(fields, call.identity)
    if call.data.get("task"):
        call.storage.add_task_model(call.data["task"], model_id, "output", call.data["name"])
    return {"id": model_id, "created": True}


def get_by_id(call):
    return {"model": call.storage.get_model(field(call, "model"))}


def get_by_task_id(call):
    task = call.storage.get_task(field(call, "task"))
    output = task["models"].get("output") or []
    return {"model": call.storage.get_model(output[-1]["model"]) if output else None}


def get_all(call):
    return get_all_of(call, "models")


def edit(call):
    return {"updated": 1, "fields": call.storage.edit_model(field(call, "model"), _fields(call))}


def set_ready(call):
    call.storage.publish_model(field(call, "model"))
    return {"updated": 1}


def update_for_task(call):
    """Create or update the output model of a task."""
    task_id = field(call, "task")
    task = call.storage.get_task(task_id)
    fields = _fields(call)
    model_id = field(call, "override_model_id", required=False)
    if model_id is None:
        output = task["models"].get("output") or []
        model_id = output[-1]["model"] if output else None
    if model_id is None:
        fields.setdefault("name", task["name"])
        fields.update(task=task_id, project=task["project"])
        model_id = call.storage.create_model(fields, call.identity)
        created = True
    else:
        call.storage.edit_model(model_id, fields)
        created = False
    call.storage.add_task_model(task_id, model_id, "output", fields.get("name") or task["name"])
    return {"id": model_id, "created": created, "updated": 0 if created else 1}


def add_or_update_metadata(call):
    model_id = field(call, "model")
    model = call.storage.get_model(model_id)
    metadata = dict(model["metadata"])
    for item in field(call, "metadata", list):
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            metadata[item["key"]] = item
    call.storage.edit_model(model_id, {"metadata": metadata})
    return {"updated": 1}


def delete(call):
    model = call.storage.delete_model(field(call, "model"),
                                      field(call, "force", bool, required=False, default=False))
    return {"deleted": True, "url": model["uri"]}


def archive_many(call):
    return run_batch(call, lambda model_id: {"archived": call.storage.archive_model(model_id)})


def unarchive_many(call):
    return run_batch(call, lambda model_id: {
        "unarchived": call.storage.archive_model(model_id, archive=False)})


def delete_many(call):
    force = field(call, "force", bool, required=False, default=False)
    return run_batch(call, lambda model_id: {
        "deleted": True, "url": call.storage.delete_model(model_id, force)["uri"]})


def publish_many(call):
    return run_batch(call, lambda model_id: {
        "updated": bool(call.storage.publish_model(model_id))})
