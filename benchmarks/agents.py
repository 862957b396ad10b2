"""Real `clearml-agent daemon`s serving the queue `default` for the search benchmark, started as
the README says (this Python, no venv build, 1 s polling), and the clones a search made."""
import contextlib
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import overhead


def start_agent(env, tmp, worker_id, timeline):
    """One agent under worker_id; every Python process it starts records its phases into
    timeline. Its own HOME, so that agents on one machine share no state."""
    home = tmp / f"home-{worker_id}"
    home.mkdir(parents=True, exist_ok=True)
    agent_env = {**env, **overhead.timeline_env(timeline), "HOME": str(home),
                 "CLEARML_WORKER_ID": worker_id, "CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1",
                 "CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL": "1",
                 "CLEARML_AGENT_SKIP_PIP_VENV_INSTALL": sys.executable,
                 "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", "default",
         "--foreground"], cwd=tmp, env=agent_env, stdout=open(tmp / f"{worker_id}.log", "w"),
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def stop_agent(agent):
    """Stop the agent and whatever task process it still runs (its own process group)."""
    if agent.poll() is None:
        os.killpg(agent.pid, 15)
        try:
            agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(agent.pid, 9)
            agent.wait()


@contextlib.contextmanager
def running(api, env, tmp, label, count, timeline):
    """count agents, up and registered with the server; all stopped on leaving."""
    worker_ids = [f"bench-{label}-{i}" for i in range(count)]
    started = [start_agent(env, tmp, worker_id, timeline) for worker_id in worker_ids]
    try:
        wait_for_workers(api, started, worker_ids)
        yield started
    finally:
        for agent in started:
            stop_agent(agent)


def wait_for_workers(api, started, worker_ids, timeout=120):
    deadline = time.monotonic() + timeout
    while not set(worker_ids) <= {w["id"] for w in api.call("workers.get_all")["workers"]}:
        if any(agent.poll() is not None for agent in started) or time.monotonic() > deadline:
            raise RuntimeError(f"clearml-agents {worker_ids} did not register with the server")
        time.sleep(0.5)


def clones_of(api, controller_id, parameters):
    """The clones tagged 'opt: <controller>': id, configuration and created, started (pulled by
    an agent) and completed as POSIX seconds; RuntimeError unless every one completed."""
    clones = []
    for task in api.call("tasks.get_all", {"tags": [f"opt: {controller_id}"]})["tasks"]:
        if task["status"] != "completed":
            raise RuntimeError(f"clone {task['name']} ended {task['status']}")
        general = task["hyperparams"]["General"]
        clones.append({"id": task["id"],
                       "configuration": {name: int(general[name]["value"]) for name in parameters},
                       **{key: datetime.fromisoformat(task[key]).timestamp()
                          for key in ("created", "started", "completed")}})
    return clones
