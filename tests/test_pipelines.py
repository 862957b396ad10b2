"""ClearML pipelines end to end: PipelineController from functions and from tasks, and
PipelineDecorator, run locally, with steps on an agent, and with the controller on a
services-mode agent; step caching reuses only steps whose inputs are the same."""
import itertools
import subprocess
import sys

import pytest
from clearml import Task

from support import SCRIPTS, run_script, wait_for_status

pytestmark = pytest.mark.slow

KINDS = ("functions", "tasks", "decorator")
MODES = ("local", "agents", "remote")
# Each run gets its own number, so no run reuses the cached steps of another: a step wrongly
# reused gives a wrong total.
NUMBERS = {run: index + 1 for index, run in enumerate(itertools.product(KINDS, MODES))}


def pipeline_command(kind, mode, number, queue):
    return [sys.executable, str(SCRIPTS / f"pipeline_{kind}.py"), "--mode", mode, "--number",
            str(number), "--queue", queue]


@pytest.fixture(scope="module")
def pipelines(server, services_agent, step_agent, tmp_path_factory):
    """Every kind of pipeline in every mode, started together: most of a run is waiting for
    agents and polls. Returns {(kind, mode): the script's exit code and output}."""
    run_script(server, "pipeline_step.py", cwd=tmp_path_factory.mktemp("step"))
    runs = {}
    for (kind, mode), number in NUMBERS.items():
        log = tmp_path_factory.mktemp(f"{kind}-{mode}") / "output.log"
        process = subprocess.Popen(pipeline_command(kind, mode, number, step_agent),
                                   cwd=log.parent, env=server.env, stdout=open(log, "w"),
                                   stderr=subprocess.STDOUT)
        runs[kind, mode] = process, log
    return {run: (process.wait(timeout=600), log.read_text())
            for run, (process, log) in runs.items()}


def controller(server, kind, mode, number):
    """The newest controller task of that run, once it has ended."""
    task = server.api("tasks.get_all", name=f"^{kind} {mode} {number}( #[0-9]+)?$",
                      type=["controller"], search_hidden=True,
                      order_by=["-created"])["tasks"][0]
    return wait_for_status(server, task["id"], ["completed", "failed", "stopped"], timeout=600)


def steps(controller_id):
    """{step name: its task} as the controller recorded them."""
    nodes = Task.get_task(task_id=controller_id).get_configuration_object_as_dict("Pipeline")
    return {name: Task.get_task(task_id=node["executed"]) for name, node in nodes.items()}


def step_result(task):
    """What a step computed: its return value, or its 'result' artifact for task steps."""
    if "result" in task.artifacts:
        return int(task.artifacts["result"].get())
    return int(task.get_parameters()["return/total"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
def test_pipeline_computes_its_result(server, pipelines, kind, mode):
    exit_code, output = pipelines[kind, mode]
    assert exit_code == 0, output
    number = NUMBERS[kind, mode]
    task = controller(server, kind, mode, number)
    assert task["status"] == "completed"
    tasks = steps(task["id"])
    assert sorted(tasks) == ["add", "double"]
    assert [t.status for t in tasks.values()] == ["completed", "completed"]
    assert step_result(tasks["add"]) == 2 * number + 5
    ran_on_agent = [bool(t.data.last_worker) for t in tasks.values()]
    assert ran_on_agent == [mode != "local"] * 2
    assert bool(task.get("last_worker")) == (mode == "remote")


def run_pipeline(server, number, queue, cwd):
    """Run the pipeline from functions locally; returns its steps."""
    result = subprocess.run(pipeline_command("functions", "local", number, queue), cwd=cwd,
                            env=server.env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return steps(controller(server, "functions", "local", number)["id"])


def test_cached_steps_are_reused_only_for_the_same_inputs(server, step_agent, tmp_path):
    first = run_pipeline(server, 100, step_agent, tmp_path)
    again = run_pipeline(server, 100, step_agent, tmp_path)
    other = run_pipeline(server, 101, step_agent, tmp_path)
    assert {n: t.id for n, t in again.items()} == {n: t.id for n, t in first.items()}
    assert not {t.id for t in other.values()} & {t.id for t in first.values()}
    assert step_result(other["add"]) == 207
