"""Backups: a consistent copy while writers and an agent work, restored whole and checked; a
damaged, truncated or newer backup, or a restore over data, refused with nothing changed."""
import json
import sqlite3
import threading
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests

from clearml_local.storage.database import SCHEMA_VERSION
from clearml_local.datafolder import DATABASE, LOCK
from conftest import start_server, stop_server
from support import clearml_local, listing, manifest_of, run_script, sha256, start_agent
from support import stop_process, wait_for_status

# What a used data folder holds besides what a backup carries (datafolder.KEPT, the database,
# the uploads): written again at each start, or the database's own.
# Written again at each start, the database's own, or the running server's lock.
NOT_CARRIED = {"clearml.conf", "clearml.env", "clearml.db-wal", "clearml.db-shm", LOCK}


def download(server, url):
    """The bytes of a file server URL, from this server whatever port the URL names."""
    answer = requests.get(f"{server.files_url}{urlsplit(url).path}", timeout=30,
                          headers={"Authorization": f"Bearer {server.token}"})
    assert answer.status_code == 200, answer.text
    return answer.content


class Writer(threading.Thread):
    """Adds one scalar a call to a task of its own until stopped; notes when each was answered."""

    def __init__(self, server, number):
        super().__init__()
        self.server, self.stopped, self.failures = server, threading.Event(), []
        self.task = server.api("tasks.create", name=f"writer {number}", type="training")["id"]
        self.answered = []  # (time.monotonic() of the answer, iteration)

    def run(self):
        try:
            self.write()
        except Exception as exc:  # noqa: BLE001 - the test reads it: a thread cannot fail it.
            self.failures.append(repr(exc))

    def write(self):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.server.token}"
        for iteration in range(20000):
            if self.stopped.is_set():
                return
            event = {"task": self.task, "type": "training_stats_scalar", "metric": "written",
                     "variant": "v", "iter": iteration, "value": iteration}
            meta = http.post(f"{self.server.api_url}/events.add_batch", data=json.dumps(event),
                             timeout=60).json()["meta"]
            if meta["result_code"] != 200:
                self.failures.append(meta)
                return
            self.answered.append((time.monotonic(), iteration))
            time.sleep(0.005)


def busy_agent_task(server, cwd):
    """Enqueue tests/scripts/busy.py for an agent and start one; returns (agent, task id) once
    the task runs and has uploaded its first artifact."""
    server.api("queues.create", name="backup")
    run_script(server, "busy.py", str(cwd / "stop"), cwd=cwd)
    task_id = server.api("tasks.get_all", name="^busy$")["tasks"][0]["id"]
    agent = start_agent(server, "backup", cwd, env={"CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1"})
    deadline = time.monotonic() + 180
    while not (task := server.api("tasks.get_by_id", task=task_id)["task"])["execution"].get(
            "artifacts"):
        if task["status"] not in ("queued", "in_progress") or time.monotonic() > deadline:
            stop_process(agent)
            raise AssertionError(f"busy is {task['status']}:\n{(cwd / 'agent.log').read_text()}")
        time.sleep(0.2)
    return agent, task_id


def back_up_under_load(server, task_id, base):
    """Back up while 4 writers add events and the agent's task goes on; what to check after."""
    # A reader that holds its snapshot keeps the server from checkpointing what comes after
    # it: the writers' events are then only in the WAL, which a copy of the database file
    # alone would miss (on a busy server, the newest writes always are).
    reader = sqlite3.connect(base / "data" / DATABASE)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM tasks").fetchone()
    writers = [Writer(server, number) for number in range(4)]
    for writer in writers:
        writer.start()
    try:
        deadline = time.monotonic() + 60
        while min(len(w.answered) for w in writers) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        artifact = server.api("tasks.get_by_id", task=task_id)["task"]["execution"][
            "artifacts"][0]
        uploaded = download(server, artifact["uri"])
        began = time.monotonic()
        made = clearml_local("backup", base / "backup.tar.gz", "--data-dir", base / "data")
        time.sleep(1)  # The writers and the agent go on past the backup's end.
        status = server.api("tasks.get_by_id", task=task_id)["task"]["status"]
    finally:
        for writer in writers:
            writer.stopped.set()
            writer.join()
        reader.close()
    assert made.returncode == 0 and status == "in_progress", (made.stderr, status)
    return SimpleNamespace(path=base / "backup.tar.gz", output=made.stdout, base=base,
                           answered={w.task: [i for at, i in w.answered if at < began]
                                     for w in writers},
                           failures=[f for w in writers for f in w.failures], task=task_id,
                           artifact=artifact, uploaded=uploaded)


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory):
    """A backup made while 4 writers add events and an agent runs a task that uploads."""
    base = tmp_path_factory.mktemp("backed-up")
    server, agent = start_server(base / "data", base / "home"), None
    try:
        agent, task_id = busy_agent_task(server, base)
        made = back_up_under_load(server, task_id, base)
        (base / "stop").touch()
        wait_for_status(server, task_id, ["completed"], timeout=60)
    finally:
        if agent:
            stop_process(agent)
        stop_server(server)
    return made


@pytest.fixture(scope="module")
def restored(backed_up):
    """The backup restored into a new folder, checked on disk, then served."""
    target = backed_up.base / "restored"
    done = clearml_local("restore", backed_up.path, "--data-dir", target)
    assert done.returncode == 0, done.stderr
    manifest = manifest_of(backed_up.path)
    on_disk = {name: sha256(target / name) for name in manifest["files"]}
    check = sqlite3.connect(target / DATABASE).execute("PRAGMA integrity_check").fetchall()
    server = start_server(target, backed_up.base / "home-restored")
    yield SimpleNamespace(server=server, manifest=manifest, on_disk=on_disk, check=check)
    stop_server(server)


pytestmark = pytest.mark.slow


def test_backup_counts_what_it_holds(backed_up, restored):
    counts = restored.manifest["counts"]
    assert restored.manifest["schema_version"] == SCHEMA_VERSION and counts["tasks"] == 5
    assert counts["events"] > sum(map(len, backed_up.answered.values())) and counts["files"] > 0
    assert backed_up.output.count("\n") == 1 and "5 tasks" in backed_up.output


def test_restored_files_match_the_manifest_and_sqlite_finds_no_damage(restored):
    assert restored.on_disk == {name: entry["sha256"]
                                for name, entry in restored.manifest["files"].items()}
    assert restored.check == [("ok",)]


def test_every_event_answered_before_the_backup_began_is_restored(backed_up, restored):
    assert not backed_up.failures
    for task, iterations in backed_up.answered.items():
        series = restored.server.api("events.scalar_metrics_iter_histogram", task=task)
        kept = set(series["written"]["v"]["x"]) if series else set()
        assert len(iterations) > 10 and set(iterations) <= kept, task


def test_the_agents_task_and_its_upload_are_restored(backed_up, restored):
    task = restored.server.api("tasks.get_by_id", task=backed_up.task)["task"]
    assert task["status"] == "in_progress" and backed_up.artifact in task["execution"]["artifacts"]
    assert download(restored.server, backed_up.artifact["uri"]) == backed_up.uploaded


def test_a_backup_carries_every_file_the_server_keeps(backed_up):
    """Of a folder that the server, the SDK and an agent used, a backup (of the stopped server,
    so that nothing comes after it) holds every file but those written again at each start."""
    folder = backed_up.base / "after"
    assert clearml_local("backup", folder, "--data-dir", backed_up.base / "data").returncode == 0
    left_out = set(listing(backed_up.base / "data")) - set(manifest_of(folder)["files"])
    assert left_out <= NOT_CARRIED
