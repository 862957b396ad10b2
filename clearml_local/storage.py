"""SQLite storage for projects, tasks, models, queues, workers and events."""
import contextlib
import hashlib
import json
import re
import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path

from . import errors
from .statuses import check_transition

SCHEMA_VERSION = 2
# Each migration upgrades the schema from the version before it; key = version reached.
# schema.sql is always the newest schema, for new databases.
MIGRATIONS = {
    # The console's last lines are read newest first: an index in that order spares a sort of
    # every log event of the task.
    2: "CREATE INDEX events_task_time ON events (task, type, timestamp, id);",
}

JSON_FIELDS = {
    "tags", "system_tags", "script", "execution", "hyperparams", "configuration", "models",
    "output", "runtime", "container", "last_metrics", "labels", "design", "metadata", "queues",
    "runtime_properties",
}
TASK_COLUMNS = (
    "id", "name", "project", "type", "status", "status_reason", "status_message",
    "status_changed", "parent", "comment", "user", "company", "created", "started", "completed",
    "last_update", "last_change", "last_worker", "last_iteration", "tags", "system_tags",
    "script", "execution", "hyperparams", "configuration", "models", "output", "runtime",
    "container", "last_metrics",
)
# Fields a client may set through tasks.create / tasks.edit; the rest are the server's.
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
TABLE_EDITABLE = {
    "tasks": TASK_EDITABLE, "models": MODEL_EDITABLE, "projects": PROJECT_EDITABLE,
    "queues": QUEUE_EDITABLE,
}
NOT_FOUND = {
    "tasks": errors.InvalidTaskId, "models": errors.InvalidModelId,
    "projects": errors.InvalidProjectId, "queues": errors.InvalidQueueId,
    "workers": errors.InvalidWorkerId,
}
DEFAULT_QUEUE = "default"


