"""Helpers for tests: run scripts against the server, wait for task states."""
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from clearml_local.storage import SCHEMA_VERSION

SCRIPTS = Path(__file__).parent / "scripts"
# Who a Storage used directly in tests acts as.
IDENTITY = {"user": "u", "company": "c", "user_name": "tester"}
# What each schema version added, undone (database.MIGRATIONS in reverse), so that a test can
# turn a new database into an older one and check that Storage upgrades it.
SCHEMA_UNDO = {
    7: "DROP INDEX events_identity; ALTER TABLE events DROP COLUMN no_iter;"
       " ALTER TABLE models DROP COLUMN last_metrics;"
       " CREATE UNIQUE INDEX events_identity ON events (task, type, metric, variant, iter, key);",
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
