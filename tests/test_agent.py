"""Execution by the real clearml-agent: daemon and execute, statuses, console, aborts."""
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clearml import Task

from support import run_script, start_agent, stop_process, wait_for_status

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(server, tmp_path_factory):
    run_script(server, "echo_params.py", cwd=tmp_path_factory.mktemp("echo"))
    return Task.get_task(project_name="agents", task_name="echo params")


@pytest.fixture
def queue(server, request):
    """A queue of the test's own, so agents of other tests never take its tasks."""
    name = request.node.name.replace("[", "-").rstrip("]")
    return server.api("queues.create", name=name)["id"], name


def launch(template, queue_id, **params):
    clone = Task.clone(source_task=template, name=f"echo {params}", parent=template.id)
    clone.update_parameters({f"General/{k}": v for k, v in params.items()})
    Task.enqueue(clone, queue_id=queue_id)
    return clone


def console(server, task_id):
    events = server.api("events.get_task_log", task=task_id, batch_size=1000, order="asc")
    return "".join(e.get("msg", "") for e in events["events"])


def test_daemon_runs_a_queued_clone_to_completion(server, template, queue, tmp_path):
    clone = launch(template, queue[0], value=7)
    agent = start_agent(server, queue[1], tmp_path)
    try:
        task = wait_for_status(server, clone.id, ["completed", "failed"], timeout=180,
                               log=lambda: (tmp_path / "agent.log").read_text())
    finally:
        stop_process(agent)
    assert task["status"] == "completed"
    assert f"RUNNING {clone.id} value=7" in console(server, clone.id)
    assert Task.get_task(task_id=clone.id).get_last_scalar_metrics()["result"]["value"][
        "last"] == 7


def test_failing_clone_is_marked_failed(server, template, queue, tmp_path):
    clone = launch(template, queue[0], fail=True)
    agent = start_agent(server, queue[1], tmp_path)
    try:
        task = wait_for_status(server, clone.id, ["completed", "failed"], timeout=180)
    finally:
        stop_process(agent)
    assert task["status"] == "failed"
    assert "asked to fail" in console(server, clone.id)


def test_execute_runs_a_task_by_id(server, template, tmp_path):
    clone = Task.clone(source_task=template, name="executed", parent=template.id)
    clone.update_parameters({"General/value": 3})
    result = subprocess.run(
        [str(Path(sys.executable).parent / "clearml-agent"), "execute", "--id", clone.id],
        cwd=tmp_path, env=server.agent_env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.api("tasks.get_by_id", task=clone.id)["task"]["status"] == "completed"
    assert f"RUNNING {clone.id} value=3" in console(server, clone.id)


def test_abort_stops_an_agent_run_clone(server, template, queue, tmp_path):
    clone = launch(template, queue[0], sleep=300.0)
    agent = start_agent(server, queue[1], tmp_path)
    try:
        wait_for_status(server, clone.id, ["in_progress"], timeout=120)
        deadline = time.monotonic() + 120
        while "RUNNING" not in console(server, clone.id) and time.monotonic() < deadline:
            time.sleep(0.5)
        Task.get_task(task_id=clone.id).mark_stopped()
        task = wait_for_status(server, clone.id, ["stopped", "failed", "completed"], timeout=120,
                               log=lambda: (tmp_path / "agent.log").read_text())
    finally:
        stop_process(agent)
    assert task["status"] == "stopped"


def test_two_agents_never_receive_the_same_task(server, template, queue, tmp_path):
    clones = [launch(template, queue[0], value=index) for index in range(4)]
    agents = []
    for index in range(2):
        (tmp_path / str(index)).mkdir()
        agents.append(start_agent(server, queue[1], tmp_path / str(index)))
    try:
        for clone in clones:
            wait_for_status(server, clone.id, ["completed", "failed"], timeout=300)
    finally:
        for agent in agents:
            stop_process(agent)
    runs = [console(server, c.id).count(f"RUNNING {c.id}") for c in clones]
    logs = [(tmp_path / str(i) / "agent.log").read_text() for i in range(2)]
    taken = [sum(c.id in log for log in logs) for c in clones]
    assert runs == [1, 1, 1, 1] and taken == [1, 1, 1, 1]
