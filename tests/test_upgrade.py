"""Data folders written by each earlier release on main open with this one: every task, event,
upload and model kept, the new schema whole, and the database from before kept beside it."""
import hashlib
import json
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from clearml_local.datafolder import DATABASE, read_only
from clearml_local.storage import Storage
from clearml_local.storage.database import SCHEMA_VERSION
from conftest import start_server, stop_server
from support import clearml_local, sha256

# Made by make.py beside them, which says how: one per release that wrote a schema of its own.
FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"
RELEASES = sorted(FIXTURES.glob("schema*.tar.gz"))


def unpack(archive, folder):
    with tarfile.open(archive) as fixture:
        fixture.extractall(folder, filter="data")
    return json.loads(archive.with_name(archive.name.replace(".tar.gz", ".json")).read_text())


def events_by_task_and_type(database):
    db = read_only(database)
    try:
        return {f"{task} {kind}": count for task, kind, count in db.execute(
            "SELECT task, type, count(*) FROM events GROUP BY task, type")}
    finally:
        db.close()


def shape(database):
    """{table: its columns} and the index names of a database: its schema, whatever the order."""
    db = read_only(database)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                               "'table' AND name NOT LIKE 'sqlite_%'")]
        return ({table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                 for table in tables},
                {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                              "'index' AND name NOT LIKE 'sqlite_%'")})
    finally:
        db.close()


@pytest.fixture(scope="module", params=RELEASES, ids=lambda path: path.name.split(".")[0])
def upgraded(request, tmp_path_factory):
    """A fixture's data folder served by this release, and what its own release read back."""
    base = tmp_path_factory.mktemp(request.param.name.split(".")[0])
    expected = unpack(request.param, base / "data")
    server = start_server(base / "data", base / "home")
    (base / "home").mkdir(exist_ok=True)
    yield SimpleNamespace(server=server, expected=expected, data=base / "data", base=base)
    stop_server(server)


def test_every_task_reads_back_as_its_release_answered(upgraded):
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "record.py"), "read", *upgraded.expected["read"]],
        cwd=upgraded.base, env=upgraded.server.env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("READ ")]
    assert lines, done.stderr
    assert json.loads(lines[0][len("READ "):]) == upgraded.expected["read"]


def test_every_event_is_kept(upgraded):
    assert events_by_task_and_type(upgraded.data / DATABASE) == upgraded.expected["events"]


def test_every_upload_is_served(upgraded):
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {upgraded.server.token}"
    served = {path: http.get(f"{upgraded.server.files_url}/{path}", timeout=30)
              for path in upgraded.expected["files"]}
    assert {path: hashlib.sha256(answer.content).hexdigest()
            for path, answer in served.items()} == upgraded.expected["files"]


def test_the_schema_is_a_new_databases(upgraded, tmp_path):
    Storage(tmp_path / "new.db").close()
    assert shape(upgraded.data / DATABASE) == shape(tmp_path / "new.db")


def test_the_database_from_before_is_kept_beside_it_and_logged(upgraded):
    old = upgraded.expected["schema_version"]
    copies = sorted(path.name for path in upgraded.data.glob("*.backup"))
    if old == SCHEMA_VERSION:
        assert copies == []
        return
    copy = upgraded.data / f"{DATABASE}.schema-{old}-to-{SCHEMA_VERSION}.backup"
    assert copies == [copy.name] and str(copy) in (upgraded.base / "server.log").read_text()
    db = read_only(copy)
    assert db.execute("PRAGMA user_version").fetchone()[0] == old
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()
    assert events_by_task_and_type(copy) == upgraded.expected["events"]


def test_a_failed_upgrade_leaves_the_database_as_it_was_and_says_how_to_go_back(tmp_path):
    """Schema 6 creates the index events_scalars: one already there makes the upgrade fail."""
    expected = unpack(FIXTURES / "schema5-fb61e7c.tar.gz", tmp_path / "data")
    with sqlite3.connect(tmp_path / "data" / DATABASE) as db:
        db.execute("CREATE INDEX events_scalars ON events (task)")
    before = sha256(tmp_path / "data" / DATABASE)
    done = clearml_local("serve", "--port", "0", "--web-port", "0", "--files-port", "0",
                         "--data-dir", tmp_path / "data", timeout=60)
    error = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and f"from schema 5 to {SCHEMA_VERSION} failed" in error
    assert "unchanged" in error and "to go back, run the release you used before" in error
    assert sha256(tmp_path / "data" / DATABASE) == before
    assert events_by_task_and_type(tmp_path / "data" / DATABASE) == expected["events"]


def test_a_backup_of_an_old_folder_restores_and_upgrades(tmp_path):
    """Backed up before this release first opened it, restored, then opened: all there."""
    expected = unpack(FIXTURES / "schema1-a47a59b.tar.gz", tmp_path / "old")
    assert clearml_local("backup", tmp_path / "old.tar.gz", "--data-dir", tmp_path / "old"
                         ).returncode == 0
    assert clearml_local("restore", tmp_path / "old.tar.gz", "--data-dir", tmp_path / "data"
                         ).returncode == 0
    server = start_server(tmp_path / "data", tmp_path / "home")
    try:
        found = server.api("tasks.get_all", id=list(expected["read"]), only_fields=["name"])
    finally:
        stop_server(server)
    assert sorted(task["name"] for task in found["tasks"]) == ["recorded", "recorded clone"]
    assert events_by_task_and_type(tmp_path / "data" / DATABASE) == expected["events"]
    assert (tmp_path / "data" / f"{DATABASE}.schema-1-to-{SCHEMA_VERSION}.backup").is_file()
