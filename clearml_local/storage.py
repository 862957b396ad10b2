"""SQLite storage for projects, tasks, models, queues, workers and events."""
import functools
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

from . import errors, filters
from .database import REGEX_SECONDS, SCHEMA_VERSION, Database, _regexp  # noqa: F401
from .statuses import TRANSITIONS, check_transition

JSON_FIELDS = {
    "tags", "system_tags", "script", "execution", "hyperparams", "configuration", "models",
    "output", "runtime", "container", "last_metrics", "labels", "design", "metadata", "queues",
    "runtime_properties", "path",
}
# Fields a client may set through create / edit calls; the rest are the server's. The services
# take only these from requests (services.object_fields); storage writes what it is given.
TASK_EDITABLE = (
    "name", "project", "type", "parent", "comment", "tags", "system_tags", "script",
    "execution", "hyperparams", "configuration", "models", "output", "runtime", "container",
)
MODEL_EDITABLE = (
    "name", "project", "task", "parent", "uri", "framework", "comment", "ready", "tags",
    "system_tags", "labels", "design", "metadata", "last_iteration",
)
PROJECT_EDITABLE = ("name", "description", "tags", "system_tags", "default_output_destination")
QUEUE_EDITABLE = ("name", "tags", "system_tags", "metadata")
NOT_FOUND = {
    "tasks": errors.InvalidTaskId, "models": errors.InvalidModelId,
    "projects": errors.InvalidProjectId, "queues": errors.InvalidQueueId,
    "workers": errors.InvalidWorkerId,
}
DEFAULT_QUEUE = "default"
NON_RESPONSIVE = "Forced stop (non-responsive)"
MAX_PROJECT_DEPTH = 10  # clearml-server services.projects.sub_projects.max_depth


def now():
    """The current UTC time in the ISO form ClearML Server answers with."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id():
    return uuid.uuid4().hex


def _decode(table, row):
    """A row as a plain dict, with the JSON columns parsed."""
    obj = {key: (json.loads(row[key]) if key in JSON_FIELDS and row[key] is not None else row[key])
           for key in row.keys()}
    if table == "models":
        obj["ready"] = bool(obj["ready"])
    if table == "tasks" and isinstance(obj.get("execution"), dict):
        # ClearML Server always answers execution.artifacts; the SDK's Task.delete() reads it.
        obj["execution"].setdefault("artifacts", [])
    return obj


def _encode(field, value):
    return json.dumps(value) if field in JSON_FIELDS else value


def _unrun(execution):
    """A task's execution as before any run: out of its queue, its output artifacts gone."""
    execution = {key: value for key, value in execution.items() if key != "queue"}
    execution["artifacts"] = [a for a in execution.get("artifacts") or []
                              if a.get("mode") == "input"]
    return execution


def last_metric_entries(task):
    """The entries of a task's last_metrics ({metric hash: {variant hash: entry}}) as a list."""
    return [entry for variants in (task.get("last_metrics") or {}).values()
            for entry in variants.values()]


def _metric_columns(event):
    """(metric, variant, iter) of an event, as the events table and last_metrics keep them."""
    return event.get("metric") or "", event.get("variant") or "", event.get("iter") or 0


# ClearML Server indexes each event other than a log line under an id made of its task, iter,
# metric, variant and key, in the index of its type, and indexes it again under the same id
# ("overwrite if exists with same ID"); log lines get a new id each (bll/event/event_bll.py
# add_events, event_id_fields, _get_event_id). The unique index events_identity is that id:
# a log line's key is NULL, and NULLs never conflict. _get_event_id leaves out a field the
# event lacks, so an event without iter is apart from iter 0's: no_iter keeps it apart.
UPSERT_EVENT = (
    "INSERT INTO events (task, type, metric, variant, iter, key, value, timestamp, doc, no_iter)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (task, type, metric, variant, iter, key, no_iter) DO UPDATE SET"
    " value = excluded.value, timestamp = excluded.timestamp, doc = excluded.doc")


