"""The SQLite connections: WAL, one writer and many readers, one transaction per unit."""
import contextlib
import functools
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

import regex

from .. import errors
from ..backup import kept_before_upgrade
from .clauses import SQL_FUNCTIONS

SCHEMA_VERSION = 8
REFERENCES_ENFORCED = 5  # The version from which PRAGMA foreign_keys is on.
# Each migration upgrades the schema from the version before it; key = version reached.
# schema.sql is always the newest schema, for new databases.
MIGRATIONS = {
    # The console's last lines are read newest first: an index in that order spares a sort of
    # every log event of the task.
    2: "CREATE INDEX events_task_time ON events (task, type, timestamp, id);",
    # ClearML Server's task.enqueue_status (what a dequeue returns to) and model.last_change.
    3: "ALTER TABLE tasks ADD COLUMN enqueue_status TEXT;"
       "ALTER TABLE models ADD COLUMN last_change TEXT;",
    # Nested projects: each knows its parent and the path of ids above it. Version 2 did not
    # create the projects above "a/b/c"; the upgrade creates them, as clearml-server would have.
    4: """
ALTER TABLE projects ADD COLUMN parent TEXT;
ALTER TABLE projects ADD COLUMN path TEXT NOT NULL DEFAULT '[]';
CREATE INDEX projects_parent ON projects (parent);
INSERT INTO projects (id, name, basename, created, last_update, user, company)
WITH RECURSIVE cut (rest, prefix, segment, user, company) AS (
    SELECT name, '', '', user, company FROM projects
    UNION ALL
    SELECT substr(rest, instr(rest, '/') + 1), prefix || substr(rest, 1, instr(rest, '/')),
           substr(rest, 1, instr(rest, '/') - 1), user, company
    FROM cut WHERE instr(rest, '/') > 0)
SELECT lower(hex(randomblob(16))), rtrim(prefix, '/'), segment,
       strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'),
       min(user), min(company)
FROM cut WHERE prefix != '' AND rtrim(prefix, '/') NOT IN (SELECT name FROM projects)
GROUP BY rtrim(prefix, '/');
UPDATE projects SET
    parent = (SELECT up.id FROM projects AS up
              WHERE up.name = substr(projects.name, 1, length(projects.name)
                                     - length(projects.basename) - 1)),
    path = (SELECT json_group_array(id) FROM (
                SELECT up.id FROM projects AS up
                WHERE substr(projects.name, 1, length(up.name) + 1) = up.name || '/'
                ORDER BY length(up.name)));
""",
    # From here on, the REFERENCES of schema.sql are enforced (PRAGMA foreign_keys):
    # references to objects deleted before are cleared first, as a delete clears them now.
    REFERENCES_ENFORCED: (
        "UPDATE tasks SET project = NULL WHERE project NOT IN (SELECT id FROM projects);\n"
        "DELETE FROM queue_entries WHERE queue NOT IN (SELECT id FROM queues);\n"),
    # Events other than log lines are one per task, type, metric, variant, iter and key, as
    # in ClearML Server (events.UPSERT_EVENT): of the copies stored before, the newest stays.
    6: """
ALTER TABLE events ADD COLUMN key TEXT;
UPDATE events SET key = coalesce(CAST(json_extract(doc, '$.key') AS TEXT), '')
WHERE type != 'log';
DELETE FROM events WHERE type != 'log' AND id NOT IN (
    SELECT max(id) FROM events WHERE type != 'log' GROUP BY task, type, metric, variant, iter, key);
DROP INDEX events_task;
CREATE UNIQUE INDEX events_identity ON events (task, type, metric, variant, iter, key);
CREATE INDEX events_scalars ON events (task, metric, variant, iter, key, value, timestamp)
    WHERE type = 'training_stats_scalar';
""",
    # Users, key pairs and login sessions (auth.py, users.py). The server's first start on
    # this version makes its own key pair the first user's, who owns every earlier task.
    7: """
CREATE TABLE users (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, company TEXT NOT NULL, role TEXT NOT NULL,
    password TEXT, created TEXT NOT NULL);
CREATE TABLE credentials (
    access_key TEXT PRIMARY KEY, secret TEXT NOT NULL,
    user TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT, created TEXT NOT NULL, last_used TEXT, last_used_from TEXT);
CREATE INDEX credentials_user ON credentials (user);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_key TEXT REFERENCES credentials (access_key) ON DELETE CASCADE,
    created TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX sessions_user ON sessions (user);
CREATE INDEX sessions_key ON sessions (access_key);
CREATE INDEX sessions_expires ON sessions (expires);
""",
    # An event sent without iter has an identity of its own, apart from iteration 0's, as in
    # ClearML Server (events.UPSERT_EVENT); models keep the last values of their scalars.
    8: """
ALTER TABLE events ADD COLUMN no_iter INTEGER NOT NULL DEFAULT 0;
UPDATE events SET no_iter = 1 WHERE coalesce(json_type(doc, '$.iter'), 'null') = 'null';
DROP INDEX events_identity;
CREATE UNIQUE INDEX events_identity ON events (task, type, metric, variant, iter, key, no_iter);
ALTER TABLE models ADD COLUMN last_metrics TEXT NOT NULL DEFAULT '{}';
""",
}
# The time a unit's regular expressions may take in all (name filters are regexes).
REGEX_SECONDS = 1.0


