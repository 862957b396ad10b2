"""Wall time of the random search via our server and clearml-agent vs the same training in a loop.

The ClearML way, as `make search` does it: register the template (base_template_keras_simple.py
--epochs 1, which trains once), then random_search.py --wait clones it N times and a real
clearml-agent daemon runs the clones. The baseline trains the very configurations the clones
trained (read back from the server) in one plain Python loop, without ClearML. MNIST downloads
are pointed at a dead loopback proxy, so both train on the bundled fallback digits and no traffic
leaves the machine. Run alone with
    .venv/bin/python benchmarks/bench_search.py [--experiments 3] [--seed 1]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import overhead
from servers import ROOT, ClearMLAPI, clean_environment, print_table, start_clearml_local

TEMPLATE = ROOT / "base_template_keras_simple.py"
CONTROLLER = ROOT / "random_search.py"
PLAIN_LOOP = Path(__file__).resolve().parent / "workloads" / "plain_keras_loop.py"
TEMPLATE_NAME = "Keras HP optimization base"
NO_DOWNLOADS = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
PARAMETERS = ("batch_size", "epochs", "layer_1", "layer_2", "layer_3")


def scripts_ready():
    """None if both scripts exist and the controller answers --help, else why not.

    (The template calls Task.init before parsing its flags, so its --help needs a server; it is
    checked by running it.)
    """
    for script in (TEMPLATE, CONTROLLER):
        if not script.exists():
            return f"{script.name} does not exist yet"
    result = subprocess.run([sys.executable, str(CONTROLLER), "--help"], capture_output=True,
                            text=True, timeout=120, env=clean_environment())
    if result.returncode != 0:
        return f"`{CONTROLLER.name} --help` exited {result.returncode}"
    return None


def timed(command, env, cwd, log, timeout=1800):
    """Run command, its output appended to log; return its wall time in seconds."""
    start = time.perf_counter()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n")
        out.flush()
        result = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, timeout=timeout)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{command[1]} exited {result.returncode}; see {log}")
    return elapsed


def start_agent(env, cwd, log, timeline):
    """A real `clearml-agent daemon` on the queue `default`, started as the README says (this
    Python, no venv build, 1 s polling); every Python process it starts records its phases into
    timeline."""
    agent_env = {**env, **overhead.timeline_env(timeline), "CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1",
                 "CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL": "1",
                 "CLEARML_AGENT_SKIP_PIP_VENV_INSTALL": sys.executable,
                 "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", "default",
         "--foreground"], cwd=cwd, env=agent_env, stdout=open(log, "w"),
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


def wait_for_worker(api, agent, timeout=120):
    """Return once the agent has registered with the server (it then polls the queue)."""
    deadline = time.monotonic() + timeout
    while not api.call("workers.get_all")["workers"]:
        if agent.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("clearml-agent did not register with the server")
        time.sleep(0.5)


@dataclass
class Clone:
    """One clone as the server recorded it."""

    id: str
    configuration: dict
    accuracy: float
    queued_s: float  # From its creation to the agent pulling it.
    running_s: float  # From then to completed.
    started: datetime  # When the agent pulled it (tasks.started, "pulled by agent").
    completed: datetime


def clones_of(api, template_id):
    """The template's clones; RuntimeError unless every one completed."""
    clones = []
    for task in api.call("tasks.get_all", {"parent": [template_id], "order_by": ["name"]})["tasks"]:
        if task["status"] != "completed":
            raise RuntimeError(f"clone {task['name']} ended {task['status']}")
        general = task["hyperparams"]["General"]
        created, started, completed = (datetime.fromisoformat(task[key]) for key in
                                       ("created", "started", "completed"))
        clones.append(Clone(task["id"], {name: int(general[name]["value"]) for name in PARAMETERS},
                            accuracy(task), (started - created).total_seconds(),
                            (completed - started).total_seconds(), started, completed))
    return clones


def accuracy(task):
    """The task's last reported evaluate/accuracy, or None."""
    for variants in (task.get("last_metrics") or {}).values():
        for metric in variants.values():
            if (metric.get("metric"), metric.get("variant")) == ("evaluate", "accuracy"):
                return metric.get("value")
    return None


def clearml_search(experiments, seed, tmp):
    """Register the template, run the controller with an agent serving the queue; time both."""
    with start_clearml_local(tmp / "server") as server:
        env = {**clean_environment(), **server.env, **NO_DOWNLOADS, "HOME": str(tmp / "home"),
               "PYTHONUNBUFFERED": "1"}
        api = ClearMLAPI(server)
        log = tmp / "search.log"
        agent = start_agent(env, tmp, tmp / "agent.log", tmp / "timeline.jsonl")
        try:
            wait_for_worker(api, agent)
            register = timed([sys.executable, TEMPLATE, "--epochs", "1"], env, ROOT, log)
            template = api.call("tasks.get_all", {"name": f"^{TEMPLATE_NAME}$"})["tasks"][0]
            search = timed([sys.executable, CONTROLLER, "--experiments", str(experiments),
                            "--seed", str(seed), "--wait"], env, ROOT, log)
            exited = datetime.now(timezone.utc)
            clones = clones_of(api, template["id"])
            server_cpu = server.cpu_seconds()
        finally:
            stop_agent(agent)
    if len(clones) != experiments:
        raise RuntimeError(f"expected {experiments} clones, found {len(clones)}; see {log}")
    after_last = (exited - max(clone.completed for clone in clones)).total_seconds()
    return register, search, clones, {"server_cpu": server_cpu, "after_last": after_last}


