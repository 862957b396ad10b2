"""Restoring a backup into a new data folder, checked whole before anything is put in place."""
import gzip
import json
import os
import shutil
import sqlite3
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from .backup import ARCHIVE_SUFFIXES, FORMAT, MANIFEST, copy_hashed
from .storage.database import SCHEMA_VERSION
from .datafolder import DATABASE, read_only, schema_version


class Refused(Exception):
    """Why a backup cannot be restored, in one line."""


def restore(source, data_dir):
    """Restore the backup at source (a folder or .tar.gz that `backup` wrote) into data_dir,
    which must be empty or absent; returns the backup's manifest.

    Raises SystemExit with one line, and leaves data_dir as it was, when data_dir holds
    anything, or the backup is damaged or truncated, differs from its manifest, or holds a
    schema newer than this server's.
    """
    source, data_dir = Path(source), Path(data_dir)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise SystemExit(f"cannot restore into {data_dir}: it is not empty; restore into a new "
                         "or empty folder (a restore never replaces data)")
    created = [path for path in [data_dir.parent, *data_dir.parent.parents] if not path.exists()]
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = data_dir.with_name(f".{data_dir.name}.restoring-{os.getpid()}")
    try:
        staging.mkdir(mode=0o700)
        manifest = unpack(source, staging)
        check_database(staging / DATABASE, manifest)
        os.rename(staging, data_dir)  # Replaces an empty data_dir at once.
    except Refused as exc:
        raise SystemExit(f"cannot restore {source}: {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise SystemExit(f"cannot restore {source} into {data_dir}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for path in created if not data_dir.exists() else ():
            path.rmdir()
    return manifest


def unpack(source, staging):
    """Copy the backup's files into staging, checked against its manifest; returns it."""
    if source.is_dir():
        manifest = read_manifest((source / MANIFEST).read_bytes()
                                 if (source / MANIFEST).is_file() else None)
        found = {name: copy_member(open(source.joinpath(*inside(name)), "rb"), staging, name)
                 for name in manifest["files"] if source.joinpath(*inside(name)).is_file()}
    elif source.is_file() and source.name.endswith(ARCHIVE_SUFFIXES):
        manifest, found = unpack_archive(source, staging)
    else:
        raise Refused("it is neither a backup folder nor a .tar.gz")
    for name, expected in manifest["files"].items():
        if name not in found:
            raise Refused(f"it is incomplete: {name} is missing")
        if found[name] != expected:
            raise Refused(f"it is damaged: {name} differs from the manifest (size "
                          f"{found[name]['size']}, expected {expected['size']})")
    return manifest


def unpack_archive(source, staging):
    """(manifest, {name: {size, sha256}}) of an archive, its files copied into staging."""
    manifest, found = None, {}
    try:
        with tarfile.open(source, "r:gz") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise Refused(f"it is damaged: {member.name} is not a regular file")
                if member.name == MANIFEST:
                    manifest = archive.extractfile(member).read()
                else:
                    found[member.name] = copy_member(archive.extractfile(member), staging,
                                                     member.name)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise Refused(f"it is truncated or damaged ({exc or type(exc).__name__})") from None
    manifest = read_manifest(manifest)
    extra = sorted(set(found) - set(manifest["files"]))
    if extra:
        raise Refused(f"it is damaged: {extra[0]} is not in the manifest")
    return manifest, found


def inside(name):
    """The parts of a backup's file name; Refused when it would leave the data folder."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise Refused(f"it is damaged: {name!r} is not a path inside a data folder")
    return parts


def copy_member(source, staging, name):
    """Copy the open file source to staging/name; returns {size, sha256}."""
    target = staging.joinpath(*inside(name))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with source, open(target, "xb") as out:
        return copy_hashed(source, out)


def read_manifest(data):
    """The manifest in data, checked for what restore relies on."""
    if data is None:
        raise Refused(f"it is no clearml-local backup, or it is truncated: no {MANIFEST}")
    try:
        manifest = json.loads(data)
        files, version, layout = manifest["files"], manifest["schema_version"], manifest["format"]
    except (ValueError, KeyError, TypeError):
        raise Refused(f"it is damaged: {MANIFEST} is not a backup's manifest") from None
    if not isinstance(layout, int) or layout > FORMAT:
        raise Refused(f"it was made by a newer clearml-local (backup format {layout}): restore "
                      "it with that release")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise Refused(f"its database has schema version {version}, newer than this server's "
                      f"{SCHEMA_VERSION}: restore it with a newer clearml-local")
    if not isinstance(files, dict) or DATABASE not in files:
        raise Refused(f"it is damaged: {MANIFEST} lists no {DATABASE}")
    return manifest


def check_database(path, manifest):
    """Refuse a database that SQLite finds damaged or whose version is not the manifest's."""
    try:
        db = read_only(path)
        try:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            version = schema_version(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise Refused(f"it is damaged: {DATABASE} is no SQLite database ({exc})") from None
    if verdict != "ok":
        raise Refused(f"it is damaged: SQLite's integrity check of {DATABASE} says {verdict}")
    if version != manifest["schema_version"]:
        raise Refused(f"it is damaged: {DATABASE} has schema version {version}, its manifest "
                      f"says {manifest['schema_version']}")
