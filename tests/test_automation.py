"""ClearML automation end to end: HyperParameterOptimizer with RandomSearch, GridSearch and
Optuna on an agent; TaskScheduler and TriggerScheduler fire on what matches and nothing else."""
import hashlib
import re
import subprocess
import sys
import time
from itertools import product

import pytest
from clearml import Task

from support import SCRIPTS, find_task, run_script, wait_for_status

pytestmark = pytest.mark.slow

STRATEGIES = ("random", "grid", "optuna")


@pytest.fixture(scope="module")
def objective(server, tmp_path_factory):
    """The task the optimizers and the scheduler clone: reports score = 10 * x + y."""
    run_script(server, "hpo_objective.py", cwd=tmp_path_factory.mktemp("objective"))
    return find_task(server, "automation", "hpo objective")["id"]


def score(task):
    return task.get_last_scalar_metrics()["objective"]["score"]["last"]


@pytest.fixture(scope="module")
def optimizations(server, objective, step_agent, tmp_path_factory):
    """The three optimizers started together, two jobs each: most of a run waits on the agent.
    Returns {strategy: (exit code, output)}."""
    runs = {}
    for strategy in STRATEGIES:
        log = tmp_path_factory.mktemp(strategy) / "output.log"
        runs[strategy] = log, subprocess.Popen(
            [sys.executable, str(SCRIPTS / "hpo.py"), "--strategy", strategy, "--template",
             objective, "--queue", step_agent, "--jobs", "2"], cwd=log.parent, env=server.env,
            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return {strategy: (process.wait(timeout=600), log.read_text())
            for strategy, (log, process) in runs.items()}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_optimizer_runs_its_jobs_and_ranks_them(optimizations, strategy):
    exit_code, output = optimizations[strategy]
    assert exit_code == 0, output
    optimizer = re.search(r"OPTIMIZER (\w+)", output).group(1)
    jobs = [Task.get_task(task_id=i) for i in re.findall(r"JOB (\w+)", output)]
    params = [(int(j.get_parameters()["General/x"]), int(j.get_parameters()["General/y"]))
              for j in jobs]
    assert len(set(params)) == 2 and set(params) <= set(product([1, 2, 3], [5, 7]))
    if strategy == "grid":  # GridSearch walks the grid in order, y fastest.
        assert set(params) == {(1, 5), (1, 7)}
    assert [score(j) for j in jobs] == sorted((10 * x + y for x, y in params), reverse=True)
    assert all(f"opt: {optimizer}" in j.get_tags() and j.status == "completed" for j in jobs)


@pytest.mark.parametrize("order, expected", [("-", [50, 30, 10, None]),
                                              ("", [10, 30, 50, None])])
def test_tasks_are_ordered_by_a_last_metric(server, order, expected):
    """The optimizer ranks its jobs with order_by=['-last_metrics.<md5>.<md5>.value']; a task
    without the metric comes last either way (_get_many_override_none_ordering in
    clearml-server's apiserver/database/model/base.py)."""
    project = server.api("projects.create", name=f"ranked{order}")["id"]
    for value in (30, None, 50, 10):
        create_task(server, f"scored {value}", project, score_value=value)
    title, series = (hashlib.md5(n.encode()).hexdigest() for n in ("objective", "score"))
    tasks = server.api("tasks.get_all", project=[project], order_by=[
        f"{order}last_metrics.{title}.{series}.value"])["tasks"]
    assert [t["name"] for t in tasks] == [f"scored {value}" for value in expected]


def start_scheduler(server, script, *args, cwd):
    """Start a scheduler script; returns (process, its log file)."""
    log = cwd / f"{script}.log"
    process = subprocess.Popen([sys.executable, str(SCRIPTS / script), *map(str, args)], cwd=cwd,
                               env=server.env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, log


def kill(process):
    """End a scheduler: its loop never returns, and it outlives SIGTERM (ClearML handles it)."""
    process.kill()
    process.wait()


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_task_scheduler_runs_only_the_jobs_that_are_due(server, objective, step_agent,
                                                        tmp_path):
    process, log = start_scheduler(server, "scheduler.py", objective, step_agent,
                                   tmp_path / "function ran", cwd=tmp_path)
    try:
        wait_for(lambda: "Waiting for next run" in log.read_text())
        launched = re.findall(r"Scheduling Job now, Task (\w+)", log.read_text())
    finally:
        kill(process)
    assert (tmp_path / "function ran").read_text() == "ran"
    assert len(launched) == 1 and "Job later" not in log.read_text()
    wait_for_status(server, launched[0], ["completed", "failed"], timeout=180)
    clone = Task.get_task(task_id=launched[0])
    assert (clone.get_parameters()["General/x"], score(clone)) == ("4", 40)


def create_task(server, name, project, tags=(), score_value=None):
    """A completed task made through the API; with score_value, reporting objective/score."""
    task = server.api("tasks.create", name=name, type="training", project=project,
                      tags=list(tags))["id"]
    server.api("tasks.started", task=task)
    if score_value is not None:
        server.api("events.add", task=task, type="training_stats_scalar", metric="objective",
                   variant="score", value=score_value, iter=0, timestamp=time.time() * 1000)
    server.api("tasks.completed", task=task)
    return task


def dataset_version(tags):
    from clearml import Dataset
    dataset = Dataset.create(dataset_project="triggers", dataset_name="watched",
                             dataset_tags=list(tags))
    dataset.finalize()
    return dataset.id


@pytest.fixture(scope="module")
def fired(server, tmp_path_factory):
    """Start the trigger scheduler, make objects that match its triggers and objects that do
    not; returns ({trigger: ids it fired on}, {trigger: ids that match it})."""
    cwd = tmp_path_factory.mktemp("trigger")
    project = server.api("projects.create", name="triggers")["id"]
    elsewhere = server.api("projects.create", name="elsewhere")["id"]
    dataset_version(["fresh"])  # Dataset triggers watch the dataset projects that exist.
    process, log = start_scheduler(server, "trigger.py", cwd / "fired", cwd=cwd)
    try:
        wait_for(lambda: "Sleeping until the next pool" in log.read_text())
        expected = {
            "tagged": {create_task(server, "go", project, ["go"])},
            "high": {create_task(server, "high", project, score_value=50)},
            "model": {server.api("models.create", name="deploy", uri="file:///m", tags=[
                "deploy"], project=project)["id"]},
            "dataset": {dataset_version(["fresh"])}}
        create_task(server, "other tag", project, ["other"])
        create_task(server, "other project", elsewhere, ["go"])
        create_task(server, "low", project, score_value=10)
        server.api("models.create", name="keep", uri="file:///k", tags=["keep"], project=project)
        dataset_version(["stale"])
        wait_for(lambda: all(i in read_fired(cwd)[t] for t, ids in expected.items() for i in ids))
        # A few more polls, in which a trigger that matches too much would fire again.
        polls = log.read_text().count("Sleeping until the next pool")
        wait_for(lambda: log.read_text().count("Sleeping until the next pool") >= polls + 3)
    finally:
        kill(process)
    return read_fired(cwd), expected


def read_fired(cwd):
    fired = {"tagged": set(), "high": set(), "model": set(), "dataset": set()}
    path = cwd / "fired"
    for line in path.read_text().splitlines() if path.exists() else []:
        trigger, object_id = line.split()
        fired[trigger].add(object_id)
    return fired


@pytest.mark.parametrize("trigger", ["tagged", "high", "model", "dataset"])
def test_trigger_fires_only_on_what_matches(fired, trigger):
    assert fired[0][trigger] == fired[1][trigger]


def test_a_malformed_order_by_path_is_refused(server):
    answer = server.call("tasks.get_all", {"order_by": ["last_metrics..value"]})
    assert (answer["meta"]["result_code"], answer["meta"]["result_subcode"]) == (400, 12)
    assert "last_metrics..value" in answer["meta"]["result_msg"]
