"""What a data folder holds (the database, the uploaded files, the credentials) and how much."""
import os
import sqlite3
from pathlib import Path

DATABASE = "clearml.db"
CREDENTIALS = "credentials.json"  # The key pairs and the token signing key.
FILES = "files"  # The file server's uploads, at the paths their URLs name.
UPLOADING = ".upload-"  # The prefix of an upload still being written (it then takes its name).
SPOOL = "tmp"  # Uploads as they arrive, before they move to FILES (emptied at each start).
LOCK = "server.lock"  # Held by the server using the folder, and naming it (lockfile.py).
# What else the server keeps in the data folder, which a backup carries. The rest is written
# again at each start (clearml.conf, clearml.env, SPOOL, LOCK) or belongs to the database (its -wal and -shm,
# the copies kept before upgrades). Something new the server keeps there belongs here too.
KEPT = (CREDENTIALS,)
COUNTED = ("projects", "tasks", "models", "queues", "events")


def read_only(database):
    """A connection that only reads database; sqlite3.Error when it is no SQLite database."""
    db = sqlite3.connect(f"file:{Path(database)}?mode=ro", uri=True, timeout=30)
    db.execute("SELECT count(*) FROM sqlite_master")  # A file that is no database fails here.
    return db


def schema_version(db):
    return db.execute("PRAGMA user_version").fetchone()[0]


def counts(db):
    """{kind: rows} of the objects in db, for COUNTED kinds."""
    return {kind: db.execute(f"SELECT count(*) FROM {kind}").fetchone()[0] for kind in COUNTED}


def kept_files(data_dir):
    """(name, path) of every file that a backup carries besides the database: KEPT, then the
    uploads; name is relative to data_dir, with "/" between its parts."""
    yield from ((name, data_dir / name) for name in KEPT if (data_dir / name).is_file())
    yield from uploads(data_dir)


def uploads(data_dir):
    """(name, path) of the uploaded files in name order, not those still being written."""
    for folder, subfolders, names in os.walk(data_dir / FILES):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if not name.startswith(UPLOADING) and path.is_file() and not path.is_symlink():
                yield path.relative_to(data_dir).as_posix(), path


def disk_use(folder):
    """Bytes of every file under folder."""
    return sum(os.path.getsize(os.path.join(top, name))
               for top, _, names in os.walk(folder) for name in names
               if os.path.isfile(os.path.join(top, name)))
