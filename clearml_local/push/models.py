"""Filling a pushed model: its file uploaded, its fields and metadata, its events (reported
on the model, as OutputModel.report_* does), and last its ready flag, since ClearML Server
takes no events for a ready model (EventBLL._get_valid_entities)."""
from . import events
from .lookup import marker

EDITED = ("name", "comment", "tags", "framework", "design", "labels")


def fill(target, remap, source, model, new_id, send=True, fresh=False):
    """Write the source model into its skeleton new_id (fresh: made by this push), its task
    and parent rewritten to the target's, left out when they were not pushed; returns the
    events carried per type. Without send (remap.dry too), only rewrite and count."""
    fields = {key: remap.value(model[key]) for key in EDITED if model.get(key) is not None}
    fields.update(uri=remap.text(model.get("uri") or ""),
                  system_tags=remap.value(model["system_tags"]) + [marker(model["id"])])
    for reference in ("project", "task", "parent"):
        if model.get(reference) in remap.ids:
            fields[reference] = remap.id(model[reference])
    metadata = [remap.value(item) for item in (model.get("metadata") or {}).values()]
    if send:
        target.call("models.edit", model=new_id, ready=False, **fields)
        if metadata:
            target.call("models.add_or_update_metadata", model=new_id, metadata=metadata)
    counts = events.copy(target, remap, source, model["id"], new_id, send, fresh,
                         model_event=True)
    if send and model["ready"]:
        target.call("models.edit", model=new_id, ready=True)
    return counts


def unmapped(remap, model):
    """The references of the model that cannot be carried: objects not on the target."""
    return [f"{reference} {model[reference]}" for reference in ("task", "parent")
            if model.get(reference) and model[reference] not in remap.ids]
