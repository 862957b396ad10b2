"""The first pass of a push: every object gets its id on the target, found or created, so
that the second pass can rewrite every reference, whatever order objects come in."""
from .lookup import by_name, marker


def project(target, remap, source_project):
    """The target's project of that name, created with its fields when missing; a project
    the target already has is left as it is."""
    found = by_name(target, "projects", source_project["name"])
    if found:
        return found
    fields = {"name": source_project["name"], **remap.value({
        key: source_project[key] for key in ("description", "tags", "system_tags")})}
    destination = source_project.get("default_output_destination")
    if destination:
        fields["default_output_destination"] = remap.text(destination)
    return target.call("projects.create", **fields)["id"]


def queue(target, source_queue):
    """The target's queue of that name, created with its tags when missing."""
    found = by_name(target, "queues", source_queue["name"])
    if found:
        return found
    return target.call("queues.create", name=source_queue["name"], tags=source_queue["tags"],
                       system_tags=source_queue["system_tags"])["id"]


def task(target, remap, source_task):
    """A created task carrying the source task's id, to be filled by tasks.fill."""
    fields = {"name": source_task["name"], "type": source_task["type"],
              "system_tags": [marker(source_task["id"])]}
    if source_task.get("project"):
        fields["project"] = remap.id(source_task["project"])
    return target.call("tasks.create", **fields)["id"]


def model(target, remap, source_model):
    """A model carrying the source model's id, to be filled by models.fill; not ready (which
    ClearML Server's models.create makes a model unless told: CreateModelRequest)."""
    fields = {"name": source_model["name"], "uri": "", "ready": False,
              "system_tags": [marker(source_model["id"])]}
    if source_model.get("project"):
        fields["project"] = remap.id(source_model["project"])
    return target.call("models.create", **fields)["id"]
