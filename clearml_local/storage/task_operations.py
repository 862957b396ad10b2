"""A task's run: status changes, enqueue, dequeue, stop, reset, publish, archive, delete, clone.

Rules from clearml-server apiserver/bll/task/task_operations.py, task_cleanup.py, task_bll.py
and non_responsive_tasks_watchdog.py.
"""
import json
from datetime import datetime, timedelta, timezone

from .. import errors
from .rows import Rows, _decode, now
from .statuses import TRANSITIONS, check_transition
from .tasks import TASK_EDITABLE

NON_RESPONSIVE = "Forced stop (non-responsive)"


def _unrun(execution):
    """A task's execution as before any run: out of its queue, its output artifacts gone
    (reset_task in clearml-server's bll/task/task_operations.py unsets execution.queue and
    keeps the input artifacts; reset and clone both start from this)."""
    execution = {key: value for key, value in execution.items() if key != "queue"}
    execution["artifacts"] = [a for a in execution.get("artifacts") or []
                              if a.get("mode") == "input"]
    return execution


class TaskOperations(Rows):
    """A task's run-state changes, each one transaction."""

    def set_task_status(self, task_id, status, force=False, status_reason="", status_message="",
                        extra=None):
        """Move a task to status; raise InvalidTaskStatus when the move is not allowed."""
        with self.transaction():
            task = self.get_task(task_id)
            if not force:
                check_transition(task["status"], status)
            stamp = now()
            fields = {"status": status, "status_reason": status_reason or "",
                      "status_message": status_message or "", "status_changed": stamp,
                      "last_update": stamp, "last_change": stamp}
            if status == "in_progress" and not task["started"]:
                fields["started"] = stamp
            if status in ("completed", "failed", "stopped", "published"):
                fields["completed"] = stamp
            if status != "queued":
                self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            fields.update(extra or {})
            self._update("tasks", task_id, fields)
            return {"updated": 1, "fields": fields}

    @staticmethod
    def _run_by_worker(task, timeout=600):
        """A worker reported on the task within ClearML Server's task_update_timeout."""
        if not task["last_worker"] or not task["last_update"]:
            return False
        age = datetime.now(timezone.utc) - datetime.fromisoformat(task["last_update"])
        return age.total_seconds() < timeout

    def stop_task(self, task_id, identity, force=False, status_reason=""):
        """Stop a task, or, when a worker is running it, ask the worker to ('stopping').

        As stop_task in ClearML Server's bll/task/task_operations.py: a queued task is dequeued
        and stopped, so is a development task or one no worker reported on lately; otherwise
        only the status message becomes 'stopping'. Raises InvalidTaskStatus when the status
        change is not allowed and force is not set (e.g. a created or completed task).
        """
        with self.transaction():
            task = self.get_task(task_id)
            if (task["status"] == "queued" or "development" in task["system_tags"]
                    or not self._run_by_worker(task)):
                status, message = "stopped", f"Stopped by {identity['user_name']}"
            else:
                status, message = task["status"], "stopping"
            if not force:
                check_transition(task["status"], status)
            return self.set_task_status(task_id, status, force=True,
                                        status_reason=status_reason, status_message=message)

    def _cleanup_task(self, task, force, delete_output_models, children_parent):
        """Remove a task's outputs before a reset or delete, as ClearML Server's cleanup_task
        (bll/task/task_cleanup.py): its events, its draft output models (unless another task
        uses them as input), and unlink its published models; children's parent becomes
        children_parent (None: left alone). Raises TaskCannotBeDeleted for published outputs
        or published children without force."""
        models = [_decode("models", row) for row in self.db.execute(
            "SELECT * FROM models WHERE task = ? OR id IN (SELECT json_extract(value, '$.model')"
            " FROM json_each(?))", (task["id"], json.dumps(task["models"].get("output") or [])))]
        published = [m for m in models if m["ready"]]
        if not force:
            children = self.db.execute("SELECT COUNT(*) FROM tasks WHERE parent = ? AND"
                                       " status = 'published'", (task["id"],)).fetchone()[0]
            if children or published:
                raise errors.TaskCannotBeDeleted(
                    f"task {task['id']} has published {'children' if children else 'models'}, "
                    "use force=True", task=task["id"])
        deleted, updated, stamp = 0, 0, now()
        for model in models:
            in_use = self.db.execute(
                "SELECT 1 FROM tasks, json_each(tasks.models, '$.input') AS input WHERE"
                " json_extract(input.value, '$.model') = ? AND tasks.id != ?",
                (model["id"], task["id"])).fetchone()
            if delete_output_models and not model["ready"] and not in_use:
                self.db.execute("DELETE FROM models WHERE id = ?", (model["id"],))
                deleted += 1
            else:
                owner = children_parent if model["ready"] else None
                self._update("models", model["id"], {"task": owner, "last_change": stamp})
                updated += 1
        children = 0
        if children_parent is not None:
            children = self.db.execute("UPDATE tasks SET parent = ?, last_change = ? WHERE"
                                       " parent = ?", (children_parent, stamp, task["id"])).rowcount
        events = self.db.execute("DELETE FROM events WHERE task = ?", (task["id"],)).rowcount
        return {"deleted_models": deleted, "updated_models": updated,
                "updated_children": children, "events": {"deleted": events}}

    def reset_task(self, task_id, force=False, clear_all=False, delete_output_models=True):
        """Back to created, as reset_task in ClearML Server's bll/task/task_operations.py:
        dequeued, its events, metrics, output models and runtime cleared (its execution and
        script too with clear_all). Raises InvalidTaskStatus for a published task and
        TaskCannotBeDeleted for published outputs, unless force is set."""
        with self.transaction():
            task = self.get_task(task_id)
            if task["status"] == "published" and not force:
                raise errors.InvalidTaskStatus(f"task {task_id} is published: reset with force",
                                               status=task["status"])
            if not force:
                check_transition(task["status"], "created")
            dequeued = self.db.execute("DELETE FROM queue_entries WHERE task = ?",
                                       (task_id,)).rowcount
            cleanup = self._cleanup_task(task, force, delete_output_models, None)
            execution = _unrun(task["execution"])
            fields = {"started": None, "completed": None, "last_iteration": 0,
                      "last_metrics": {}, "models": dict(task["models"], output=[]),
                      "runtime": {}, "last_worker": None, "enqueue_status": None,
                      "output": {k: v for k, v in task["output"].items()
                                 if k not in ("result", "error")},
                      "execution": {} if clear_all else execution}
            if clear_all:
                fields["script"] = {}
            result = self.set_task_status(task_id, "created", force=True, status_reason="reset",
                                          status_message="reset", extra=fields)
            return dict(result, **cleanup, dequeued={"removed": dequeued} if dequeued else {})

    def clone_task(self, task_id, identity, name=None, parent=None, comment=None, tags=None,
                   system_tags=None, project=None, execution_overrides=None):
        """A new created task copied from task_id without its results; returns the new id."""
        with self.transaction():
            source = self.get_task(task_id)
            execution = dict(_unrun(source["execution"]), **(execution_overrides or {}))
            fields = {key: source[key] for key in TASK_EDITABLE}
            fields.update(
                name=name if name is not None else f"{source['name']} (Clone)",
                parent=parent if parent is not None else (source["parent"] or source["id"]),
                comment=comment if comment is not None else source["comment"],
                tags=tags if tags is not None else source["tags"],
                system_tags=[t for t in (system_tags if system_tags is not None
                                         else source["system_tags"])
                             if t not in ("development", "archived")],
                project=project if project is not None else source["project"],
                execution=execution, models={"input": source["models"].get("input") or [],
                                             "output": []},
                output={k: v for k, v in source["output"].items() if k == "destination"},
            )
            return self.create_task(fields, identity)

    def delete_task(self, task_id, force=False, delete_output_models=True):
        """Delete a task and its outputs, as delete_task in ClearML Server's
        bll/task/task_operations.py. Raises TaskCannotBeDeleted unless the task is created or
        archived, or force is set; its children's parent becomes '__DELETED__<id>'."""
        with self.transaction():
            task = self.get_task(task_id)
            if (task["status"] != "created" and "archived" not in task["system_tags"]
                    and not force):
                raise errors.TaskCannotBeDeleted(
                    f"task {task_id} is {task['status']}: delete with force", task=task_id,
                    expected="created", current=task["status"])
            self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            cleanup = self._cleanup_task(task, force, delete_output_models,
                                         f"__DELETED__{task_id}")
            self.db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            return dict(cleanup, deleted=True)

    def publish_task(self, task_id, force=False, publish_model=True, status_reason="",
                     status_message=""):
        """Publish a task and its last output model (publish_task in ClearML Server's
        bll/task/task_operations.py); raises InvalidTaskStatus when the task may not become
        published and force is not set."""
        with self.transaction():
            task = self.get_task(task_id)
            if not force:
                check_transition(task["status"], "published")
            output = task["models"].get("output") or []
            if publish_model and output:
                row = self.db.execute("SELECT ready FROM models WHERE id = ?",
                                      (output[-1]["model"],)).fetchone()
                if row is not None and not row["ready"]:
                    self.publish_model(output[-1]["model"])
            return self.set_task_status(task_id, "published", force=True,
                                        status_reason=status_reason,
                                        status_message=status_message)

    def archive_task(self, task_id, archive=True):
        """Add or remove the 'archived' system tag; archiving also dequeues a queued task and
        stops a running one (archive_task in ClearML Server's bll/task/task_operations.py).
        Returns whether the tags changed."""
        with self.transaction():
            task = self.get_task(task_id)
            if archive and task["status"] in ("queued", "in_progress"):
                self.set_task_status(task_id, "stopped" if task["status"] == "in_progress"
                                     else task["enqueue_status"] or "created", force=True,
                                     extra={"enqueue_status": None})
            return self.set_system_tag(task_id, "archived", archive)

    def enqueue_task(self, task_id, queue_id, status_reason="", status_message="", force=False):
        """Put a task at the end of a queue and mark it queued, remembering the status it had
        (enqueue_task in ClearML Server's bll/task/task_operations.py). Raises
        InvalidTaskStatus when the task may not become queued and force is not set."""
        with self.transaction():
            queue = self.get_queue(queue_id)
            task = self.get_task(task_id)
            if not force:
                check_transition(task["status"], "queued")
            before = task["status"]
            if before == "queued" and task["enqueue_status"]:
                before = task["enqueue_status"]
            execution = dict(task["execution"], queue=queue["id"])
            system_tags = [t for t in task["system_tags"] if t != "development"]
            result = self.set_task_status(
                task_id, "queued", force=True, status_reason=status_reason,
                status_message=status_message, extra={
                    "execution": execution, "system_tags": system_tags,
                    "enqueue_status": before})
            self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            self.db.execute("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                            (queue_id, task_id, now()))
            result["fields"] = {k: v for k, v in result["fields"].items()
                                if k not in ("execution", "system_tags")}
            result["fields"]["execution.queue"] = queue_id
            return dict(result, queued=1)

    def dequeue_task(self, task_id, new_status=None, status_reason="", status_message=""):
        """Take a task out of its queue; a queued or running task goes back to new_status, or
        to the status it had when enqueued (dequeue_and_change_status in ClearML Server's
        bll/task/task_bll.py); any other task is left as it is ({"updated": 0})."""
        with self.transaction():
            task = self.get_task(task_id)
            if new_status is not None and new_status not in TRANSITIONS:
                raise errors.ValidationError(f"invalid task status: {new_status}")
            self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            if task["status"] not in ("queued", "in_progress"):
                return {"updated": 0, "dequeued": 1}
            result = self.set_task_status(
                task_id, new_status or task["enqueue_status"] or "created", force=True,
                status_reason=status_reason, status_message=status_message,
                extra={"enqueue_status": None})
            return dict(result, dequeued=1)

    def stop_non_responsive_tasks(self, threshold_sec):
        """Stop the in_progress tasks not updated for threshold_sec; returns their ids.

        As ClearML Server's watchdog does (apiserver/bll/task/non_responsive_tasks_watchdog.py):
        status stopped, reason and message "Forced stop (non-responsive)".
        """
        cutoff = (datetime.now(timezone.utc) - timedelta(seconds=threshold_sec)).isoformat(
            timespec="milliseconds")
        with self.transaction():
            ids = [row["id"] for row in self.db.execute(
                "SELECT id FROM tasks WHERE status = 'in_progress' AND last_update < ?",
                (cutoff,))]
            stamp = now()
            for task_id in ids:
                self._update("tasks", task_id, {
                    "status": "stopped", "status_reason": NON_RESPONSIVE,
                    "status_message": NON_RESPONSIVE, "status_changed": stamp,
                    "last_update": stamp, "last_change": stamp})
            return ids