def _event_row(event):
    """The parameters of UPSERT_EVENT for one valid event."""
    doc = {k: v for k, v in event.items() if k != "method"} if "method" in event else dict(event)
    stamp = doc.get("timestamp")
    if stamp is None:
        stamp = doc["timestamp"] = int(datetime.now(timezone.utc).timestamp() * 1000)
    kind = event["type"]
    key = None if kind == "log" else "" if event.get("key") is None else str(event["key"])
    return (event["task"], kind, event.get("metric") or "", event.get("variant") or "",
            event.get("iter") or 0, key,
            event.get("value") if kind == "training_stats_scalar" else None, int(stamp),
            json.dumps(doc), int(event.get("iter") is None))


def _project_name(name):
    """A project name cleaned as clearml-server does (sub_projects.py _validate_project_name)."""
    if not isinstance(name, str):
        raise errors.InvalidProjectName(f"invalid project name {name!r}")
    parts = [part.strip() for part in name.split("/") if part]
    if len(parts) > MAX_PROJECT_DEPTH:
        raise errors.ProjectPathExceedsMax(
            f"project {name!r} is deeper than {MAX_PROJECT_DEPTH} levels")
    if not parts or not all(parts):
        raise errors.InvalidProjectName(f"invalid project name {name!r}")
    return "/".join(parts)


@functools.lru_cache(maxsize=4096)  # A batch names few metrics, many times each.
def _metric_key(name):
    return hashlib.md5(name.encode("utf-8")).hexdigest()


