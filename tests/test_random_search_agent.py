"""Real searches: the real template (one epoch), the real controller and one real clearml-agent
running the clones; a plain search, one interrupted and resumed, one that retries a failure."""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from clearml import Task

from search_helpers import (CONTROLLER, NO_DOWNLOADS, SPACE, TEMPLATE, TEMPLATE_NAME, clones_of,
                            controller_id, launched, properties, read_until, run, start, wait_for)
from search_space import sample_configurations
from support import stop_process

pytestmark = pytest.mark.slow
# A run of a task in the agent's log, and what the template prints once it has trained.
AGENT_RUN = re.compile(r"^Running task '(\w+)'$(.*?)^DONE: Running task '\1', exit status (\d+)",
                       re.MULTILINE | re.DOTALL)
TRAINED = re.compile(r"Trained Dense layers of \[(\d+), (\d+), 10\] units, .*\(batch size (\d+)\)")
# Put before the template's stored script: each clone's first run fails, as on a flaky node.
FAIL_FIRST_RUN = """import pathlib, sys
if not pathlib.Path({marker!r}).exists():
    pathlib.Path({marker!r}).touch()
    sys.exit('the first run of this clone fails, as on a flaky node')
"""


@dataclass
class Agent:
    queue: str
    log: Path

    def runs(self, task_ids):
        """[(task id, exit status, configurations trained)] for each run of those tasks, in
        order, once the agent has finished running them."""
        wait_for(lambda: all(self._finished(task_id) for task_id in task_ids))
        return [(task_id, int(status), [
            {"batch_size": int(batch), "layer_1": int(layer_1), "layer_2": int(layer_2)}
            for layer_1, layer_2, batch in TRAINED.findall(body)])
            for task_id, body, status in AGENT_RUN.findall(self.log.read_text())
            if task_id in task_ids]

    def _finished(self, task_id):
        log = self.log.read_text()
        return 0 < log.count(f"Running task '{task_id}'\n") == log.count(
            f"DONE: Running task '{task_id}', exit status")


@pytest.fixture(scope="module")
def template(server, tmp_path_factory):
    """The real template, registered with one epoch (which trains it once)."""
    registered = run([TEMPLATE, "--epochs", "1"], {**server.env, **NO_DOWNLOADS},
                     tmp_path_factory.mktemp("template"), timeout=300)
    assert registered.returncode == 0, registered.stdout + registered.stderr
    return Task.get_task(task_id=controller_id(registered.stdout))


@pytest.fixture(scope="module")
def agent(server, tmp_path_factory, artifacts_dir):
    """One clearml-agent for the module, on a queue of its own that it polls every second."""
    workdir = tmp_path_factory.mktemp("agent")
    queue = f"search-{uuid.uuid4().hex[:8]}"
    server.api("queues.create", name=queue)
    log = workdir / "agent.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", queue,
             "--foreground"], cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
            env={**server.agent_env, **NO_DOWNLOADS, "CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1"})
    yield Agent(queue, log)
    stop_process(process)
    (artifacts_dir / "random_search_agent.log").write_text(log.read_text())


def follow(server, controller, log, timeout=600):
    """Wait for the running controller to exit, polling the server meanwhile; return the most
    clones of its search that were queued or running at once."""
    deadline, most = time.monotonic() + timeout, 0
    while controller.poll() is None:
        assert time.monotonic() < deadline, f"the search did not end in {timeout}s"
        found = re.search(r"created new task id=(\w+)", log.read_text())
        if found:
            most = max(most, len([c for c in clones_of(server, found.group(1), "status")
                                  if c["status"] in ("queued", "in_progress")]))
        time.sleep(0.2)
    return most


@dataclass
class Search:
    template: Task
    controller: Task
    clones: list  # In launch order.
    sampled: list  # The configurations the controller printed, in launch order.
    output: str  # What the controller printed.
    most_active: int  # The most clones queued or running at once, as the server showed them.
    runs: list  # The agent's runs of the clones.


