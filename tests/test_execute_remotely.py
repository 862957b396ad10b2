"""Task.execute_remotely() as ClearML users call it, with a real clearml-agent running the task."""
import re
import subprocess
import sys

import pytest
from clearml import Task

from support import SCRIPTS, start_agent, stop_process, wait_for_status

pytestmark = pytest.mark.slow
SQUARES_BELOW_7 = sum(i * i for i in range(7))
# execute_remotely's options: no queue, the defaults (enqueue this task, exit), clone=True,
# and clone=True with exit_process=False.
QUEUE = ("--queue", "remote execution")
MODES = {"no queue": (), "defaults": QUEUE, "clone": (*QUEUE, "--clone"),
         "clone, stay": (*QUEUE, "--clone", "--stay")}


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    """{mode: console output} of remote.py run once per mode, on one agent's queue."""
    server.api("queues.create", name="remote execution")
    agent = start_agent(server, "remote execution", tmp_path_factory.mktemp("agent"))
    try:
        processes = {mode: subprocess.Popen(
            [sys.executable, str(SCRIPTS / "remote.py"), "--n", "7", *options], env=server.env,
            cwd=tmp_path_factory.mktemp("run"), text=True, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT) for mode, options in MODES.items()}
        yield {mode: process.communicate(timeout=180)[0] for mode, process in processes.items()}
    finally:
        stop_process(agent)


def remote_task(server, output):
    """The task the agent runs: the enqueued clone, else the script's own task."""
    own = re.search(r"task id=(\w+)", output).group(1)
    clones = server.api("tasks.get_all", parent=[own], only_fields=["id"])["tasks"]
    return own, clones[0]["id"] if clones else own


def reported(task_id):
    """{variant: value} of the 'sum of squares' scalars the task reported."""
    metrics = Task.get_task(task_id=task_id).get_last_scalar_metrics()
    return {variant: value["last"] for variant, value in metrics["sum of squares"].items()}


def test_without_a_queue_the_task_is_left_as_a_draft(server, runs):
    task = Task.get_task(task_id=re.search(r"task id=(\w+)", runs["no queue"]).group(1))
    assert "RESULT" not in runs["no queue"]
    assert task.get_status() == "created" and "development" not in task.get_system_tags()


@pytest.mark.parametrize("mode", [mode for mode in MODES if mode != "no queue"])
def test_agent_runs_the_task_and_reports_what_the_code_computes(server, runs, mode):
    own, remote = remote_task(server, runs[mode])
    assert wait_for_status(server, remote, ["completed", "failed"], timeout=150,
                           log=lambda: runs[mode])["status"] == "completed"
    assert reported(remote) == {"remote": SQUARES_BELOW_7}
    assert (remote != own) == ("clone" in mode)
    assert (f"RESULT local {own} {SQUARES_BELOW_7}" in runs[mode]) == (mode == "clone, stay")
