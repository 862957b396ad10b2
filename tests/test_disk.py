"""A full or read-only disk under the data folder: clear errors, nothing corrupted or left over."""
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
import requests

from conftest import ROOT, start_server, stop_server


def mount(path, options):
    """Mount a tmpfs at path; a failure to mount fails the test (CI runs as root)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True,
                   capture_output=True)


def unmount(path):
    if subprocess.run(["umount", str(path)], capture_output=True).returncode:
        subprocess.run(["umount", "--lazy", str(path)], check=True, capture_output=True)


@pytest.fixture
def disk(tmp_path):
    """An 8 MB file system of its own, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    path = tmp_path / "data"
    mount(path, "size=8m,mode=0755")
    yield path
    unmount(path)


@pytest.fixture
def small_disk(disk, tmp_path):
    """A server whose data folder is that small file system."""
    running = start_server(disk, tmp_path / "home")
    yield running
    stop_server(running)


def fill(disk):
    """Take every free byte of the disk with a file of its own; returns that file."""
    filler = disk / "filler"
    # Unbuffered: a buffered file would write its last partial chunk again at close, and fail.
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def upload(server, path, size):
    return requests.post(server.files_url + "/", files={path: (path, b"x" * size)},
                         headers={"Authorization": f"Bearer {server.token}"}, timeout=30)


def scalars(task, count, metric="m"):
    return "\n".join(json.dumps({"type": "training_stats_scalar", "task": task, "metric": metric,
                                 "variant": "v" * 200, "iter": i, "value": 1.0})
                     for i in range(count))


def add_batch(server, body):
    return server.call("events.add_batch", raw=body.encode(),
                       headers={"Content-Type": "application/json-lines"})["meta"]


def test_full_disk_gives_clear_errors_and_recovers(small_disk):
    task = small_disk.api("tasks.create", name="before full", type="training")["id"]
    assert add_batch(small_disk, scalars(task, 1500))["result_code"] == 200
    filler = fill(small_disk.data_dir)
    response = upload(small_disk, "/p/big.bin", 512 * 1024)
    meta = response.json()["meta"]
    assert (response.status_code, meta["result_subcode"]) == (500, 4)
    assert "disk is full" in meta["result_msg"]
    assert not list(small_disk.data_dir.rglob(".upload-*"))
    full = add_batch(small_disk, scalars(task, 3000))
    assert (full["result_code"], full["result_subcode"]) == (500, 4)
    deleted = small_disk.call("events.delete_for_task", {"task": task})["meta"]
    assert (deleted["result_code"], deleted["result_subcode"]) == (500, 4)
    assert "disk is full" in deleted["result_msg"]
    filler.unlink()
    # A new metric: the same iterations of "m" would replace its points (event_bll.py ids).
    assert add_batch(small_disk, scalars(task, 10, "after"))["result_code"] == 200
    assert upload(small_disk, "/p/small.bin", 1000).status_code == 200
    assert small_disk.api("tasks.get_by_id", task=task)["task"]["last_iteration"] == 1499
    assert small_disk.api("events.delete_for_task", task=task)["deleted"] == 1510
    with closing(sqlite3.connect(small_disk.data_dir / "clearml.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "disk is full" in (small_disk.data_dir.parent / "server.log").read_text()


def test_read_only_files_folder_gives_clear_errors(small_disk):
    """The file server's folder turns read-only under a running server (the database stays
    writable: Linux refuses to remount a file system with files open for writing)."""
    files = small_disk.data_dir / "files"
    mount(files, "ro,size=1m")
    try:
        refused = upload(small_disk, "/p/a.bin", 10)
    finally:
        unmount(files)
    meta = refused.json()["meta"]
    assert (refused.status_code, meta["result_subcode"]) == (500, 100)
    assert "read-only" in meta["result_msg"]
    assert upload(small_disk, "/p/a.bin", 10).status_code == 200


def test_read_only_data_folder_at_start_is_one_line(small_disk):
    data_dir = small_disk.data_dir
    stop_server(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(data_dir)], check=True)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "clearml_local", "serve", "--port", "0", "--web-port", "0",
             "--files-port", "0", "--data-dir", str(data_dir)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(data_dir)], check=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "read-only" in result.stderr


@pytest.mark.parametrize("name", ["/a/%00b.bin", "/a/" + "n" * 256 + ".bin", "/a" * 2100])
def test_bad_file_names_are_400(server, name):
    response = requests.get(server.files_url + name, timeout=10,
                            headers={"Authorization": f"Bearer {server.token}"})
    assert response.status_code == 400
    assert "invalid file path" in response.json()["meta"]["result_msg"]
    assert upload(server, name, 10).status_code == 400


def test_uploads_spool_in_the_data_folder_not_the_system_temp(tmp_path):
    """A system temp folder with no room for the upload does not matter: it needs space in the
    data folder only. (Some room is left: Python skips a temp folder it cannot write at all.)"""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    temp = tmp_path / "system-temp"
    mount(temp, "size=1m,mode=0777")
    try:
        filler = fill(temp)
        os.truncate(filler, filler.stat().st_size - 64 * 1024)
        running = start_server(tmp_path / "data", tmp_path / "home",
                               env={**os.environ, "TMPDIR": str(temp)})
        try:
            content = os.urandom(3 * 1024 * 1024)
            assert upload_bytes(running, "/p/big.bin", content).status_code == 200
            assert (running.data_dir / "files/p/big.bin").read_bytes() == content
        finally:
            stop_server(running)
    finally:
        unmount(temp)


def upload_bytes(server, path, content):
    return requests.post(server.files_url + "/", files={path: (path, content)},
                         headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