def plain_loop(configurations, tmp):
    """Train the configurations in one process; return its wall time and what it printed."""
    env = {**clean_environment(), **NO_DOWNLOADS, "HOME": str(tmp / "home-plain")}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, PLAIN_LOOP, json.dumps(configurations)], cwd=tmp,
                            env=env, capture_output=True, text=True, timeout=1800,
                            stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"plain loop exited {result.returncode}:\n{result.stderr[-3000:]}")
    return elapsed, json.loads(result.stdout.strip().splitlines()[-1])


def run(experiments=3, seed=1):
    not_ready = scripts_ready()
    if not_ready:
        print(f"\n### Whole search: skipped ({not_ready})\n", flush=True)
        return None
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        tmp = Path(tmp)
        register, search, clones, extra = clearml_search(experiments, seed, tmp)
        processes = overhead.read_timeline(tmp / "timeline.jsonl")
        marks = [overhead.clone_marks(processes, clone.id, clone.started.timestamp(),
                                      clone.completed.timestamp()) for clone in clones]
        plain, printed = plain_loop([clone.configuration for clone in clones], tmp)
    total = register + search
    rows = [
        ["ClearML: register the template (trains once, 1 epoch)", f"{register:.1f}", ""],
        [f"ClearML: random_search.py --wait, {experiments} clones run by clearml-agent",
         f"{search:.1f}", f"{search / plain:.1f}"],
        ["ClearML: the whole search (both)", f"{total:.1f}", f"{total / plain:.1f}"],
        [f"plain Python loop, the same {experiments} configurations, no ClearML",
         f"{plain:.1f}", "1.0"],
    ]
    print_table(
        f"Whole random search, {experiments} configurations of 1 epoch (seconds, one run; "
        "lower is better)", ["way", "wall s", "this / plain loop"], rows,
        notes(clones, printed, extra))
    return print_overhead(marks, extra, len(clones))


def print_overhead(marks, extra, clones):
    """The per-clone breakdown table; returns clone_overhead_s and bare_process_s."""
    phases, overhead_s = overhead.breakdown(marks)
    bare, empty = overhead.bare_process(clean_environment())
    rows = [[label, "-" if seconds is None else f"{seconds:.2f}"]
            for label, seconds in phases.items()]
    rows += [["overhead: dequeue -> completed, minus training", f"{overhead_s:.2f}"],
             ['floor: fresh `python -c "import tensorflow, clearml"`', f"{bare:.2f}"],
             ["overhead / floor", f"{overhead_s / bare:.1f}"]]
    cpu = extra["server_cpu"]
    print_table(f"Where a clone's time goes, median of {clones} clones (seconds)",
                ["phase", "s"], rows, [
                    "Measured by a sitecustomize on the agent's PYTHONPATH (timestamps only); "
                    f"a fresh `python -c pass` takes {empty:.2f}s."
                    + (f" The server used {cpu / clones:.2f}s of CPU per clone (all its answers "
                       "to the template, controller, agent)." if cpu is not None else "")])
    return {"clone_overhead_s": overhead_s, "bare_process_s": bare, "phases": phases}


def notes(clones, printed, extra):
    """What the search table's numbers are made of."""
    same = "; ".join(
        f"{', '.join(f'{k}={v}' for k, v in clone.configuration.items() if k != 'epochs')} -> "
        f"accuracy {clone.accuracy if clone.accuracy is None else round(clone.accuracy, 3)} "
        f"(ClearML) / {round(loop_accuracy, 3)} (loop)"
        for clone, loop_accuracy in zip(clones, printed["accuracies"]))
    cpu = extra["server_cpu"]
    return [
        f"The plain loop: {printed['import']:.1f}s importing TensorFlow/Keras once, trainings of "
        + ", ".join(f"{t:.1f}s" for t in printed["trainings"]) + f". The same configurations: "
        f"{same}.",
        "Each clone from its creation to the agent pulling it / from then to completed: "
        + ", ".join(f"{clone.queued_s:.0f}s / {clone.running_s:.0f}s" for clone in clones)
        + " (the agent runs one clone at a time, each in a new Python process that imports "
        f"TensorFlow and the clearml SDK). random_search.py exited {extra['after_last']:.0f}s "
        "after the last clone completed (status polling, leaderboard, the SDK's exit)."
        + (f" clearml_local used {cpu:.1f}s of CPU in all." if cpu is not None else ""),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.experiments, args.seed)


if __name__ == "__main__":
    main()
