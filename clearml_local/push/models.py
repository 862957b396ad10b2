"""Filling a pushed model: its file uploaded, its fields, metadata and ready flag."""
from .lookup import marker

EDITED = ("name", "comment", "tags", "framework", "design", "labels")


def fill(target, remap, model, new_id, send=True):
    """Write the source model into its skeleton new_id (its task and parent rewritten to the
    target's, left out when they were not pushed). Without send, only rewrite and count."""
    fields = {key: remap.value(model[key]) for key in EDITED if model.get(key) is not None}
    fields.update(uri=remap.text(model.get("uri") or ""), ready=bool(model["ready"]),
                  system_tags=remap.value(model["system_tags"]) + [marker(model["id"])])
    for reference in ("project", "task", "parent"):
        if model.get(reference) in remap.ids:
            fields[reference] = remap.id(model[reference])
    metadata = [remap.value(item) for item in (model.get("metadata") or {}).values()]
    if send:
        target.call("models.edit", model=new_id, **fields)
        if metadata:
            target.call("models.add_or_update_metadata", model=new_id, metadata=metadata)


def unmapped(remap, model):
    """The references of the model that cannot be carried: objects not on the target."""
    return [f"{reference} {model[reference]}" for reference in ("task", "parent")
            if model.get(reference) and model[reference] not in remap.ids]