def now():
    """The current UTC time in the ISO form ClearML Server answers with."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id():
    return uuid.uuid4().hex


def _regexp(pattern, value):
    if value is None:
        return False
    try:
        return re.search(pattern, value, re.IGNORECASE) is not None
    except re.error as exc:
        raise errors.InvalidRegex(f"malformed regular expression {pattern!r}: {exc}") from None


def _decode(table, row):
    """A row as a plain dict, with the JSON columns parsed."""
    obj = {key: (json.loads(row[key]) if key in JSON_FIELDS and row[key] is not None else row[key])
           for key in row.keys()}
    if table == "models":
        obj["ready"] = bool(obj["ready"])
    return obj


def _encode(field, value):
    return json.dumps(value) if field in JSON_FIELDS else value


def _metric_key(name):
    return hashlib.md5(name.encode("utf-8")).hexdigest()


class Storage:
    """All reads and writes of the server: one SQLite connection, one transaction helper.

    Every method that names an object by id raises the ClearML error for an invalid id of that
    kind when it does not exist; writes happen inside one transaction, all or nothing.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.create_function("REGEXP", 2, _regexp, deterministic=True)
        self.db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses nothing when the process dies; only a power cut can cost
        # the last commits.
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = OFF")
        self._depth = 0
        self._migrate()
        self.ensure_default_queue()

    def close(self):
        self.db.close()

    @contextlib.contextmanager
    def transaction(self):
        """Run the block in one write transaction; nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            # SQLite rolls back by itself after some errors (a full disk); a second ROLLBACK
            # would then fail and hide the real error.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._depth = 0

    def _migrate(self):
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this server's "
                f"{SCHEMA_VERSION}: upgrade the server")
        if version == 0:
            script = Path(__file__).with_name("schema.sql").read_text()
        else:
            script = "".join(MIGRATIONS[target] for target in range(version + 1, SCHEMA_VERSION + 1))
        if version < SCHEMA_VERSION:
            # executescript commits on its own, so the upgrade carries its own transaction.
            self.db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")

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

    def query(self, table, filters=None, order_by=None, page=None, page_size=None):
        """Objects of one table matching ClearML's get_all filters, as dicts.

        Supported filters: id (list), name (case-insensitive regex), project, parent, status,
        type, task, user, framework, uri (lists or single values), tags and system_tags (a leading '-'
        excludes), search_text (substring of name or id), ready (models) and, for tasks and
        projects, search_hidden (include those tagged 'hidden').
        """
        filters = filters or {}
        where, args = [], []
        if filters.get("id") is not None:
            ids = filters["id"] if isinstance(filters["id"], list) else [filters["id"]]
            if not all(isinstance(v, str) for v in ids):
                raise errors.FieldsTypeError("id must be an id or a list of ids")
            where.append(f"id IN ({', '.join('?' for _ in ids)})")
            args += ids
        if filters.get("name"):
            if not isinstance(filters["name"], str):
                raise errors.FieldsTypeError("name must be a string (a regular expression)")
            _regexp(filters["name"], "")  # A malformed pattern fails even when no row is read.
            where.append("name REGEXP ?")
            args.append(filters["name"])
        for column in ("project", "parent", "status", "type", "task", "user", "framework", "uri"):
            values = filters.get(column)
            if values is None or values == []:
                continue
            values = values if isinstance(values, list) else [values]
            if not all(v is None or isinstance(v, str) for v in values):
                raise errors.FieldsTypeError(f"{column} must be an id or a list of ids")
            nulls = [v for v in values if v is None]
            present = [v for v in values if v is not None]
            clauses = []
            if present:
                clauses.append(f"{column} IN ({', '.join('?' for _ in present)})")
                args += present
            if nulls:
                clauses.append(f"{column} IS NULL")
            where.append("(" + " OR ".join(clauses) + ")")
        for column in ("tags", "system_tags"):
            if not isinstance(filters.get(column) or [], list):
                raise errors.FieldsTypeError(f"{column} must be a list of strings")
            for tag in filters.get(column) or []:
                if not isinstance(tag, str):
                    raise errors.FieldsTypeError(f"{column} must be a list of strings")
                if tag.startswith("-"):
                    where.append(f"NOT EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)")
                    args.append(tag[1:])
                elif tag.startswith("__$"):
                    continue
                else:
                    where.append(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)")
                    args.append(tag)
        if filters.get("ready") is not None:
            if not isinstance(filters["ready"], bool):
                raise errors.FieldsTypeError("ready must be a boolean")
            where.append("ready = ?")
            args.append(int(filters["ready"]))
        if table in ("tasks", "projects") and not filters.get("search_hidden"):
            where.append("NOT EXISTS (SELECT 1 FROM json_each(system_tags) WHERE value = 'hidden')")
        if filters.get("search_text"):
            where.append("(instr(lower(name), lower(?)) > 0 OR id = ?)")
            args += [filters["search_text"], filters["search_text"]]
        sql = f"SELECT * FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order, order_args = self._order_clause(table, order_by)
        sql += " ORDER BY " + order
        args += order_args
        if page_size is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(page_size), int(page or 0) * int(page_size)]
        return [_decode(table, row) for row in self.db.execute(sql, args)]

    def _order_clause(self, table, order_by):
        """ORDER BY terms and their arguments for ClearML's order_by: column names, or dotted
        paths into JSON columns such as the optimizer's '-last_metrics.<title>.<series>.value'
        (missing values sort first ascending and last descending, as in MongoDB)."""
        columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
        parts, args = [], []
        for key in order_by or []:
            if not isinstance(key, str):
                continue
            column, _, path = key.lstrip("-+").partition(".")
            direction = "DESC" if key.startswith("-") else "ASC"
            if column in columns and not path:
                parts.append(f"{column} {direction}")
            elif column in columns and column in JSON_FIELDS:
                keys = path.split(".")
                if not all(keys) or any('"' in k for k in keys):
                    raise errors.ValidationError(f"invalid order_by field {key!r}", field=key)
                parts.append(f"json_extract({column}, ?) {direction}")
                args.append("$" + "".join(f'."{k}"' for k in keys))
        parts.append("created ASC" if "created" in columns else "rowid ASC")
        parts.append("rowid ASC")
        return ", ".join(parts), args

    def _create(self, table, fields, **server_fields):
        stamp = now()
        obj = {"id": new_id(), "created": stamp, "last_update": stamp}
        obj.update({k: v for k, v in fields.items() if k in TABLE_EDITABLE[table]})
        obj.update(server_fields)
        self._insert(table, obj)
        return obj["id"]

    def _edit(self, table, obj_id, fields):
        """Replace the given top-level fields (ClearML's edit semantics); return the ones set."""
        self._get(table, obj_id)
        changed = {k: v for k, v in fields.items() if k in TABLE_EDITABLE[table]}
        changed["last_update"] = now()
        if table == "tasks":
            changed["last_change"] = changed["last_update"]
        self._update(table, obj_id, changed)
        return changed

    # Projects.

    def get_project(self, project_id):
        return self._get("projects", project_id)

    def create_project(self, fields, identity):
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip() or "//" in name:
            raise errors.InvalidProjectName(f"invalid project name {name!r}")
        with self.transaction():
            if self.db.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
                raise errors.ExpectedUniqueData(f"project {name!r} already exists", name=name)
            return self._create("projects", fields, basename=name.rsplit("/", 1)[-1],
                                user=identity["user"], company=identity["company"])

    def project_by_name(self, name, identity, create=True):
        row = self.db.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row:
            return row["id"]
        return self.create_project({"name": name}, identity) if create else None

    def edit_project(self, project_id, fields):
        with self.transaction():
            if "name" in fields:
                fields = dict(fields, basename=str(fields["name"]).rsplit("/", 1)[-1])
            return self._edit("projects", project_id, fields)

    def delete_project(self, project_id, force=False):
        with self.transaction():
            self._get("projects", project_id)
            count = self.db.execute("SELECT COUNT(*) FROM tasks WHERE project = ?",
                                    (project_id,)).fetchone()[0]
            if count and not force:
                raise errors.ProjectHasTasks(f"project has {count} tasks", tasks=count)
            self.db.execute("UPDATE tasks SET project = NULL WHERE project = ?", (project_id,))
            self.db.execute("UPDATE models SET project = NULL WHERE project = ?", (project_id,))
            self.db.execute("DELETE FROM projects WHERE id = ?", (project_id,))
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
                      "last_update": stamp}
            if status == "in_progress" and not task["started"]:
                fields["started"] = stamp
            if status in ("completed", "failed", "stopped", "published"):
                fields["completed"] = stamp
            if status != "queued":
                self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            fields.update(extra or {})
            self._update("tasks", task_id, fields)
            return {"updated": 1, "fields": fields}

    def stop_task(self, task_id, identity, force=False, status_reason=""):
        """Stop a task, or, when an agent is running it, ask the agent to ('stopping')."""
        with self.transaction():
            task = self.get_task(task_id)
            run_by_worker = (task["status"] == "in_progress" and task["last_worker"]
                             and "development" not in task["system_tags"])
            if run_by_worker and not force:
                return self.set_task_status(task_id, "in_progress", force=True,
                                            status_reason=status_reason or "stopping",
                                            status_message="stopping")
            if task["status"] not in ("queued", "in_progress", "created") and not force:
                raise errors.InvalidTaskStatus(
                    f"task {task_id} is {task['status']}, it cannot be stopped")
            return self.set_task_status(
                task_id, "stopped", force=True, status_reason=status_reason or "user abort",
                status_message=f"Stopped by {identity['user_name']}")

    def reset_task(self, task_id, force=False, clear_all=False):
        """Back to created: out of its queue, events, metrics and output models cleared."""
        with self.transaction():
            task = self.get_task(task_id)
            if task["status"] == "in_progress" and not force:
                raise errors.InvalidTaskStatus(
                    f"task {task_id} is in progress: stop it first or reset with force")
            dequeued = self.db.execute("DELETE FROM queue_entries WHERE task = ?",
                                       (task_id,)).rowcount
            events = self.db.execute("DELETE FROM events WHERE task = ?", (task_id,)).rowcount
            execution = dict(task["execution"])
            execution.pop("queue", None)
            execution["artifacts"] = [a for a in execution.get("artifacts") or []
                                      if a.get("mode") == "input"]
            models = dict(task["models"], output=[])
            stamp = now()
            fields = {"status": "created", "status_reason": "reset", "status_message": "",
                      "status_changed": stamp, "last_update": stamp, "started": None,
                      "completed": None, "last_iteration": 0, "last_metrics": {},
                      "execution": execution, "models": models, "last_worker": None}
            if clear_all:
                fields["runtime"] = {}
            self._update("tasks", task_id, fields)
            return {"updated": 1, "dequeued": {"removed": dequeued} if dequeued else {},
                    "events": {"deleted": events}, "fields": fields}

    def clone_task(self, task_id, identity, name=None, parent=None, comment=None, tags=None,
                   system_tags=None, project=None, execution_overrides=None):
        """A new created task copied from task_id without its results; returns the new id."""
        with self.transaction():
            source = self.get_task(task_id)
            execution = dict(source["execution"])
            execution.pop("queue", None)
            execution["artifacts"] = [a for a in execution.get("artifacts") or []
                                      if a.get("mode") == "input"]
            execution.update(execution_overrides or {})
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

    def delete_task(self, task_id, force=False):
        with self.transaction():
            task = self.get_task(task_id)
            if task["status"] == "in_progress" and not force:
                raise errors.InvalidTaskStatus(
                    f"task {task_id} is in progress: stop it first or delete with force")
            self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            events = self.db.execute("DELETE FROM events WHERE task = ?", (task_id,)).rowcount
            children = self.db.execute("UPDATE tasks SET parent = NULL WHERE parent = ?",
                                       (task_id,)).rowcount
            models = self.db.execute("UPDATE models SET task = NULL WHERE task = ?",
                                     (task_id,)).rowcount
            self.db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            return {"deleted": 1, "updated_children": children, "updated_models": models,
                    "events": {"deleted": events}}

    def set_system_tag(self, task_id, tag, present):
        with self.transaction():
            task = self.get_task(task_id)
            tags = [t for t in task["system_tags"] if t != tag] + ([tag] if present else [])
            self._update("tasks", task_id, {"system_tags": tags, "last_update": now()})
            return tags != task["system_tags"]

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

    # Queues.

    def ensure_default_queue(self):
        with self.transaction():
            row = self.db.execute("SELECT id FROM queues WHERE name = ?",
                                  (DEFAULT_QUEUE,)).fetchone()
            if row is None:
                self._create("queues", {"name": DEFAULT_QUEUE, "system_tags": ["default"]},
                             user="system", company="local")

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

    def enqueue_task(self, task_id, queue_id, status_reason="", status_message=""):
        """Put a task at the end of a queue and mark it queued."""
        with self.transaction():
            queue = self.get_queue(queue_id)
            task = self.get_task(task_id)
            check_transition(task["status"], "queued")
            execution = dict(task["execution"], queue=queue["id"])
            system_tags = [t for t in task["system_tags"] if t != "development"]
            result = self.set_task_status(
                task_id, "queued", force=True, status_reason=status_reason,
                status_message=status_message,
                extra={"execution": execution, "system_tags": system_tags})
            self.db.execute("DELETE FROM queue_entries WHERE task = ?", (task_id,))
            self.db.execute("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                            (queue_id, task_id, now()))
            result["fields"] = {k: v for k, v in result["fields"].items() if k != "execution"}
            result["fields"]["execution.queue"] = queue_id
            return dict(result, queued=1)

    def dequeue_task(self, task_id, new_status="created", status_reason="",
                     status_message=""):
        with self.transaction():
            task = self.get_task(task_id)
            if task["status"] != "queued":
                raise errors.InvalidTaskStatus(
                    f"task {task_id} is {task['status']}, not queued", status=task["status"])
            result = self.set_task_status(task_id, new_status, force=True,
                                          status_reason=status_reason,
                                          status_message=status_message)
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

    def get_worker(self, worker_id):
        return self._get("workers", worker_id)

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
                                company=identity["company"])

    def edit_model(self, model_id, fields):
        with self.transaction():
            return self._edit("models", model_id, fields)

    def delete_model(self, model_id):
        with self.transaction():
            model = self.get_model(model_id)
            self.db.execute("DELETE FROM models WHERE id = ?", (model_id,))
            return model

    # Events.

    def add_events(self, events):
        """Store a batch of events and return how many; scalars update last_metrics.

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
            for event in events:
                self._insert_event(event)
                task = tasks[event["task"]]
                if event["type"] == "training_stats_scalar":
                    self._track_scalar(task, event)
                elif event.get("iter") is not None and event["type"] != "log":
                    task["last_iteration"] = max(task["last_iteration"], event["iter"])
            for task in tasks.values():
                self._update("tasks", task["id"], {
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
            row = self.db.execute("SELECT id, last_metrics, last_iteration FROM tasks"
                                  " WHERE id = ?", (event["task"],)).fetchone()
            if row is None:
                return f"invalid task id {event['task']!r}"
            tasks[event["task"]] = _decode("tasks", row)
        return None

    def _insert_event(self, event):
        doc = {k: v for k, v in event.items() if k != "method"}
        doc.setdefault("timestamp", int(datetime.now(timezone.utc).timestamp() * 1000))
        value = event.get("value") if event["type"] == "training_stats_scalar" else None
        self.db.execute(
            "INSERT INTO events (task, type, iter, metric, variant, value, timestamp, doc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event["task"], event["type"], event.get("iter") or 0, event.get("metric") or "",
             event.get("variant") or "", value, int(doc["timestamp"]), json.dumps(doc)))

    @staticmethod
    def _track_scalar(task, event):
        metric, variant = event.get("metric") or "", event.get("variant") or ""
        value, iteration = float(event["value"]), event.get("iter") or 0
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
                   limit=None, after_id=None):
        """A task's events, oldest first (or newest first with order='desc')."""
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
        direction = "DESC" if order == "desc" else "ASC"
        sql = (f"SELECT id, doc FROM events WHERE {' AND '.join(where)}"
               f" ORDER BY timestamp {direction}, id {direction}")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [dict(json.loads(row["doc"]), _seq=row["id"]) for row in self.db.execute(sql, args)]

    def scalar_series(self, task_ids):
        """{task: {metric: {variant: [(iter, value, timestamp ms), ...]}}} of the given tasks'
        scalars."""
        series = {}
        marks = ", ".join("?" for _ in task_ids)
        for row in self.db.execute(
                f"SELECT task, metric, variant, iter, value, timestamp FROM events"
                f" WHERE task IN ({marks}) AND type = 'training_stats_scalar'"
                " ORDER BY task, metric, variant, iter, id", list(task_ids)):
            (series.setdefault(row["task"], {}).setdefault(row["metric"], {})
             .setdefault(row["variant"], []).append((row["iter"], row["value"],
                                                     row["timestamp"])))
        return series

    def count_events(self, task_id, event_type):
        return self.db.execute("SELECT COUNT(*) FROM events WHERE task = ? AND type = ?",
                               (task_id, event_type)).fetchone()[0]

    def delete_events(self, task_id):
        with self.transaction():
            return self.db.execute("DELETE FROM events WHERE task = ?", (task_id,)).rowcount
