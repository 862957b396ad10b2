"""The whole random search as a user runs it, against the same trainings run bare: 10
configurations x 6 epochs on the 5,000-digit set, with one clearml-agent and with two at once,
against one plain Python process training the same 10 configurations one after another; and
each clone's overhead against a bare `python -c "import tensorflow, clearml"`.

The template is registered once (base_template_keras_simple.py, timed apart); each round then
runs `random_search.py --wait` with each agent count and the bare loop, the first side rotating.
The same --seed every time, so that every side trains the very same configurations (the bare
loop takes them from `random_search.py --dry-run`, and every clone is checked against them).
MNIST downloads are pointed at a dead loopback proxy, so all train on the bundled digits.

Run alone with
    .venv/bin/python benchmarks/bench_search.py [--rounds 3] [--quick]
"""
import ast
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import agents
import overhead
from figures import rotated, standalone
from plain_http import ClearMLHTTP
from servers import ROOT, WORKLOADS, clean_environment, print_table, start_clearml_local

TEMPLATE = ROOT / "base_template_keras_simple.py"
CONTROLLER = ROOT / "random_search.py"
TEMPLATE_NAME = "Keras HP optimization base"
NO_DOWNLOADS = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
PARAMETERS = ("batch_size", "epochs", "layer_1", "layer_2", "layer_3")
SIZES = {"configurations": 10, "epochs": 6, "seed": 1}
QUICK = {"configurations": 2, "epochs": 1, "seed": 1}


def timed(command, env, log, timeout=1800):
    """Run command from the project's root, its output appended to log; its wall seconds."""
    start = time.perf_counter()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n")
        out.flush()
        result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(str(command[1])).name} exited {result.returncode}; see {log}")
    return time.perf_counter() - start


def configurations(sizes, template):
    """The configurations random_search.py draws with the seed, completed from the template's
    own parameters (epochs, layer_3), as its clones will train them."""
    printed = subprocess.run(
        [sys.executable, CONTROLLER, "--dry-run", "--experiments", str(sizes["configurations"]),
         "--seed", str(sizes["seed"])], cwd=ROOT, env=clean_environment(), text=True,
        capture_output=True, timeout=300, check=True).stdout
    drawn = [ast.literal_eval(found) for found in
             re.findall(r"would be set with parameters (\{.*\})", printed)]
    general = template["hyperparams"]["General"]
    base = {name: int(general[name]["value"]) for name in PARAMETERS}
    return [{**base, **configuration} for configuration in drawn]


def search(api, env, tmp, sizes, expected, agent_count, label):
    """Seconds of `random_search.py --wait` with agent_count agents serving the queue; the
    clones (checked against expected) and each one's timeline marks."""
    timeline = tmp / f"timeline-{label}.jsonl"
    with agents.running(api, env, tmp, label, agent_count, timeline):
        wall = timed([sys.executable, CONTROLLER, "--experiments", sizes["configurations"],
                      "--seed", sizes["seed"], "--wait"], env, tmp / "search.log")
    controller = api.call("tasks.get_all", {"type": ["optimizer", "controller"],
                                            "order_by": ["-created"], "page": 0,
                                            "page_size": 1})["tasks"][0]
    clones = agents.clones_of(api, controller["id"], PARAMETERS)
    if sorted(map(json.dumps, (c["configuration"] for c in clones))) != sorted(
            map(json.dumps, expected)):
        raise RuntimeError(f"{label}: the clones trained other configurations than drawn")
    lives = overhead.read_timeline(timeline)
    marks = [overhead.clone_marks(lives, c["id"], c["started"], c["completed"]) for c in clones]
    return wall, clones, marks


def bare(configs, tmp):
    """Seconds of one plain process training configs one after another, and what it printed."""
    env = {**clean_environment(), **NO_DOWNLOADS, "HOME": str(tmp / "home-bare")}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, WORKLOADS / "plain_keras_loop.py",
                             json.dumps(configs)], cwd=tmp, env=env, capture_output=True,
                            text=True, timeout=1800, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"plain loop exited {result.returncode}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start, json.loads(result.stdout.strip().splitlines()[-1])


