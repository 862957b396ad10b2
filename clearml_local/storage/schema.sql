-- The local server's SQLite schema. Objects keep ClearML's field names; nested objects are JSON text.
-- Bump SCHEMA_VERSION in database.py and add a migration there when this changes.
-- REFERENCES are enforced (PRAGMA foreign_keys = ON on every connection).

CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    basename      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    system_tags   TEXT NOT NULL DEFAULT '[]',
    default_output_destination TEXT,
    user          TEXT,
    company       TEXT,
    created       TEXT NOT NULL,
    last_update   TEXT NOT NULL,
    parent        TEXT,
    path          TEXT NOT NULL DEFAULT '[]'  -- ids of the projects above, topmost first
);
CREATE INDEX projects_parent ON projects (parent);

CREATE TABLE tasks (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    project        TEXT REFERENCES projects (id),
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_reason  TEXT NOT NULL DEFAULT '',
    status_message TEXT NOT NULL DEFAULT '',
    status_changed TEXT,
    parent         TEXT,
    comment        TEXT NOT NULL DEFAULT '',
    user           TEXT,
    company        TEXT,
    created        TEXT NOT NULL,
    started        TEXT,
    completed      TEXT,
    last_update    TEXT NOT NULL,
    last_change    TEXT,
    last_worker    TEXT,
    last_iteration INTEGER NOT NULL DEFAULT 0,
    tags           TEXT NOT NULL DEFAULT '[]',
    system_tags    TEXT NOT NULL DEFAULT '[]',
    script         TEXT NOT NULL DEFAULT '{}',
    execution      TEXT NOT NULL DEFAULT '{}',
    hyperparams    TEXT NOT NULL DEFAULT '{}',
    configuration  TEXT NOT NULL DEFAULT '{}',
    models         TEXT NOT NULL DEFAULT '{"input": [], "output": []}',
    output         TEXT NOT NULL DEFAULT '{}',
    runtime        TEXT NOT NULL DEFAULT '{}',
    container      TEXT NOT NULL DEFAULT '{}',
    last_metrics   TEXT NOT NULL DEFAULT '{}',
    enqueue_status TEXT
);
CREATE INDEX tasks_project ON tasks (project, last_update);
CREATE INDEX tasks_parent ON tasks (parent);
CREATE INDEX tasks_status ON tasks (status);

CREATE TABLE models (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    project      TEXT,
    task         TEXT,
    parent       TEXT,
    uri          TEXT,
    framework    TEXT,
    comment      TEXT NOT NULL DEFAULT '',
    ready        INTEGER NOT NULL DEFAULT 0,
    user         TEXT,
    company      TEXT,
    created      TEXT NOT NULL,
    last_update  TEXT NOT NULL,
    last_change  TEXT,
    last_iteration INTEGER,
    tags         TEXT NOT NULL DEFAULT '[]',
    system_tags  TEXT NOT NULL DEFAULT '[]',
    labels       TEXT NOT NULL DEFAULT '{}',
    design       TEXT NOT NULL DEFAULT '{}',
    metadata     TEXT NOT NULL DEFAULT '{}',
    last_metrics TEXT NOT NULL DEFAULT '{}'  -- of the model's own scalar events
);
CREATE INDEX models_task ON models (task);

CREATE TABLE queues (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    user         TEXT,
    company      TEXT,
    created      TEXT NOT NULL,
    last_update  TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]',
    system_tags  TEXT NOT NULL DEFAULT '[]',
    metadata     TEXT NOT NULL DEFAULT '{}'
);

-- One row per task waiting in a queue; seq gives the order.
CREATE TABLE queue_entries (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    queue  TEXT NOT NULL REFERENCES queues (id),
    task   TEXT NOT NULL,
    added  TEXT NOT NULL
);
CREATE INDEX queue_entries_queue ON queue_entries (queue, seq);
CREATE INDEX queue_entries_task ON queue_entries (task);

CREATE TABLE workers (
    id                 TEXT PRIMARY KEY,
    user               TEXT,
    company            TEXT,
    ip                 TEXT,
    register_time      TEXT NOT NULL,
    last_activity_time TEXT NOT NULL,
    last_report_time   TEXT,
    timeout            INTEGER NOT NULL DEFAULT 600,
    queues             TEXT NOT NULL DEFAULT '[]',
    task               TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    runtime_properties TEXT NOT NULL DEFAULT '[]'
);

-- Every reported event: console lines, scalars, plots. The whole event is kept in doc.
-- task: the task's id, or the model's for a model event (model_event in doc).
-- key: an image's key, '' when it has none, NULL for a log line (events.py UPSERT_EVENT).
-- no_iter: 1 when the event came without iter (iter then reads 0, its identity apart).
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    task      TEXT NOT NULL,
    type      TEXT NOT NULL,
    iter      INTEGER NOT NULL DEFAULT 0,
    metric    TEXT NOT NULL DEFAULT '',
    variant   TEXT NOT NULL DEFAULT '',
    key       TEXT,
    value     REAL,
    timestamp INTEGER NOT NULL,
    doc       TEXT NOT NULL,
    no_iter   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX events_identity ON events (task, type, metric, variant, iter, key, no_iter);
-- Scalar curves are read from this index alone (events.py scalar_series): no table row visited.
CREATE INDEX events_scalars ON events (task, metric, variant, iter, key, value, timestamp)
    WHERE type = 'training_stats_scalar';
CREATE INDEX events_task_time ON events (task, type, timestamp, id);

-- Users, their key pairs and their logins (clearml-server's auth database: database/model/auth.py).
-- A secret or password is kept only hashed (auth.py says how); a token names its session, and
-- deleting a key pair or a user ends its sessions, so their tokens stop working at once.
CREATE TABLE users (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    company  TEXT NOT NULL,
    role     TEXT NOT NULL,
    password TEXT,  -- NULL: no password, logs in with a key pair only
    created  TEXT NOT NULL
);

CREATE TABLE credentials (
    access_key     TEXT PRIMARY KEY,
    secret         TEXT NOT NULL,
    user           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label          TEXT,
    created        TEXT NOT NULL,
    last_used      TEXT,
    last_used_from TEXT
);
CREATE INDEX credentials_user ON credentials (user);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_key TEXT REFERENCES credentials (access_key) ON DELETE CASCADE,  -- NULL: a password
    created    TEXT NOT NULL,
    expires    INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user);
CREATE INDEX sessions_key ON sessions (access_key);
CREATE INDEX sessions_expires ON sessions (expires);
