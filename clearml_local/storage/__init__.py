"""SQLite storage: one object, Storage, composed of one part per kind of object.

The parts (projects.py, tasks.py, task_operations.py, queues.py, workers.py, models.py,
events.py, users.py) share the row helpers of rows.py and the connections and transactions of
database.py; query.py (with clauses.py) compiles ClearML's get_all requests; statuses.py
is ClearML's status machine; schema.sql is the newest schema.
"""
from .database import REGEX_SECONDS, SCHEMA_VERSION
from .events import Events, last_metric_entries
from .models import MODEL_EDITABLE, Models
from .projects import PROJECT_EDITABLE, Projects
from .queues import QUEUE_EDITABLE, Queues
from .task_operations import TaskOperations
from .tasks import TASK_EDITABLE, Tasks
from .users import Users
from .workers import Workers

__all__ = ["Storage", "SCHEMA_VERSION", "last_metric_entries", "MODEL_EDITABLE",
           "PROJECT_EDITABLE", "QUEUE_EDITABLE", "TASK_EDITABLE"]


class Storage(Projects, Tasks, TaskOperations, Queues, Workers, Models, Events, Users):
    """All reads and writes of the server; the connections and transactions are Database's.

    Methods that name an object by id raise the ClearML error for an invalid id of that kind
    when it does not exist. Each write method is one transaction (or a savepoint within the
    caller's): all or nothing. With read_only, only the read methods work (Database).
    """

    def __init__(self, path, regex_seconds=REGEX_SECONDS, read_only=False):
        self._column_cache = {}
        super().__init__(path, regex_seconds, read_only)
        if not read_only:
            self.ensure_default_queue()