def measure(figures, sizes, rounds, tmp):
    with start_clearml_local(tmp / "server") as server:
        env = {**clean_environment(), **server.env, **NO_DOWNLOADS, "HOME": str(tmp / "home"),
               "PYTHONUNBUFFERED": "1"}
        api = ClearMLHTTP(server)
        register = timed([sys.executable, TEMPLATE, "--epochs", sizes["epochs"]], env,
                         tmp / "search.log")
        template = api.call("tasks.get_all", {"name": f"^{TEMPLATE_NAME}$"})["tasks"][0]
        expected = configurations(sizes, template)
        size = {"configurations": len(expected), "epochs": sizes["epochs"], "digits": 5000}
        one_agent, details = [], {"register_s": register, "bare": []}
        sides = {
            "search_wall_s": lambda n: search(api, env, tmp, sizes, expected, 1, f"one-{n}"),
            "search_2_agents_wall_s": lambda n: search(api, env, tmp, sizes, expected, 2,
                                                       f"two-{n}"),
            "bare_trainings_s": lambda n: bare(expected, tmp),
            "bare_import_s": lambda n: (overhead.bare_process(clean_environment(), runs=1)[0],),
        }
        for round_number in range(rounds):
            for key in rotated(list(sides), round_number):
                answer = sides[key](round_number)
                figures.add(key, answer[0], **size)
                if key == "search_wall_s":
                    one_agent.append(answer)
                    figures.add("clone_overhead_s", per_clone_overhead(*answer[1:]), **size)
                elif key == "bare_trainings_s":
                    details["bare"].append(answer[1])
        details["server_cpu_s"] = server.cpu_seconds()
    details["phases"] = overhead.breakdown([m for _, _, marks in one_agent for m in marks])[0]
    figures.details["search"] = details


def per_clone_overhead(clones, marks):
    """Median over the clones of one agent's run: from the moment the clone could start (it was
    created, and the agent had finished the one before) to its completion, minus its own fit
    and evaluate. Queue hand-over, poll waits, process start, imports and teardown count."""
    spans, free = [], None
    for clone, mark in sorted(zip(clones, marks), key=lambda pair: pair[0]["started"]):
        ready = max(clone["created"], free) if free else clone["created"]
        spans.append(clone["completed"] - ready - (mark["evaluate_end"] - mark["fit_begin"]))
        free = clone["completed"]
    return sorted(spans)[len(spans) // 2]


def print_tables(figures):
    size = figures.sizes["search_wall_s"]
    bare = figures.median("bare_trainings_s")
    rows = [[label, f"{figures.median(key):.1f}", "{:.1f} to {:.1f}".format(*figures.range(key)),
             f"{figures.median(key) / bare:.2f}"] for label, key in (
        ("random_search.py --wait, 1 clearml-agent", "search_wall_s"),
        ("random_search.py --wait, 2 clearml-agents at once", "search_2_agents_wall_s"),
        ("the same trainings, one plain process, one after another", "bare_trainings_s"))]
    details = figures.details.get("search", {})
    print_table(f"Whole search, {size['configurations']} configurations x {size['epochs']} "
                "epochs (seconds, median of the rounds; lower is better)",
                ["way", "wall s", "range", "/ bare"], rows,
                [f"The template's registration (it trains once): {details.get('register_s', 0):.1f}"
                 " s, not counted. Every clone checked against the configurations drawn."])
    phases = details.get("phases", {})
    rows = [[label, "-" if seconds is None else f"{seconds:.2f}"]
            for label, seconds in phases.items()]
    rows += [[f"overhead per clone (median), {_range(figures, 'clone_overhead_s')}",
              f"{figures.median('clone_overhead_s'):.2f}"],
             [f"floor: fresh `python -c \"import tensorflow, clearml\"`, "
              f"{_range(figures, 'bare_import_s')}", f"{figures.median('bare_import_s'):.2f}"]]
    print_table("Where a clone's time goes with 1 agent (seconds, median over the clones)",
                ["phase", "s"], rows, [
                    "Overhead: from when the clone could start (created, the agent free) to "
                    "completed, minus its fit + evaluate; queue and poll waits count."])


def _range(figures, key):
    return "range {:.2f} to {:.2f}".format(*figures.range(key))


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
