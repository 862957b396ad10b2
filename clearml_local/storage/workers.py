"""Workers (agents): registration, status reports, who is alive.

Rules from clearml-server apiserver/bll/workers/__init__.py.
"""
import json

from .rows import Rows, _decode, now


class Workers(Rows):
    """The workers heard from, and what they run."""

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
