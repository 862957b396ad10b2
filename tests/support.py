"""Helpers for tests: run scripts against the server, wait for task states."""
import hashlib
import json
import secrets
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import requests

from clearml_local.storage import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).parent / "scripts"
# Who a Storage used directly in tests acts as.
IDENTITY = {"user": "u", "company": "c", "user_name": "tester"}
# What each schema version added, undone (database.MIGRATIONS in reverse), so that a test can
# turn a new database into an older one and check that Storage upgrades it.
SCHEMA_UNDO = {
    8: "DROP INDEX events_identity; ALTER TABLE events DROP COLUMN no_iter;"
       " ALTER TABLE models DROP COLUMN last_metrics;"
       " CREATE UNIQUE INDEX events_identity ON events (task, type, metric, variant, iter, key);",
    7: "DROP TABLE sessions; DROP TABLE credentials; DROP TABLE users;",
    6: "DROP INDEX events_identity; DROP INDEX events_scalars; ALTER TABLE events DROP COLUMN key;"
       " CREATE INDEX events_task ON events (task, type, metric, variant, iter);",
    5: "",  # References enforced from here: data, not schema.
    4: "DROP INDEX projects_parent; ALTER TABLE projects DROP COLUMN parent;"
       " ALTER TABLE projects DROP COLUMN path;",
    3: "ALTER TABLE tasks DROP COLUMN enqueue_status; ALTER TABLE models DROP COLUMN last_change;",
    2: "DROP INDEX events_task_time;",
}


def older_schema(path, version):
    """Turn the closed database at path, of this server's schema, into one of version."""
    raw = sqlite3.connect(path)
    raw.executescript("".join(SCHEMA_UNDO[v] + ";" for v in range(SCHEMA_VERSION, version, -1))
                      + f"PRAGMA user_version = {version};")
    raw.close()


def run_script(server, name, *args, cwd, timeout=180, check=True):
    """Run tests/scripts/<name> with the SDK pointed at server; returns the CompletedProcess."""
    result = subprocess.run([sys.executable, str(SCRIPTS / name), *args], cwd=cwd,
                            env=server.env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{name} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def find_task(server, project_name, task_name):
    """The newest task of that name in that project, as the API returns it."""
    project = server.api("projects.get_all", name=f"^{project_name}$")["projects"][0]
    tasks = server.api("tasks.get_all", project=[project["id"]], name=f"^{task_name}$",
                       order_by=["-last_update"])["tasks"]
    return tasks[0]


def wait_for_status(server, task_id, statuses, timeout=120, log=None):
    """Poll until the task's status is one of statuses; returns the task."""
    deadline = time.monotonic() + timeout
    while True:
        task = server.api("tasks.get_by_id", task=task_id)["task"]
        if task["status"] in statuses:
            return task
        if time.monotonic() > deadline:
            extra = log() if log else ""
            raise AssertionError(f"task {task_id} is {task['status']} after {timeout}s, "
                                 f"expected {statuses}\n{extra}")
        time.sleep(0.5)


def start_agent(server, queue, cwd, *extra, env=None):
    """A real `clearml-agent daemon` on queue, writing its output to cwd/agent.log; env adds
    variables to the server's agent environment."""
    log = open(Path(cwd) / "agent.log", "w")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", queue,
         "--foreground", *extra], cwd=cwd, env={**server.agent_env, **(env or {})}, stdout=log,
        stderr=subprocess.STDOUT)


def stop_process(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def users_command(server, *args, password=None):
    """Run `python -m clearml_local users ARGS` on the server's data folder (the password, if
    given, on stdin); returns the CompletedProcess."""
    extra = ["--password-stdin"] if password is not None else []
    return subprocess.run(
        [sys.executable, "-m", "clearml_local", "users", *args, *extra, "--data-dir",
         str(server.data_dir)], cwd=Path(__file__).parent.parent, input=password,
        capture_output=True, text=True, timeout=60)


def add_user(server, name):
    """`users add NAME` with a random password, on the server's data folder: the name, the
    password, the printed key pair and the output."""
    password = secrets.token_urlsafe(16)
    result = users_command(server, "add", name, password=password)
    assert result.returncode == 0, result.stdout + result.stderr
    printed = dict(line.strip().split(": ", 1) for line in result.stdout.splitlines()
                   if line.strip().startswith(("access key:", "secret key:")))
    return {"name": name, "password": password, "access_key": printed["access key"],
            "secret_key": printed["secret key"], "output": result.stdout}


def fresh_token(server):
    """A login of its own, for a test that ends its session (auth.logout) or may revoke it."""
    answer = requests.get(f"{server.api_url}/auth.login", timeout=10,
                          auth=(server.access_key, server.secret_key))
    return answer.json()["data"]["token"]
def clearml_local(*args, timeout=300):
    """`python -m clearml_local ARGS`, as a user runs it; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "clearml_local", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def listing(folder):
    """{path: sha256} of every file under folder, to show that nothing changed."""
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(Path(folder).rglob("*"))
            if p.is_file()}


def manifest_of(backup):
    """The manifest of a backup folder or archive."""
    if Path(backup).is_dir():
        return json.loads((Path(backup) / "manifest.json").read_text())
    with tarfile.open(backup) as archive:
        return json.loads(archive.extractfile("manifest.json").read())
