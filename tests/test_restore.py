"""Backup and restore on the command line: a round trip keeps every file; a restore over data,
or of a truncated, altered or newer backup, is refused in one line and changes nothing."""
import shutil
import sqlite3

import pytest

from clearml_local.storage.database import SCHEMA_VERSION
from clearml_local.datafolder import DATABASE
from clearml_local.storage import Storage
from support import IDENTITY, clearml_local, listing, manifest_of

UPLOAD = "files/p/t.1/artifacts/a/a.bin"


def make_data_dir(folder, schema_version=None):
    """A small data folder: a task with a scalar, an upload and credentials."""
    folder.mkdir(parents=True)
    storage = Storage(folder / DATABASE)
    task = storage.create_task({"name": "t", "type": "training"}, IDENTITY)
    storage.add_events([{"task": task, "type": "training_stats_scalar", "metric": "m",
                         "variant": "v", "iter": 0, "value": 1.0, "timestamp": 0}])
    storage.close()
    if schema_version is not None:
        with sqlite3.connect(folder / DATABASE) as db:
            db.execute(f"PRAGMA user_version = {schema_version}")
    (folder / UPLOAD).parent.mkdir(parents=True)
    (folder / UPLOAD).write_bytes(b"uploaded bytes")
    (folder / "credentials.json").write_text('{"access_key": "K"}')
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_data_dir(tmp_path_factory.mktemp("restore") / "data")


@pytest.fixture(scope="module")
def backups(data_dir):
    """{kind: a backup of data_dir} as a folder and as an archive."""
    made = {"folder": data_dir.parent / "folder", "archive": data_dir.parent / "backup.tar.gz"}
    for dest in made.values():
        assert clearml_local("backup", dest, "--data-dir", data_dir).returncode == 0
    return made


@pytest.fixture(params=["folder", "archive"])
def made(backups, request):
    return backups[request.param]


def assert_refused(result, *words):
    """A one-line error naming words, and a failing exit status."""
    assert result.returncode == 1 and result.stdout == "", result
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert all(word in result.stderr for word in words), result.stderr


def test_round_trip_keeps_every_file(made, data_dir, tmp_path):
    (tmp_path / "restored").mkdir()  # An empty folder is as good as none.
    done = clearml_local("restore", made, "--data-dir", tmp_path / "restored")
    kept = listing(tmp_path / "restored")
    assert done.returncode == 0 and "1 tasks, 1 events, 1 files" in done.stdout
    assert kept.keys() == {DATABASE, "credentials.json", UPLOAD}
    assert {name: kept[name] for name in (UPLOAD, "credentials.json")} == {
        name: listing(data_dir)[name] for name in (UPLOAD, "credentials.json")}
    assert (tmp_path / "restored").stat().st_mode & 0o777 == 0o700


def truncated(backups, tmp_path):
    data = backups["archive"].read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[:len(data) // 2])
    return tmp_path / "cut.tar.gz", ("truncated",)


def altered(backups, tmp_path):
    copy = shutil.copytree(backups["folder"], tmp_path / "altered")
    (copy / UPLOAD).write_bytes(b"Uploaded bytes")  # Same size, other bytes.
    return copy, ("damaged", UPLOAD)


def newer(kind):
    def backup_of_newer_schema(backups, tmp_path):
        data = make_data_dir(tmp_path / "newer-data", SCHEMA_VERSION + 1)
        dest = tmp_path / backups[kind].name
        assert clearml_local("backup", dest, "--data-dir", data).returncode == 0
        return dest, (f"schema version {SCHEMA_VERSION + 1}", "newer")
    backup_of_newer_schema.__name__ = f"newer_{kind}"
    return backup_of_newer_schema


def no_manifest(backups, tmp_path):
    (tmp_path / "some folder").mkdir()
    (tmp_path / "some folder" / DATABASE).write_bytes(b"")
    return tmp_path / "some folder", ("no clearml-local backup",)


@pytest.mark.parametrize("damage", [truncated, altered, newer("folder"), newer("archive"),
                                    no_manifest], ids=lambda damage: damage.__name__)
def test_a_bad_backup_is_refused_and_nothing_changes(backups, tmp_path, damage):
    source, words = damage(backups, tmp_path)
    before = listing(tmp_path)
    assert_refused(clearml_local("restore", source, "--data-dir", tmp_path / "new" / "data"),
                   *words)
    assert listing(tmp_path) == before and not (tmp_path / "new").exists()


def test_restore_over_data_is_refused_and_nothing_changes(made, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    assert_refused(clearml_local("restore", made, "--data-dir", tmp_path / "data"),
                   "not empty")
    assert listing(tmp_path) == before


def test_backup_over_anything_is_refused(data_dir, tmp_path):
    (tmp_path / "taken.tar.gz").write_text("something else")
    assert_refused(clearml_local("backup", tmp_path / "taken.tar.gz", "--data-dir", data_dir),
                   "exists")
    assert (tmp_path / "taken.tar.gz").read_text() == "something else"


def test_backup_of_a_folder_without_a_database_is_refused(tmp_path):
    assert_refused(clearml_local("backup", tmp_path / "b", "--data-dir", tmp_path), DATABASE)
    assert not (tmp_path / "b").exists()


def test_manifest_counts_and_checksums(made, data_dir):
    manifest = manifest_of(made)
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert {k: manifest["counts"][k] for k in ("tasks", "events", "files")} == {
        "tasks": 1, "events": 1, "files": 1}
    assert manifest["files"][UPLOAD]["sha256"] == listing(data_dir)[UPLOAD]
