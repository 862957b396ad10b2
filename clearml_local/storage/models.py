"""Models: registered, published, archived, deleted, and the tasks that use them.

Rules from clearml-server apiserver/bll/model/__init__.py (ModelBLL).
"""
from .. import errors
from .rows import Rows, now

MODEL_EDITABLE = (
    "name", "project", "task", "parent", "uri", "framework", "comment", "ready", "tags",
    "system_tags", "labels", "design", "metadata", "last_iteration",
)


class Models(Rows):
    """Models and their references from tasks."""

    def get_model(self, model_id):
        return self._get("models", model_id)

    def models_by_id(self, ids):
        return self.get_all("models", {"id": list(ids)}) if ids else []

    def every_model(self):
        """Every model, archived ones too, oldest first."""
        return self.query("models", {}, ["created", "id"])

    def create_model(self, fields, identity):
        with self.transaction():
            return self._create("models", fields, user=identity["user"],
                                company=identity["company"], last_change=now())

    def edit_model(self, model_id, fields):
        with self.transaction():
            return self._edit("models", model_id, fields)

    def delete_model(self, model_id, force=False):
        """Delete a model, as ModelBLL.delete_model in ClearML Server's bll/model: raises
        ModelInUse when a task uses it as input, ModelCreatingTaskExists when the task that
        made it is published, unless force is set (input references then become
        '__DELETED__<id>')."""
        with self.transaction():
            model = self.get_model(model_id)
            users = [row["id"] for row in self.db.execute(
                "SELECT tasks.id FROM tasks, json_each(tasks.models, '$.input') AS input"
                " WHERE json_extract(input.value, '$.model') = ?", (model_id,))]
            if users and not force:
                raise errors.ModelInUse("as execution model, use force=True to delete",
                                        num_tasks=len(users))
            for task_id in users:
                task = self.get_task(task_id)
                inputs = [dict(m, model=f"__DELETED__{model_id}") if m.get("model") == model_id
                          else m for m in task["models"].get("input") or []]
                self._update("tasks", task_id, {"models": dict(task["models"], input=inputs)})
            creator = self.db.execute("SELECT status FROM tasks WHERE id = ?",
                                      (model["task"],)).fetchone() if model["task"] else None
            if creator and creator["status"] == "published" and not force:
                raise errors.ModelCreatingTaskExists("and published, use force=True to delete",
                                                     task=model["task"])
            self.db.execute("DELETE FROM models WHERE id = ?", (model_id,))
            self.db.execute("DELETE FROM events WHERE task = ?", (model_id,))  # Its own events.
            return model

    def archive_model(self, model_id, archive=True):
        """Add or remove a model's 'archived' system tag; returns whether the tags changed."""
        with self.transaction():
            model = self.get_model(model_id)
            tags = [t for t in model["system_tags"] if t != "archived"] + (
                ["archived"] if archive else [])
            stamp = now()
            self._update("models", model_id, {"system_tags": tags, "last_update": stamp,
                                              "last_change": stamp})
            return tags != model["system_tags"]

    def publish_model(self, model_id):
        """Mark a model ready; raises ModelIsReady when it already is (ClearML Server's
        ModelBLL.publish_model)."""
        with self.transaction():
            if self.get_model(model_id)["ready"]:
                raise errors.ModelIsReady(f"model {model_id} is ready", model=model_id)
            self._edit("models", model_id, {"ready": True})
            return 1
