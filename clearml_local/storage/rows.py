"""The generic row helpers every kind of object shares: ids, times, JSON columns, get_all."""
import json
import uuid
from datetime import datetime, timezone

from .. import errors
from .database import Database
from .query import compile_query, json_columns

JSON_FIELDS = {
    "tags", "system_tags", "script", "execution", "hyperparams", "configuration", "models",
    "output", "runtime", "container", "last_metrics", "labels", "design", "metadata", "queues",
    "runtime_properties", "path",
}
NOT_FOUND = {
    "tasks": errors.InvalidTaskId, "models": errors.InvalidModelId,
    "projects": errors.InvalidProjectId, "queues": errors.InvalidQueueId,
    "workers": errors.InvalidWorkerId,
}


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


class Rows(Database):
    """Reads and writes of one row of any table, and ClearML's get_all over a table.

    The kinds of object (projects.py, tasks.py, ...) build on these; get_all reads
    project_descendants, which Projects provides.
    """

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

        The request's filters and order_by are read by query.compile_query (which raises the
        400s for what it does not understand); offset and limit page the answer. columns (names
        the caller knows) keeps only those fields: pages of thousands of rows skip decoding
        the JSON they do not show.
        """
        query = compile_query(table, request, self._columns(table), self.project_descendants)
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
            self._column_cache[table] = json_columns(self.db, table, JSON_FIELDS)
        return self._column_cache[table]

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
