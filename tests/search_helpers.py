"""Helpers for the random search's tests: run the controller, read what it printed and did."""
import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from clearml import Task

from support import find_task, run_script

ROOT = Path(__file__).resolve().parent.parent
CONTROLLER = ROOT / "random_search.py"
TEMPLATE = ROOT / "base_template_keras_simple.py"
TEMPLATE_NAME = "Keras HP optimization base"
SPACE = {"batch_size": [64, 96, 128, 160, 192], "layer_1": range(128, 512, 32),
         "layer_2": range(128, 512, 32)}
# The space of the score template (tests/scripts/score_template.py), an argparse script.
ANY_TASK_PROJECT = "search your own task"
ANY_TASK_SPACE = [
    {"name": "Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1},
    {"name": "Args/layers", "type": "UniformIntegerParameterRange", "min_value": 2,
     "max_value": 8, "step_size": 2},
    {"name": "Args/optimizer", "type": "DiscreteParameterRange",
     "values": ["adam", "sgd", "rmsprop"]},
]
_score_templates, _any_task_searches = {}, {}
# MNIST's download fails as on a machine without internet, whatever this one has: the fallback runs.
NO_DOWNLOADS = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def unconfigured_env(home):
    """os.environ without any ClearML setting, and a HOME without clearml.conf."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("CLEARML_", "TRAINS_"))},
            "HOME": str(home)}


def run(args, env, cwd, timeout=120):
    return subprocess.run([sys.executable, *map(str, args)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def start(args, env, cwd):
    """The controller, running in a session of its own, its output read line by line."""
    return subprocess.Popen([sys.executable, str(CONTROLLER), *map(str, args)], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def read_until(controller, pattern):
    """What the running controller printed, up to the first line that matches pattern."""
    output = []
    for line in controller.stdout:
        output.append(line)
        if re.search(pattern, line):
            return "".join(output)
    raise AssertionError(f"the controller ended before printing {pattern!r}:\n{''.join(output)}")


def launched(stdout):
    """The configurations the controller printed, in order."""
    return [ast.literal_eval(found) for found in
            re.findall(r"Experiment \d+ (?:would be )?set with parameters (\{.*\})", stdout)]


def controller_id(stdout):
    return re.search(r"created new task id=(\w+)", stdout).group(1)


def clones_of(server, controller, *fields):
    """The search's clones as the server finds them by their tag, oldest first."""
    return server.api("tasks.get_all", tags=[f"opt: {controller}"], order_by=["created"],
                      only_fields=["id", *fields])["tasks"]


def properties(server, task_id):
    """The task's user properties, name -> value."""
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    return {name: item["value"] for name, item in task["hyperparams"].get("properties", {}).items()}


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not so after {timeout}s"
        time.sleep(0.2)


def any_task_search(server, queue, sign, series, tmp_path_factory, artifacts_dir):
    """A finished search of the score template on `queue`'s agent, for validation/<series> with
    that sign: 5 clones, the space in a file for max and inline for min; made once per server.
    Returns its sign, series, output, the configurations drawn (by bare name), the clones (in
    launch order) and the controller."""
    key = (server.data_dir, sign, series)
    if key not in _any_task_searches:
        workdir = tmp_path_factory.mktemp(f"search-{sign}")
        template = _score_template(server, workdir)
        (workdir / "space.json").write_text(json.dumps(ANY_TASK_SPACE))
        space = ["@space.json"] if sign == "max" else [json.dumps(p) for p in ANY_TASK_SPACE]
        result = run([CONTROLLER, "--template-id", template, "--project", ANY_TASK_PROJECT,
                      "--queue", queue, "--experiments", "5", "--seed", "5", "--params-search",
                      *space, "--params-override", json.dumps({"name": "Args/note", "value": sign}),
                      "--objective-metric-title", "validation", "--objective-metric-series",
                      series, "--objective-metric-sign", sign, "--wait"], server.env, workdir,
                     timeout=600)
        (artifacts_dir / f"random_search_{sign}_{series}.log").write_text(result.stdout)
        assert result.returncode == 0, result.stdout + result.stderr
        _any_task_searches[key] = {
            "sign": sign, "series": series, "output": result.stdout,
            "drawn": [{name.split("/")[1]: value for name, value in configuration.items()}
                      for configuration in launched(result.stdout)],
            "clones": [Task.get_task(task_id=clone_id) for clone_id in
                       re.findall(r"Experiment id=(\w+) enqueue", result.stdout)],
            "controller": Task.get_task(task_id=controller_id(result.stdout))}
    return _any_task_searches[key]


def _score_template(server, workdir):
    """The score template's id, registered by running it once (per server)."""
    if server.data_dir not in _score_templates:
        run_script(server, "score_template.py", cwd=workdir)
        _score_templates[server.data_dir] = find_task(server, ANY_TASK_PROJECT,
                                                      "score template")["id"]
    return _score_templates[server.data_dir]