class Storage(Database):
    """All reads and writes of the server; the connections and transactions are Database's.

    Methods that name an object by id raise the ClearML error for an invalid id of that kind
    when it does not exist. Each write method is one transaction (or a savepoint within the
    caller's): all or nothing.
    """

    def __init__(self, path, regex_seconds=REGEX_SECONDS):
        self._column_cache = {}
        super().__init__(path, regex_seconds)
        self.ensure_default_queue()

    # Generic object access, shared by every kind of object.

    def _get(self, table, obj_id):
        row = self.db.execute(f"SELECT * FROM {table} WHERE id = ?", (obj_id,)).fetchone()
        if row is None:
            raise NOT_FOUND[table](f"{NOT_FOUND[table].default_message}: {obj_id!r}", id=obj_id)
        return _decode(table, row)

    def _insert(self, table, fields):
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        self.db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        [_encode(k, v) for k, v in fields.items()])

    def _update(self, table, obj_id, fields):
        if not fields:
            return
        assignments = ", ".join(f"{key} = ?" for key in fields)
        self.db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?",
                        [_encode(k, v) for k, v in fields.items()] + [obj_id])

    def get_all(self, table, request, offset=0, limit=None, columns=None):
        """Objects of table matching a ClearML get_all request, as dicts.

        The request's filters and order_by are read by filters.compile_query (which raises the
        400s for what it does not understand); offset and limit page the answer. columns (names
        the caller knows) keeps only those fields: pages of thousands of rows skip decoding
        the JSON they do not show.
        """
        query = filters.compile_query(table, request, self._columns(table),
                                      self.project_descendants)
        selected = ", ".join(f'"{name}"' for name in columns) if columns else "*"
        sql = f"SELECT {selected} FROM {table} WHERE {query.where} ORDER BY {query.order}"
        args = list(query.args)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [_decode(table, row) for row in self.db.execute(sql, args)]

    def query(self, table, filters=None, order_by=None, page=None, page_size=None, columns=None):
        """get_all with the filters given as a dict, unpaged unless page_size is given."""
        request = dict(filters or {}, order_by=order_by)
        if page_size is None:
            return self.get_all(table, request, columns=columns)
        return self.get_all(table, request, (page or 0) * page_size, page_size, columns)

    def _columns(self, table):
        if table not in self._column_cache:
            self._column_cache[table] = filters.json_columns(self.db, table, JSON_FIELDS)
        return self._column_cache[table]

    def tasks_by_id(self, ids):
        """The tasks with the given ids that exist, hidden ones included."""
        return self.get_all("tasks", {"id": list(ids)}) if ids else []

    def models_by_id(self, ids):
        return self.get_all("models", {"id": list(ids)}) if ids else []

    def queue_by_name(self, name):
        """The queue named exactly name, or None."""
        row = self.db.execute("SELECT id FROM queues WHERE name = ?", (name,)).fetchone()
        return self.get_queue(row["id"]) if row else None

    def _create(self, table, fields, **server_fields):
        stamp = now()
        obj = {"id": new_id(), "created": stamp, "last_update": stamp}
        obj.update(fields)
        obj.update(server_fields)
        self._insert(table, obj)
        return obj["id"]

    def _edit(self, table, obj_id, fields):
        """Replace the given top-level fields (ClearML's edit semantics); return the ones set."""
        self._get(table, obj_id)
        changed = dict(fields, last_update=now())
        if table in ("tasks", "models"):
            changed["last_change"] = changed["last_update"]
        self._update(table, obj_id, changed)
        return changed

    # Projects.

    def get_project(self, project_id):
        return self._get("projects", project_id)

    def create_project(self, fields, identity):
        """Create a project; the projects its name places it under ("a" and "a/b" for "a/b/c")
        are created when missing (clearml-server bll/project/sub_projects.py _ensure_project).

        Raises InvalidProjectName for an empty name, ProjectPathExceedsMax past 10 levels,
        ExpectedUniqueData when the project exists.
        """
        name = _project_name(fields.get("name"))
        with self.transaction():
            if self.db.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"project {name!r} already exists", name=name)
            parent = self._ensure_project(name.rpartition("/")[0], identity)
            return self._create_under(dict(fields, name=name), parent, identity)

    def _ensure_project(self, name, identity):
        """The project named name (created with its parents when missing), or None for ''."""
        if not name:
            return None
        row = self.db.execute("SELECT * FROM projects WHERE name = ?", (name,)).fetchone()
        if row:
            return _decode("projects", row)
        parent = self._ensure_project(name.rpartition("/")[0], identity)
        return self.get_project(self._create_under({"name": name}, parent, identity))

    def _create_under(self, fields, parent, identity):
        path = parent["path"] + [parent["id"]] if parent else []
        if parent:
            self._update("projects", parent["id"], {"last_update": now()})
        return self._create("projects", fields, basename=fields["name"].rpartition("/")[2],
                            parent=parent["id"] if parent else None, path=path,
                            user=identity["user"], company=identity["company"])

    def project_descendants(self, project_ids):
        """The ids of the projects below the given ones, at any depth."""
        if not project_ids:
            return []
        marks = ", ".join("?" for _ in project_ids)
        return [row["id"] for row in self.db.execute(
            "SELECT id FROM projects WHERE EXISTS (SELECT 1 FROM json_each(projects.path)"
            f" WHERE value IN ({marks}))", list(project_ids))]

    def edit_project(self, project_id, fields):
        """Edit a project; a new name renames the projects below it too, and may not move it
        (CannotUpdateProjectLocation, as clearml-server bll/project/project_bll.py update)."""
        with self.transaction():
            project = self.get_project(project_id)
            if "name" not in fields:
                return self._edit("projects", project_id, fields)
            name = _project_name(fields["name"])
            if name.rpartition("/")[0] != project["name"].rpartition("/")[0]:
                raise errors.CannotUpdateProjectLocation(
                    f"cannot move project {project['name']!r} to {name!r}", name=name)
            if name != project["name"] and self.db.execute(
                    "SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"project {name!r} already exists", name=name)
            for child in self.get_all("projects", {"id": self.project_descendants([project_id])}):
                self._update("projects", child["id"], {
                    "name": name + child["name"][len(project["name"]):], "last_update": now()})
            return self._edit("projects", project_id,
                              dict(fields, name=name, basename=name.rpartition("/")[2]))

    def delete_project(self, project_id, force=False):
        """Delete a project and the projects below it; their tasks and models are kept,
        without a project. Raises ProjectHasTasks when they have tasks, unless force."""
        with self.transaction():
            self._get("projects", project_id)
            ids = [project_id] + self.project_descendants([project_id])
            marks = ", ".join("?" for _ in ids)
            count = self.db.execute(f"SELECT COUNT(*) FROM tasks WHERE project IN ({marks})",
                                    ids).fetchone()[0]
            if count and not force:
                raise errors.ProjectHasTasks(f"project has {count} tasks", tasks=count)
            for table in ("tasks", "models"):
                self.db.execute(f"UPDATE {table} SET project = NULL WHERE project IN ({marks})",
                                ids)
            self.db.execute(f"DELETE FROM projects WHERE id IN ({marks})", ids)
            return {"deleted": 1, "disassociated_tasks": count}

    # Tasks.

    def get_task(self, task_id):
        return self._get("tasks", task_id)

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
            execution = {k: v for k, v in task["execution"].items() if k != "queue"}
            execution["artifacts"] = [a for a in execution.get("artifacts") or []
                                      if a.get("mode") == "input"]
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

    def edit_task_params(self, task_id, fields, force=False, any_status=False):
        """Replace a task's hyperparams or configuration, in the statuses _task_for_update
        allows (edit_params, edit_configuration in ClearML Server's bll/task/hyperparams.py)."""
        with self.transaction():
            self._task_for_update(task_id, force, any_status)
            return self._edit("tasks", task_id, fields)

    def delete_hyper_params(self, task_id, keys, force=False):
        """Delete hyperparameters given as (section, name) pairs, a whole section when name
        is empty; the 'properties' section alone is deletable in any status (delete_params in
        ClearML Server's bll/task/hyperparams.py). Returns 1 when the task changed."""
        keys = [(section.lower() if section.lower() == "properties" else section, name)
                for section, name in keys]
        whole = {section for section, name in keys if not name}
        if any(name and section in whole for section, name in keys):
            raise errors.FieldsConflict("Cannot delete section field if the whole section was "
                                        "scheduled for deletion")
        with self.transaction():
            task = self._task_for_update(
                task_id, force, any_status=all(s == "properties" for s, _ in keys))
            sections = {k: dict(v) for k, v in task["hyperparams"].items() if k not in whole}
            for section, name in keys:
                sections.get(section, {}).pop(name, None)
            changed = sections != task["hyperparams"]
            self._update("tasks", task_id, {"hyperparams": sections, "last_change": now()})
            return int(changed)

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

    def ping_task(self, task_id):
        with self.transaction():
            self.get_task(task_id)
            self._update("tasks", task_id, {"last_update": now()})

    # Queues.

    def ensure_default_queue(self):
        with self.transaction():
            row = self.db.execute("SELECT id FROM queues WHERE name = ?",
                                  (DEFAULT_QUEUE,)).fetchone()
            if row is None:
                self._create("queues", {"name": DEFAULT_QUEUE, "system_tags": ["default"]},
                             user="system", company="local")

    def default_queue(self):
        """The queue tagged 'default'; raises NoDefaultQueue (ClearML's queue_bll.get_default)."""
        row = self.db.execute(
            "SELECT * FROM queues WHERE EXISTS (SELECT 1 FROM json_each(system_tags)"
            " WHERE value = 'default') ORDER BY created, rowid LIMIT 1").fetchone()
        if row is None:
            raise errors.NoDefaultQueue()
        return _decode("queues", row)

    def get_queue(self, queue_id):
        queue = self._get("queues", queue_id)
        queue["entries"] = [
            {"task": row["task"], "added": row["added"]}
            for row in self.db.execute(
                "SELECT task, added FROM queue_entries WHERE queue = ? ORDER BY seq", (queue_id,))]
        return queue

    def create_queue(self, fields, identity):
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise errors.ValidationError(f"invalid queue name {name!r}")
        with self.transaction():
            if self.db.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"queue {name!r} already exists", name=name)
            return self._create("queues", fields, user=identity["user"],
                                company=identity["company"])

    def edit_queue(self, queue_id, fields):
        with self.transaction():
            return self._edit("queues", queue_id, fields)

    def delete_queue(self, queue_id, force=False):
        with self.transaction():
            queue = self.get_queue(queue_id)
            if queue["entries"] and not force:
                raise errors.QueueNotEmpty(f"queue {queue['name']!r} has "
                                           f"{len(queue['entries'])} tasks")
            for entry in queue["entries"]:
                self.set_task_status(entry["task"], "created", force=True,
                                     status_reason="queue deleted")
            self.db.execute("DELETE FROM queues WHERE id = ?", (queue_id,))

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

    def add_queue_entry(self, queue_id, task_id, update_execution_queue=True):
        """Put a task at the end of a queue, its status left as it is, and with
        update_execution_queue make the queue its execution.queue (queues.add_task in ClearML
        Server's services/queues.py and bll/queue/queue_bll.py). Raises TaskAlreadyQueued when
        it is in that queue already."""
        with self.transaction():
            self._get("queues", queue_id)
            task = self.get_task(task_id)
            if self.db.execute("SELECT 1 FROM queue_entries WHERE queue = ? AND task = ?",
                               (queue_id, task_id)).fetchone():
                raise errors.TaskAlreadyQueued(f"task {task_id} is in queue {queue_id} already",
                                               task=task_id)
            self.db.execute("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                            (queue_id, task_id, now()))
            if update_execution_queue:
                self._update("tasks", task_id, {
                    "execution": dict(task["execution"], queue=queue_id)})

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

    def pop_queue(self, queue_id):
        """Take the first task of a queue, or None; each entry goes to exactly one caller."""
        with self.transaction():
            self._get("queues", queue_id)
            row = self.db.execute(
                "SELECT seq, task, added FROM queue_entries WHERE queue = ? ORDER BY seq LIMIT 1",
                (queue_id,)).fetchone()
            if row is None:
                return None
            self.db.execute("DELETE FROM queue_entries WHERE seq = ?", (row["seq"],))
            return {"task": row["task"], "added": row["added"]}

    def move_in_queue(self, queue_id, task_id, position):
        """Move a queued task to position (0 is first, -1 last); returns its new index."""
        with self.transaction():
            entries = self.get_queue(queue_id)["entries"]
            tasks = [e["task"] for e in entries]
            if task_id not in tasks:
                raise errors.TaskNotQueued(f"task {task_id} is not in queue {queue_id}")
            entry = entries.pop(tasks.index(task_id))
            index = len(entries) if position in (-1, None) else max(0, min(position, len(entries)))
            entries.insert(index, entry)
            self.db.execute("DELETE FROM queue_entries WHERE queue = ?", (queue_id,))
            self.db.executemany("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                                [(queue_id, e["task"], e["added"]) for e in entries])
            return index

    # Workers.

    def register_worker(self, worker_id, identity, queues=None, timeout=600, tags=None):
        stamp = now()
        with self.transaction():
            self.db.execute(
                "INSERT INTO workers (id, user, company, register_time, last_activity_time,"
                " timeout, queues, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET last_activity_time = excluded.last_activity_time,"
                " timeout = excluded.timeout, queues = excluded.queues, tags = excluded.tags",
                (worker_id, identity["user"], identity["company"], stamp, stamp, int(timeout),
                 json.dumps(queues or []), json.dumps(tags or [])))

    def report_worker(self, worker_id, identity, task=None, queues=None):
        """Record a worker's status report; the task it names is marked as run by it."""
        stamp = now()
        with self.transaction():
            if not self.db.execute("SELECT 1 FROM workers WHERE id = ?", (worker_id,)).fetchone():
                self.register_worker(worker_id, identity, queues)
            fields = {"last_activity_time": stamp, "last_report_time": stamp, "task": task}
            if queues is not None:
                fields["queues"] = queues
            self._update("workers", worker_id, fields)
            if task and self.db.execute("SELECT 1 FROM tasks WHERE id = ?", (task,)).fetchone():
                self._update("tasks", task, {"last_worker": worker_id, "last_update": stamp})

    def unregister_worker(self, worker_id):
        with self.transaction():
            self.db.execute("DELETE FROM workers WHERE id = ?", (worker_id,))

    def get_workers(self):
        """Workers heard from within their timeout."""
        rows = self.db.execute(
            "SELECT * FROM workers WHERE julianday('now') - julianday(last_activity_time)"
            " < timeout / 86400.0 ORDER BY id").fetchall()
        return [_decode("workers", row) for row in rows]

    def set_runtime_properties(self, worker_id, properties):
        with self.transaction():
            self._get("workers", worker_id)
            self._update("workers", worker_id, {"runtime_properties": properties})

    # Models.

    def get_model(self, model_id):
        return self._get("models", model_id)

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

    # Events.

    def add_events(self, events):
        """Store a batch of events and return how many; scalars update last_metrics.

        An event other than a log line replaces the stored one of the same task, type, iter,
        metric, variant and key (UPSERT_EVENT), so a re-sent batch or a value re-reported at
        one iteration leaves one point. last_metrics count every event received, as ClearML
        Server's do (bll/event/event_bll.py _update_last_scalar_events_for_task adds to
        count, min and max on every event, an overwrite too).
        An event with model_event set is the model's whose id is in task: it updates that
        model's last_metrics and last_iteration instead (add_events, ModelBLL.update_statistics).
        Raises ValidationError naming the first invalid events, and then stores none.
        """
        with self.transaction():
            tasks = {}
            problems = [(index, self._event_problem(event, tasks))
                        for index, event in enumerate(events)]
            problems = [f"event {index}: {problem}" for index, problem in problems if problem]
            if problems:
                raise errors.ValidationError(
                    f"{len(problems)} invalid events, none stored: " + "; ".join(problems[:5]),
                    invalid=len(problems))
            rows = []
            for event in events:
                rows.append(_event_row(event))
                task = tasks[event["task"]]
                if event["type"] == "training_stats_scalar":
                    self._track_scalar(task, event)
                elif event.get("iter") is not None and event["type"] != "log":
                    task["last_iteration"] = max(task["last_iteration"], event["iter"])
            self.db.executemany(UPSERT_EVENT, rows)
            for task in tasks.values():
                self._update("models" if task["model_event"] else "tasks", task["id"], {
                    "last_metrics": task["last_metrics"], "last_iteration": task["last_iteration"],
                    "last_update": now()})
        return len(events)

    def _event_problem(self, event, tasks):
        if not isinstance(event, dict):
            return "event must be an object"
        if not isinstance(event.get("task"), str):
            return "event has no task"
        if not isinstance(event.get("type"), str):
            return "event has no type"
        if event["type"] == "training_stats_scalar":
            if not isinstance(event.get("value"), (int, float)) or isinstance(event["value"], bool):
                return "scalar event value must be a number"
        if event.get("iter") is not None and not isinstance(event["iter"], int):
            return "event iter must be an integer"
        for text in ("metric", "variant"):
            if event.get(text) is not None and not isinstance(event[text], str):
                return f"event {text} must be a string"
        stamp = event.get("timestamp")
        if stamp is not None and (not isinstance(stamp, (int, float)) or isinstance(stamp, bool)
                                  or not -2**63 <= stamp < 2**63):
            return "event timestamp must be a number of milliseconds since 1970"
        if event["task"] not in tasks:
            owner = self._event_owner(event)
            if isinstance(owner, str):
                return owner
            tasks[event["task"]] = owner
        if tasks[event["task"]]["model_event"] != bool(event.get("model_event")):
            return f"inconsistent model_event setting for {event['task']!r}"
        if event.get("model_event") and event["type"] == "log":
            return "task log events are not supported for models"
        return None

    def _event_owner(self, event):
        """The task (or model, for a model event) an event is reported to, with the fields
        add_events updates, or why there is none. A published task or model takes events only
        with allow_locked (EventBLL._get_valid_entities: LOCKED_TASK_STATUSES, ready != True)."""
        table = "models" if event.get("model_event") else "tasks"
        state = "ready" if table == "models" else "status"
        row = self.db.execute(f"SELECT id, last_metrics, last_iteration, {state} FROM {table}"
                              " WHERE id = ?", (event["task"],)).fetchone()
        if row is None:
            return f"invalid {table[:-1]} id {event['task']!r}"
        if row[state] in (1, "published", "publishing") and not event.get("allow_locked"):
            return f"invalid {table[:-1]} id {event['task']!r}: it is published"
        owner = dict(_decode(table, row), model_event=table == "models")
        owner["last_iteration"] = owner["last_iteration"] or 0
        return owner

    @staticmethod
    def _track_scalar(task, event):
        metric, variant, iteration = _metric_columns(event)
        value = float(event["value"])
        by_variant = task["last_metrics"].setdefault(_metric_key(metric), {})
        entry = by_variant.get(_metric_key(variant))
        if entry is None:
            entry = by_variant[_metric_key(variant)] = {
                "metric": metric, "variant": variant, "first_value": value,
                "first_value_iteration": iteration, "min_value": value,
                "min_value_iteration": iteration, "max_value": value,
                "max_value_iteration": iteration, "count": 0}
        if iteration >= entry.get("last_iteration", iteration):
            entry.update(value=value, last_iteration=iteration)
        if value < entry["min_value"]:
            entry.update(min_value=value, min_value_iteration=iteration)
        if value > entry["max_value"]:
            entry.update(max_value=value, max_value_iteration=iteration)
        entry["count"] += 1
        task["last_iteration"] = max(task["last_iteration"], iteration)

    def get_events(self, task_id, event_type=None, metric=None, variant=None, order="asc",
                   limit=None, after_id=None, from_timestamp=None):
        """A task's events, oldest first (or newest first with order='desc'), those after
        after_id or from_timestamp (in that order) only when given."""
        where, args = ["task = ?"], [task_id]
        if event_type:
            types = event_type if isinstance(event_type, list) else [event_type]
            where.append(f"type IN ({', '.join('?' for _ in types)})")
            args += types
        for column, value in (("metric", metric), ("variant", variant)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if after_id is not None:
            where.append("id < ?" if order == "desc" else "id > ?")
            args.append(after_id)
        if from_timestamp is not None:
            where.append("timestamp < ?" if order == "desc" else "timestamp > ?")
            args.append(int(from_timestamp))
        direction = "DESC" if order == "desc" else "ASC"
        sql = (f"SELECT id, doc FROM events WHERE {' AND '.join(where)}"
               f" ORDER BY timestamp {direction}, id {direction}")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [dict(json.loads(row["doc"]), _seq=row["id"])
                for row in self.db.execute(sql, args)]

    def scalar_series(self, task_ids, metrics=None):
        """{task: {metric: {variant: [(iter, value, timestamp ms), ...]}}} of the given tasks'
        scalars (of the given metric names only, when given).

        The points come as plain tuples in one fetchall, and are cut into series by the counts
        of a second query, both read from the covering index events_scalars in its order: no
        table row visited, no Python work per point (the compare page reads 300,000)."""
        where = (f"task IN ({', '.join('?' for _ in task_ids)})"
                 " AND type = 'training_stats_scalar'")
        args = list(task_ids)
        if metrics is not None:
            where += f" AND metric IN ({', '.join('?' for _ in metrics)})"
            args += list(metrics)
        cursor = self.db.cursor()
        cursor.row_factory = None
        table = "events INDEXED BY events_scalars"  # SQLite would pick events_identity.
        counts = cursor.execute(f"SELECT task, metric, variant, count(*) FROM {table}"
                                f" WHERE {where} GROUP BY task, metric, variant"
                                " ORDER BY task, metric, variant", args).fetchall()
        points = cursor.execute(f"SELECT iter, value, timestamp FROM {table} WHERE {where}"
                                " ORDER BY task, metric, variant, iter, key", args).fetchall()
        series, start = {}, 0
        for task, metric, variant, count in counts:
            series.setdefault(task, {}).setdefault(metric, {})[variant] = points[
                start:start + count]
            start += count
        return series

    def count_events(self, task_id, event_type):
        return self.db.execute("SELECT COUNT(*) FROM events WHERE task = ? AND type = ?",
                               (task_id, event_type)).fetchone()[0]

    def delete_events(self, task_id):
        with self.transaction():
            return self.db.execute("DELETE FROM events WHERE task = ?", (task_id,)).rowcount
