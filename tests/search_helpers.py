"""Helpers for the random search's tests: run the controller, read what it printed and did."""
import ast
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTROLLER = ROOT / "random_search.py"
TEMPLATE = ROOT / "base_template_keras_simple.py"
TEMPLATE_NAME = "Keras HP optimization base"
SPACE = {"batch_size": [64, 96, 128, 160, 192], "layer_1": range(128, 512, 32),
         "layer_2": range(128, 512, 32)}
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