def _regexp(pattern, value, timeout=None, flags=regex.IGNORECASE):
    """Whether value matches pattern (name filters are case-sensitive, _any_/_all_ ones not).

    Raises InvalidRegex for a malformed pattern and TimeoutError past timeout seconds (of CPU
    time, as `regex` counts them: a busy machine stretches them in wall time). The `regex`
    module bounds the time and releases the GIL while it matches, so a catastrophic pattern
    neither runs away nor stalls the server's other threads.
    """
    if value is None:
        return False
    try:
        return regex.search(pattern, str(value), flags, timeout=timeout,
                            concurrent=True) is not None
    except regex.error as exc:
        raise errors.InvalidRegex(f"malformed regular expression {pattern!r}: {exc}") from None


def _applied_version(db):
    """The schema version whose migrations db has had: its user_version, except that main's
    release 776c855 wrote 4 for enforced references before nested projects took 4 and they 5:
    its databases lack projects.parent and upgrade from 3."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == 4 and not db.execute(
            "SELECT 1 FROM pragma_table_info('projects') WHERE name = 'parent'").fetchone():
        return 3
    return version


class _NeedsWriter(BaseException):
    """A read-only unit tried to write. A BaseException, so no handler's `except` swallows it
    on its way to Database.run, which then runs the unit again as a writer."""


class Database:
    """SQLite in WAL mode: one writer, many readers, and the units that use them.

    The rule: every API call and web page is one unit, run by `run` on a worker thread. A unit
    is one transaction, so a handler that reads, changes and writes back (edit_hyper_params,
    update_for_task, ...) is atomic without further care:
    - a unit that only reads runs in a read transaction: a snapshot, concurrent with other
      readers and with the writer;
    - a unit that writes holds the single write lock (BEGIN IMMEDIATE) from its first
      statement to its commit, so what it read is still true when it writes.
    Called outside a unit (tests, start-up), each write method is a transaction of its own.
    Inside a transaction, each write method is a savepoint: when it raises, its own writes are
    undone and the caller may carry on (tasks.*_many).
    Durability: a commit survives the process being killed; a power cut may cost the last
    commits (WAL with synchronous = NORMAL).
    With read_only, every connection is read-only and the database is neither created nor
    migrated: RuntimeError unless it exists at this schema version (another program's view of
    a server's data folder, which the server may be using meanwhile).
    """

    def __init__(self, path, regex_seconds=REGEX_SECONDS, read_only=False):
        self.path = Path(path)
        self.regex_seconds = regex_seconds
        self.read_only = read_only
        self._local = threading.local()  # The connection and unit state of this thread.
        self._idle = []  # Connections no unit is using, reused by the next units.
        self._loose = []  # Connections of threads that call storage outside a unit.
        self._pool_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writers = set()  # Keys of the units known to write.
        if read_only:
            self._check_version()
        else:
            self.db.execute("PRAGMA journal_mode = WAL")
            self._migrate()

    def _connect(self):
        if self.read_only:
            if not self.path.is_file():
                raise RuntimeError(f"no database at {self.path}")
            db = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True,
                                 isolation_level=None, check_same_thread=False, timeout=30)
        else:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                 timeout=30)
        db.row_factory = sqlite3.Row
        for name, (arity, function) in SQL_FUNCTIONS.items():
            db.create_function(name, arity, function, deterministic=True)
        # Regular expressions come from requests: bounded in time.
        db.create_function("REGEXP", 2, self._bounded(0), deterministic=True)
        db.create_function("IREGEXP", 2, self._bounded(regex.IGNORECASE), deterministic=True)
        # In WAL mode NORMAL loses nothing when the process dies; only a power cut can cost
        # the last commits.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @property
    def db(self):
        """This thread's connection: its unit's, or one of its own outside units."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._pool_lock:
                self._loose.append(db)
        return db

    def close(self):
        with self._pool_lock:
            for db in self._idle + self._loose:
                db.close()
            self._idle, self._loose = [], []
        self._local = threading.local()

    def run(self, key, function, *args, **kwargs):
        """function(*args, **kwargs) as one unit (see the class docstring); key names its kind.

        A unit first runs as a reader; when it tries to write, it is rolled back and run again
        as a writer, and units of that key start as writers from then on. So function must
        have no effect outside storage before its first write.
        Raises ValidationError when its regular expressions took over regex_seconds in all.
        """
        call = functools.partial(function, *args, **kwargs)
        if getattr(self._local, "unit", False):
            return call()
        if key not in self._writers:
            try:
                return self._unit(False, call)
            except _NeedsWriter:
                self._writers.add(key)
        return self._unit(True, call)

    def _unit(self, write, call):
        local = self._local
        outer = getattr(local, "db", None)
        with self._pool_lock:
            local.db = self._idle.pop() if self._idle else None
        local.db = local.db or self._connect()
        local.unit, local.regex_deadline, local.regex_error = True, (
            time.monotonic() + self.regex_seconds), None
        try:
            if write:
                with self.transaction():
                    return call()
            local.reading = True
            local.db.execute("BEGIN")
            try:
                return call()
            finally:
                if local.db.in_transaction:  # A read transaction has nothing to commit.
                    local.db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            if local.regex_error:  # SQLite reports a function's exception as its own.
                raise local.regex_error from None
            raise
        finally:
            local.unit = local.reading = False
            local.regex_deadline = None
            with self._pool_lock:
                self._idle.append(local.db)
            local.db = outer

    def _bounded(self, flags):
        """A REGEXP function for SQL whose calls in one unit take regex_seconds in all."""
        def match(pattern, value):
            deadline = getattr(self._local, "regex_deadline", None)
            remaining = deadline - time.monotonic() if deadline else self.regex_seconds
            try:
                if remaining <= 0:
                    raise TimeoutError
                return _regexp(pattern, value, remaining, flags)
            except TimeoutError:
                error = errors.ValidationError(
                    f"regular expression {pattern!r} took over {self.regex_seconds:g} s to "
                    "match: simplify it", pattern=pattern)
            except errors.APIError as exc:
                error = exc
            # SQLite reports an exception of a function as its own OperationalError; run()
            # then raises this one instead.
            self._local.regex_error = error
            raise error
        return match

    @contextlib.contextmanager
    def transaction(self):
        """Run the block in one write transaction; a nested block is a savepoint in it.

        Raises ValidationError when the block breaks a REFERENCES of schema.sql, and undoes
        the block's writes whatever it raises.
        """
        local = self._local
        if getattr(local, "reading", False):
            raise _NeedsWriter()
        depth = getattr(local, "depth", 0)
        begin, undo, end = (("BEGIN IMMEDIATE", "ROLLBACK", "COMMIT") if not depth else
                            (f"SAVEPOINT s{depth}", f"ROLLBACK TO s{depth}", f"RELEASE s{depth}"))
        with self._write_lock if not depth else contextlib.nullcontext():
            db = self.db
            db.execute(begin)
            local.depth = depth + 1
            try:
                yield db
            except BaseException as exc:
                # SQLite rolls back on its own after some errors (a full disk): undoing again
                # would hide the real error behind "no transaction is active".
                if db.in_transaction:
                    db.execute(undo)
                    if depth:
                        db.execute(end)
                if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc):
                    raise errors.ValidationError(
                        "the change would leave a task with a project that does not exist, or "
                        "a queue entry with a queue that does not exist") from None
                raise
            else:
                db.execute(end)
            finally:
                local.depth = depth

    def _check_version(self):
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}, this program reads version "
                f"{SCHEMA_VERSION}: " + ("start its server once to upgrade it"
                                         if version < SCHEMA_VERSION else "upgrade it"))

    def _migrate(self):
        version = _applied_version(self.db)
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema version {version}, newer than this server's "
                f"{SCHEMA_VERSION}: upgrade the server")
        if version == 0:
            script = Path(__file__).with_name("schema.sql").read_text()
        else:
            script = "".join(MIGRATIONS[target]
                             for target in range(version + 1, SCHEMA_VERSION + 1))
        if version < SCHEMA_VERSION:
            # executescript commits on its own, so the upgrade carries its own transaction.
            with self._write_lock, kept_before_upgrade(self.db, self.path, SCHEMA_VERSION):
                self.db.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {SCHEMA_VERSION};\n"
                    "COMMIT;")
