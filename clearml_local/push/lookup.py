"""Finding on the target what an earlier push made: tasks and models by the old id each
carries as a system tag, projects and queues by name."""
import re

MARKER = "clearml-local:"  # A pushed task's or model's system tag: "clearml-local:<old id>".
PER_CALL = 100  # Markers asked for in one get_all (its tag filter is any-of).


def marker(old_id):
    return f"{MARKER}{old_id}"


def old_id_of(system_tags, wanted):
    """The old id among wanted that system_tags mark, or None."""
    for tag in system_tags or []:
        if tag.startswith(MARKER) and tag[len(MARKER):] in wanted:
            return tag[len(MARKER):]
    return None


def pushed(target, kind, old_ids):
    """{old id: new id} of the tasks or models (kind) already pushed to target.

    A task cloned on the target copies its system tags, the marker too (clearml-server's
    TaskBLL.clone_task); the pushed task is then the oldest of those that carry it.
    """
    old_ids, found = list(old_ids), {}
    extra = {"search_hidden": True} if kind == "tasks" else {}
    for start in range(0, len(old_ids), PER_CALL):
        wanted = set(old_ids[start:start + PER_CALL])
        objects = target.get_all(f"{kind}.get_all", kind, system_tags=[
            marker(old) for old in wanted], only_fields=["id", "system_tags", "created"],
            order_by=["created"], **extra)
        for obj in objects:
            old = old_id_of(obj.get("system_tags"), wanted)
            if old is not None:
                found.setdefault(old, obj["id"])
    return found


def by_name(target, kind, name):
    """The id of the project or queue (kind) named exactly name on target, or None."""
    extra = {"search_hidden": True}
    objects = target.call(f"{kind}.get_all", name=f"^{re.escape(name)}$",
                          only_fields=["id", "name"], **extra)[kind]
    return next((obj["id"] for obj in objects if obj["name"] == name), None)
