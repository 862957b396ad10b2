"""Backups of a data folder: an online, consistent copy with its manifest, and the copy of the
database that the server keeps before it upgrades it."""
import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
from pathlib import Path

from . import __version__
from .datafolder import DATABASE, FILES, counts, kept_files, read_only, schema_version

log = logging.getLogger("clearml_local")
MANIFEST = "manifest.json"
FORMAT = 1  # Of the manifest and the layout; a restore refuses newer ones.
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
CHUNK = 1024 * 1024


def backup(data_dir, dest):
    """Copy the data folder data_dir to dest, a new folder or a new .tar.gz; return the manifest.

    The database is copied with SQLite's online backup API in one read transaction: one
    consistent state even while a server writes (in WAL mode its writers go on meanwhile).
    The uploaded files are copied after it, so every upload answered before the backup began
    is in it. Raises SystemExit with one line when data_dir holds no database or dest exists;
    a backup that fails leaves nothing at dest.
    """
    data_dir, dest = Path(data_dir), Path(dest)
    if not (data_dir / DATABASE).is_file():
        raise SystemExit(f"cannot back up {data_dir}: it holds no {DATABASE} (no clearml-local "
                         "data folder)")
    if dest.exists() or dest.is_symlink():
        raise SystemExit(f"cannot back up to {dest}: it exists; name a new folder or .tar.gz")
    if dest.resolve().is_relative_to((data_dir / FILES).resolve()):
        raise SystemExit(f"cannot back up to {dest}: it is inside the uploads it would copy")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    snapshot_path = dest.with_name(f".{dest.name}.{DATABASE}-{os.getpid()}")
    writer = (ArchiveWriter if dest.name.endswith(ARCHIVE_SUFFIXES) else FolderWriter)(partial)
    try:
        version, found = snapshot(data_dir / DATABASE, snapshot_path)
        entries = {DATABASE: writer.move(DATABASE, snapshot_path)}
        for name, path in kept_files(data_dir):
            with contextlib.suppress(FileNotFoundError):  # Deleted since it was listed.
                entries[name] = writer.copy(name, path)
        manifest = make_manifest(data_dir, version, found, entries)
        writer.write(MANIFEST, json.dumps(manifest, indent=1).encode())
        writer.close()
        os.rename(partial, dest)
    except BaseException:
        writer.abort()
        snapshot_path.unlink(missing_ok=True)
        raise
    return manifest


@contextlib.contextmanager
def kept_before_upgrade(db, path, version):
    """Around the upgrade of the database at path, open as db, to schema version: first a copy
    of it as it is, beside it and named with both versions (clearml.db.schema-5-to-6.backup),
    which the log names. When the block raises, its transaction is rolled back, so that the
    database stays as it was, and SystemExit says so and how to go back. A new database (its
    version 0) is not copied.
    """
    old = schema_version(db)
    if old == 0:
        yield
        return
    copy = path.with_name(f"{path.name}.schema-{old}-to-{version}.backup")
    keep_copy(db, copy)
    log.warning("upgrading %s from schema %d to %d: a copy of it as it was is kept at %s",
                path, old, version, copy)
    try:
        yield
    except Exception as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise SystemExit(f"upgrading {path} from schema {old} to {version} failed ({exc}); it is "
                         f"unchanged: to go back, run the release you used before on this data "
                         f"folder (a copy of the database as it was is also at {copy})") from None


def keep_copy(db, copy):
    """Write the database open as db to the file copy at once (never half of it there)."""
    partial = copy.with_name(f".{copy.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        copy_database(db, partial).close()
        os.replace(partial, copy)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def make_manifest(data_dir, version, found, entries):
    """What restore checks: the schema version, counts, and each file's size and sha256."""
    uploads = [name for name in entries if name.startswith(f"{FILES}/")]
    return {"format": FORMAT, "made_by": f"clearml-local {__version__}",
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "source": str(data_dir), "schema_version": version,
            "counts": {**found, "files": len(uploads)},
            "bytes": {"database": entries[DATABASE]["size"],
                      "files": sum(entries[name]["size"] for name in uploads)},
            "files": entries}


def snapshot(database, target):
    """Copy the database file to target, a new file; returns (its schema version, its counts)."""
    source = read_only(database)
    try:
        copy = copy_database(source, target)
    finally:
        source.close()
    try:
        return schema_version(copy), counts(copy)
    finally:
        copy.close()


def copy_database(source, target):
    """Copy the database open as source into target, a new file, as of one moment (SQLite's
    online backup API in one read transaction); returns a connection to the copy, which is one
    self-contained file (a rollback journal, not WAL)."""
    create_private(target)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        copy.close()
        raise
    return copy


def create_private(path):
    """Create path as an empty file readable by its owner only, whatever the umask; fails when
    it exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def copy_hashed(source, target=None):
    """Copy the open binary file source to the open target (None: only read it); returns
    {size, sha256} of what was read."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        if target is not None:
            target.write(chunk)
        size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


class HashingReader:
    """A binary file's reader that counts and hashes what is read through it."""

    def __init__(self, source):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    @property
    def entry(self):
        return {"size": self.size, "sha256": self.digest.hexdigest()}


class FolderWriter:
    """Writes a backup as a folder: the data folder's layout plus MANIFEST."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(mode=0o700)

    def move(self, name, path):
        Path(path).rename(self.root / name)
        with open(self.root / name, "rb") as source:
            return copy_hashed(source)

    def copy(self, name, path):
        target = self.root / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(path, "rb") as source, open(target, "xb") as out:
            entry = copy_hashed(source, out)
            out.flush()
            os.fsync(out.fileno())
        return entry

    def write(self, name, data):
        with open(self.root / name, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())

    def close(self):
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def abort(self):
        shutil.rmtree(self.root, ignore_errors=True)


class ArchiveWriter:
    """Writes a backup as a .tar.gz: the names of a folder backup, MANIFEST last."""

    def __init__(self, path):
        self.path = Path(path)
        create_private(self.path)
        self.tar = tarfile.open(self.path, "w:gz", compresslevel=6)

    def move(self, name, path):
        entry = self.copy(name, path)
        Path(path).unlink()
        return entry

    def copy(self, name, path):
        with open(path, "rb") as source:
            reader = HashingReader(source)
            # tarfile reads exactly this size; an upload replaces a file, never changes it.
            self.tar.addfile(self._member(name, os.fstat(source.fileno()).st_size), reader)
        return reader.entry

    def write(self, name, data):
        self.tar.addfile(self._member(name, len(data)), io.BytesIO(data))

    def close(self):
        self.tar.close()
        with open(self.path, "rb") as archive:
            os.fsync(archive.fileno())

    def abort(self):
        with contextlib.suppress(Exception):
            self.tar.close()
        self.path.unlink(missing_ok=True)

    @staticmethod
    def _member(name, size):
        member = tarfile.TarInfo(name)
        member.size, member.mode = size, 0o600
        member.mtime = int(datetime.datetime.now().timestamp())
        return member
