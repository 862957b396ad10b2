"""Queues and the order of the tasks waiting in them.

Rules from clearml-server apiserver/bll/queue/queue_bll.py.
"""
from .. import errors
from .rows import Rows, _decode, now

QUEUE_EDITABLE = ("name", "tags", "system_tags", "metadata")
DEFAULT_QUEUE = "default"
MOVE_FIRST, MOVE_LAST = "first", "last"  # clearml-server services/queues.py MOVE_FIRST/LAST


class Queues(Rows):
    """Queues and their entries; enqueue and dequeue are TaskOperations'."""

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

    def queue_rows(self):
        """Every queue but the hidden ones, by name, each with its entries in order."""
        entries = {}
        for row in self.db.execute("SELECT queue, task, added FROM queue_entries ORDER BY seq"):
            entries.setdefault(row["queue"], []).append({"task": row["task"],
                                                         "added": row["added"]})
        return [dict(queue, entries=entries.get(queue["id"], []))
                for queue in self.query("queues", order_by=["name"])]

    def queue_names(self):
        """{id: name} of every queue, hidden ones included."""
        return {row["id"]: row["name"] for row in self.db.execute("SELECT id, name FROM queues")}

    def every_queue(self):
        """Every queue, hidden ones too, by name."""
        return self.query("queues", {"search_hidden": True}, ["name"])

    def queue_by_name(self, name):
        """The queue named exactly name, or None."""
        row = self.db.execute("SELECT id FROM queues WHERE name = ?", (name,)).fetchone()
        return self.get_queue(row["id"]) if row else None

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

    def add_queue_entry(self, queue_id, task_id, update_execution_queue=True):
        """Put a task at the end of a queue, its status left as it is, and with
        update_execution_queue make the queue its execution.queue (queues.add_task in ClearML
        Server's services/queues.py and queue_bll.py). Raises TaskAlreadyQueued when it is in
        that queue already."""
        with self.transaction():
            self._get("queues", queue_id)
            task = self._get("tasks", task_id)
            if self.db.execute("SELECT 1 FROM queue_entries WHERE queue = ? AND task = ?",
                               (queue_id, task_id)).fetchone():
                raise errors.TaskAlreadyQueued(f"task {task_id} is in queue {queue_id} already",
                                               task=task_id)
            self.db.execute("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                            (queue_id, task_id, now()))
            if update_execution_queue:
                self._update("tasks", task_id, {
                    "execution": dict(task["execution"], queue=queue_id)})

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

    def _queued_at(self, queue_id, task_id):
        """The queue's entries and the index of task_id's among them. Raises InvalidQueueId for
        no such queue, TaskNotQueued when the task is not in it (get_queue_with_task in
        clearml-server's bll/queue/queue_bll.py: InvalidQueueOrTaskNotQueued)."""
        entries = self.get_queue(queue_id)["entries"]
        tasks = [entry["task"] for entry in entries]
        if task_id not in tasks:
            raise errors.TaskNotQueued(f"task {task_id} is not in queue {queue_id}")
        return entries, tasks.index(task_id)

    def remove_from_queue(self, queue_id, task_id):
        """Take a task out of this queue, back to the status it had (dequeue_task); raises
        TaskNotQueued when it is not in this queue."""
        with self.transaction():
            self._queued_at(queue_id, task_id)
            return self.dequeue_task(task_id)

    def move_in_queue(self, queue_id, task_id, move):
        """Move a queued task move places (negative: towards the front), or to the front or
        the back (MOVE_FIRST, MOVE_LAST), no further than either end, as reposition_task in
        clearml-server's bll/queue/queue_bll.py; returns its new index. Raises TaskNotQueued
        when the task is not in the queue."""
        with self.transaction():
            entries, index = self._queued_at(queue_id, task_id)
            entry = entries.pop(index)
            if move in (MOVE_FIRST, MOVE_LAST):
                index = 0 if move == MOVE_FIRST else len(entries)
            else:
                index = max(0, min(index + move, len(entries)))
            entries.insert(index, entry)
            self.db.execute("DELETE FROM queue_entries WHERE queue = ?", (queue_id,))
            self.db.executemany("INSERT INTO queue_entries (queue, task, added) VALUES (?, ?, ?)",
                                [(queue_id, e["task"], e["added"]) for e in entries])
            return index
