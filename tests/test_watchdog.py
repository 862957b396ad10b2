"""The non-responsive tasks watchdog, against a real clearml-agent killed with kill -9."""
import time

import psutil
import pytest

from conftest import start_server, stop_server
from support import run_script, start_agent, stop_process, wait_for_status

pytestmark = pytest.mark.slow
TIMEOUT = 8  # --task-timeout: the agent below reports every second, well within it.


@pytest.fixture
def watched(tmp_path):
    """A server that stops tasks not updated for TIMEOUT seconds, looking every second."""
    running = start_server(tmp_path / "data", tmp_path / "home",
                           ["--task-timeout", str(TIMEOUT), "--task-check-interval", "1"])
    yield running
    stop_server(running)


def kill_9(process):
    """SIGKILL a process and everything it started, as a crash or an OOM kill would."""
    family = psutil.Process(process.pid).children(recursive=True) + [psutil.Process(process.pid)]
    for member in family:
        member.kill()
    psutil.wait_procs(family, timeout=10)


def test_task_of_a_killed_agent_is_stopped_as_non_responsive(watched, tmp_path, monkeypatch):
    """ClearML Server's apiserver/bll/task/non_responsive_tasks_watchdog.py: a task in_progress
    with no update for threshold_sec is stopped, reason "Forced stop (non-responsive)"."""
    run_script(watched, "echo_params.py", cwd=tmp_path)
    template = watched.api("tasks.get_all", name="^echo params$")["tasks"][0]["id"]
    clone = watched.api("tasks.clone", task=template, new_task_name="sleeper")["id"]
    watched.api("tasks.edit_hyper_params", task=clone, hyperparams=[
        {"section": "General", "name": "sleep", "value": "600.0", "type": "float"}])
    watched.api("tasks.enqueue", task=clone, queue_name="default")
    monkeypatch.setenv("CLEARML_AGENT_STATUS_REPORT_FREQ_SEC", "1")
    agent = start_agent(watched, "default", tmp_path)
    try:
        wait_for_status(watched, clone, ["in_progress"], timeout=120)
        time.sleep(TIMEOUT + 2)  # Alive and reporting: the watchdog must leave it running.
        alive = watched.api("tasks.get_by_id", task=clone)["task"]["status"]
        kill_9(agent)
        task = wait_for_status(watched, clone, ["stopped"], timeout=60)
    finally:
        stop_process(agent)
    assert alive == "in_progress"
    assert task["status_reason"] == task["status_message"] == "Forced stop (non-responsive)"