@pytest.fixture(scope="module")
def search(server, template, agent, tmp_path_factory, artifacts_dir):
    """A search of 3 clones, at most 1 queued or running at a time, the template found by name."""
    workdir = tmp_path_factory.mktemp("search")
    log = workdir / "controller.log"
    with open(log, "w") as out:
        controller = subprocess.Popen(
            [sys.executable, str(CONTROLLER), "--seed", "7", "--queue", agent.queue,
             "--experiments", "3", "--max-concurrent", "1", "--wait"],
            env={**server.env, **NO_DOWNLOADS}, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    try:
        most_active = follow(server, controller, log)
    finally:
        controller.kill()
        (artifacts_dir / "random_search_controller.log").write_text(log.read_text())
    output = log.read_text()
    assert controller.returncode == 0, output
    clone_ids = re.findall(r"Experiment id=(\w+) enqueue", output)
    return Search(template, Task.get_task(task_id=controller_id(output)),
                  [Task.get_task(task_id=clone_id) for clone_id in clone_ids], launched(output),
                  output, most_active, agent.runs(clone_ids))


def test_search_launches_the_seeds_configurations(search):
    assert search.sampled == sample_configurations(SPACE, 3, 7)
    assert search.controller.get_parameters()["General/seed"] == "7"


def test_max_concurrent_1_never_has_more_than_one_clone_queued_or_running(search):
    assert search.most_active == 1
    assert [clone.get_status() for clone in search.clones] == ["completed"] * 3


def test_each_configuration_ran_once_in_turn(search):
    assert [(task_id, status, trained) for task_id, status, trained in search.runs] == [
        (clone.id, 0, [sampled]) for clone, sampled in zip(search.clones, search.sampled)]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_clone_is_named_tagged_and_parented_after_the_template(search, index):
    clone = search.clones[index]
    assert (clone.name, clone.parent, clone.get_tags()) == (
        f"{TEMPLATE_NAME} {index}", search.template.id, [f"opt: {search.controller.id}"])


@pytest.mark.parametrize("index", [0, 1])
def test_clone_general_parameters_are_the_sampled_ones(search, index):
    general = {k: v for k, v in search.clones[index].get_parameters().items()
               if k.startswith("General/")}
    sampled = {f"General/{name}": str(value) for name, value in search.sampled[index].items()}
    assert general == {"General/epochs": "1", "General/layer_3": "10", "General/layer_4": "512",
                       **sampled}


@pytest.mark.parametrize("index", [0, 1])
def test_clone_completed_and_reported_evaluate_accuracy(search, index):
    clone = search.clones[index]
    accuracy = clone.get_last_scalar_metrics()["evaluate"]["accuracy"]["last"]
    assert clone.get_status() == "completed" and 0.5 < accuracy <= 1.0


@pytest.mark.parametrize("index", [0, 1])
def test_clone_trained_the_sampled_layers_and_batch_size(search, index):
    """From what the clone's own run printed: Keras' model summary, and the units and the
    steps per epoch read from the trained model and Keras' record of the fit."""
    sampled = search.sampled[index]
    console = "\n".join(search.clones[index].get_reported_console_output(1000))
    steps = -(-4000 // sampled["batch_size"])
    assert (f"Trained Dense layers of [{sampled['layer_1']}, {sampled['layer_2']}, 10] units, "
            f"{steps} steps per epoch on 4000 samples") in console
    assert f"(None, {sampled['layer_1']})" in console and f"(None, {sampled['layer_2']})" in console


@pytest.mark.parametrize("index", [0, 1])
def test_clone_model_is_uploaded_to_the_files_server(server, search, index):
    models = search.clones[index].models["output"]
    assert [(m.framework, m.url.startswith(server.files_url)) for m in models] == [("Keras", True)]


def accuracies(clones):
    return {c.id: c.get_last_scalar_metrics()["evaluate"]["accuracy"]["last"] for c in clones}


def test_leaderboard_lists_the_clones_best_first(search):
    accuracy = accuracies(search.clones)
    board = search.output.split("Leaderboard, best evaluate/accuracy first:")[1]
    printed = re.findall(r"^(\d+)\s+(0\.\d{4})\s.*\s(\w{32})$", board, re.MULTILINE)
    assert [clone_id for _, _, clone_id in printed] == sorted(accuracy, key=accuracy.get,
                                                             reverse=True)
    assert [float(value) for _, value, clone_id in printed] == [
        round(accuracy[clone_id], 4) for _, _, clone_id in printed]


def test_leaderboard_and_plot_are_reported_again_as_each_clone_finishes(search):
    plots = search.controller.get_reported_plots(max_iterations=10)
    assert sorted((p["metric"], p["iter"]) for p in plots) == sorted(
        (metric, finished) for metric in ("leaderboard", "parallel coordinates")
        for finished in (1, 2, 3))
    assert {p["variant"] for p in plots} == {"evaluate/accuracy"}
    assert "parcoords" in next(p["plot_str"] for p in plots if p["metric"] != "leaderboard")


def test_best_so_far_is_reported_against_the_number_of_finished_clones(search):
    accuracy = accuracies(search.clones)
    in_turn = [accuracy[clone.id] for clone in search.clones]
    best = search.controller.get_reported_scalars()["best so far"]["evaluate/accuracy"]
    assert (best["x"], best["y"]) == ([1, 2, 3], pytest.approx(
        [max(in_turn[:finished]) for finished in (1, 2, 3)]))


def test_search_says_where_to_see_its_leaderboard(server, search):
    assert f"{server.web_url}/projects/{search.controller.project}/experiments/" \
           f"{search.controller.id}/output/log" in search.output


def test_printed_compare_link_opens_the_comparison_of_the_clones(server, search):
    link = re.search(r"^Compare the clones, .* at (\S+)$", search.output, re.MULTILINE).group(1)
    page = requests.get(link, headers={"Authorization": f"Bearer {server.token}"}, timeout=10)
    assert page.status_code == 200 and page.url.startswith(f"{server.web_url}/compare?ids=")
    assert sorted(page.url.split("ids=")[1].split(",")) == sorted(c.id for c in search.clones)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_search_follows_each_clone_to_the_end(search, index):
    clone = search.clones[index]
    assert re.search(rf"\] {re.escape(clone.name)} \({clone.id}\): completed$", search.output,
                     re.MULTILINE)


# A search whose controller dies once its first clone has completed, resumed with --resume.

@pytest.fixture(scope="module")
def resumed(server, template, agent, tmp_path_factory):
    workdir, env = tmp_path_factory.mktemp("resumed"), {**server.env, **NO_DOWNLOADS}
    first = start(["--template-id", template.id, "--seed", "11", "--experiments", "2", "--queue",
                   agent.queue, "--max-concurrent", "1", "--wait"], env, workdir)
    try:
        output = read_until(first, r"\): completed$")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    search = controller_id(output)
    again = run([CONTROLLER, "--resume", search, "--wait"], env, workdir, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    clones = clones_of(server, search, "status")
    return {"output": output + again.stdout, "clones": clones,
            "runs": agent.runs([clone["id"] for clone in clones])}


def test_resumed_search_trains_each_configuration_of_its_seed_exactly_once(resumed):
    trained = Counter(str(configuration) for _, _, configurations in resumed["runs"]
                      for configuration in configurations)
    assert trained == Counter(str(c) for c in sample_configurations(SPACE, 2, 11))
    assert Counter(task_id for task_id, _, _ in resumed["runs"]) == {
        clone["id"]: 1 for clone in resumed["clones"]}


def test_resumed_search_completes_every_clone_and_follows_them_all(resumed):
    assert [clone["status"] for clone in resumed["clones"]] == ["completed", "completed"]
    assert "Experiment 0 was launched before" in resumed["output"]
    assert "Leaderboard, best evaluate/accuracy first:" in resumed["output"]


# A search of one clone whose first run fails, with --retry 1.

@pytest.fixture(scope="module")
def retried(server, template, agent, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("retried")
    flaky = Task.clone(source_task=template, name="flaky template")
    flaky.set_script(diff=FAIL_FIRST_RUN.format(marker=str(workdir / "failed-once"))
                     + template.data.script.diff)
    result = run([CONTROLLER, "--template-id", flaky.id, "--seed", "3", "--experiments", "1",
                  "--queue", agent.queue, "--retry", "1", "--wait"],
                 {**server.env, **NO_DOWNLOADS}, workdir, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    clone = re.search(r"Experiment id=(\w+) enqueue", result.stdout).group(1)
    return {"output": result.stdout, "clone": clone, "runs": agent.runs([clone])}


def test_failed_clone_runs_again_and_trains_its_configuration_once(retried):
    sampled = sample_configurations(SPACE, 1, 3)
    assert [(status, trained) for _, status, trained in retried["runs"]] == [(1, []),
                                                                            (0, sampled)]
    assert Task.get_task(task_id=retried["clone"]).get_status() == "completed"


def test_retry_is_recorded_on_the_clone_and_the_leaderboard(server, retried):
    recorded = properties(server, retried["clone"])
    assert (recorded["attempts"], recorded["failures"]) == ("2", "1")
    assert recorded["requeued"].startswith("the last attempt failed: ")
    assert re.search(rf"^1\s+0\.\d{{4}}\s.*\scompleted\s+2\s.*{retried['clone']}$",
                     retried["output"], re.MULTILINE)
