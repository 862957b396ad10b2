"""Tasks as objects: create, read, edit, hyperparameters, configuration, artifacts, models.

Rules from clearml-server apiserver/bll/task/task_bll.py, hyperparams.py, artifacts.py, utils.py.
"""
from .. import errors
from .rows import Rows, now

# Fields a client may set through create / edit calls; the rest are the server's. The services
# take only these from requests (services.object_fields); storage writes what it is given.
TASK_EDITABLE = (
    "name", "project", "type", "parent", "comment", "tags", "system_tags", "script",
    "execution", "hyperparams", "configuration", "models", "output", "runtime", "container",
)
PROPERTIES = "properties"  # clearml-server bll/task/hyperparams.py HyperParams._properties_section


def _properties_only(sections):
    """Whether every section named is 'properties', which a task's status never locks: clearml-
    server's edit_params and delete_params (bll/task/hyperparams.py) pass
    allow_all_statuses=properties_only to get_task_for_update."""
    return all(section == PROPERTIES for section in sections)


class Tasks(Rows):
    """Tasks' own fields; their run-state changes are TaskOperations'."""

    def get_task(self, task_id):
        return self._get("tasks", task_id)

    def tasks_by_id(self, ids):
        """The tasks with the given ids that exist, hidden ones included."""
        return self.get_all("tasks", {"id": list(ids)}) if ids else []

    def every_task(self):
        """Every task, hidden and archived ones too, oldest first."""
        return self.query("tasks", {"search_hidden": True}, ["created", "id"])

    # The reads the web UI's pages name (and the API's get_all could answer the same way).

    def task_rows(self, project=None, archived=False, columns=None):
        """The tasks of a project (None: of every project) that are not hidden, the archived
        ones or the others, oldest first; columns keeps only those fields."""
        return self.query("tasks", {"project": project, "system_tags": [
            "-hidden", "archived" if archived else "-archived"]}, columns=columns)

    def children_of(self, task_id):
        """The tasks whose parent is task_id (its clones), hidden ones aside, oldest first."""
        return self.query("tasks", {"parent": task_id, "system_tags": ["-hidden"]})

    def search_clones(self, controller_id):
        """The experiments a search controller launched, oldest first: those tagged
        'opt: <controller id>', as ClearML's HyperParameterOptimizer tags its clones
        (clearml/automation/optimization.py), and the controller's own children; neither
        hidden nor archived."""
        visible = ["-hidden", "-archived"]
        tagged = self.query("tasks", {"tags": [f"opt: {controller_id}"], "system_tags": visible})
        children = self.query("tasks", {"parent": controller_id, "system_tags": visible})
        found = {task["id"]: task for task in tagged + children if task["id"] != controller_id}
        return sorted(found.values(), key=lambda task: task["created"])

    def create_task(self, fields, identity):
        with self.transaction():
            return self._create("tasks", fields, status="created", status_changed=now(),
                                user=identity["user"], company=identity["company"])

    def edit_task(self, task_id, fields, force=False):
        """Replace the given fields of a task; only a created task unless force is set."""
        with self.transaction():
            task = self.get_task(task_id)
            if not force and task["status"] not in ("created",):
                raise errors.InvalidTaskStatus(
                    f"task {task_id} is {task['status']}: only a created task can be edited "
                    "without force", status=task["status"])
            return self._edit("tasks", task_id, fields)

    def set_system_tag(self, task_id, tag, present):
        with self.transaction():
            task = self.get_task(task_id)
            tags = [t for t in task["system_tags"] if t != tag] + ([tag] if present else [])
            stamp = now()
            self._update("tasks", task_id, {"system_tags": tags, "last_update": stamp,
                                            "last_change": stamp})
            return tags != task["system_tags"]

    def _task_for_update(self, task_id, force, any_status=False):
        """The task, if it may be edited: created, or in progress too with force
        (get_task_for_update in ClearML Server's bll/task/utils.py); else InvalidTaskStatus."""
        task = self.get_task(task_id)
        allowed = ("created", "in_progress") if force else ("created",)
        if not any_status and task["status"] not in allowed:
            raise errors.InvalidTaskStatus(
                f"task {task_id} is {task['status']}: expected created", status=task["status"])
        return task

    def edit_hyper_params(self, task_id, items, replace="none", force=False):
        """Add or replace hyperparameters, items with a section and a name; replace 'section'
        empties the sections named first, 'all' every section (edit_params in ClearML Server's
        bll/task/hyperparams.py). Only a created task, or an in-progress one with force
        (_task_for_update), unless the items are all of the 'properties' section; else
        InvalidTaskStatus."""
        with self.transaction():
            task = self._task_for_update(
                task_id, force, any_status=_properties_only(item["section"] for item in items))
            sections = {} if replace == "all" else {
                k: dict(v) for k, v in task["hyperparams"].items()}
            if replace == "section":
                sections.update({item["section"]: {} for item in items})
            for item in items:
                sections.setdefault(item["section"], {})[item["name"]] = item
            return self._edit("tasks", task_id, {"hyperparams": sections})

    def delete_hyper_params(self, task_id, keys, force=False):
        """Delete hyperparameters given as (section, name) pairs, a whole section when name
        is empty; the 'properties' section alone is deletable in any status (delete_params in
        ClearML Server's bll/task/hyperparams.py). Returns 1 when the task changed."""
        keys = [(section.lower() if section.lower() == PROPERTIES else section, name)
                for section, name in keys]
        whole = {section for section, name in keys if not name}
        if any(name and section in whole for section, name in keys):
            raise errors.FieldsConflict("Cannot delete section field if the whole section was "
                                        "scheduled for deletion")
        with self.transaction():
            task = self._task_for_update(
                task_id, force, any_status=_properties_only(s for s, _ in keys))
            sections = {k: dict(v) for k, v in task["hyperparams"].items() if k not in whole}
            for section, name in keys:
                sections.get(section, {}).pop(name, None)
            changed = sections != task["hyperparams"]
            self._update("tasks", task_id, {"hyperparams": sections, "last_change": now()})
            return int(changed)

    def edit_configuration(self, task_id, items, replace=False, force=False):
        """Add or replace configuration items by name, all of them with replace (edit_configuration
        in ClearML Server's bll/task/hyperparams.py); only a created task, or an in-progress one
        with force (_task_for_update)."""
        with self.transaction():
            task = self._task_for_update(task_id, force)
            configuration = {} if replace else dict(task["configuration"])
            configuration.update({item["name"]: item for item in items})
            return self._edit("tasks", task_id, {"configuration": configuration})

    def delete_configuration(self, task_id, names, force=False):
        """Delete configuration items by name (delete_configuration in ClearML Server's
        bll/task/hyperparams.py); returns 1 when the task changed."""
        with self.transaction():
            task = self._task_for_update(task_id, force)
            items = {k: v for k, v in task["configuration"].items() if k not in names}
            self._update("tasks", task_id, {"configuration": items, "last_change": now()})
            return int(items != task["configuration"])

    def update_artifacts(self, task_id, artifacts, remove=False):
        """Add, replace (same key and mode) or remove task artifacts; returns how many."""
        with self.transaction():
            task = self.get_task(task_id)
            execution = dict(task["execution"])
            keys = {(a.get("key"), a.get("mode", "output")) for a in artifacts}
            kept = [a for a in execution.get("artifacts") or []
                    if (a.get("key"), a.get("mode", "output")) not in keys]
            execution["artifacts"] = kept if remove else kept + [
                dict(a, mode=a.get("mode", "output")) for a in artifacts]
            self._update("tasks", task_id, {"execution": execution, "last_update": now()})
            return len(artifacts)

    def add_task_model(self, task_id, model_id, kind="output", name=None):
        with self.transaction():
            task = self.get_task(task_id)
            models = {"input": [], "output": [], **task["models"]}
            entries = [m for m in models.get(kind) or [] if m.get("name") != name]
            models[kind] = entries + [{"name": name, "model": model_id, "updated": now()}]
            self._update("tasks", task_id, {"models": models, "last_update": now()})

    def ping_task(self, task_id):
        with self.transaction():
            self.get_task(task_id)
            self._update("tasks", task_id, {"last_update": now()})
