"""ClearML pipelines end to end: PipelineController from functions and from tasks, and
PipelineDecorator, run locally, with steps on an agent, and with the controller on a
services-mode agent; step caching reuses only steps whose inputs are the same."""
import itertools

import pytest
from clearml import Task

from support import run_script, wait_for_status

pytestmark = pytest.mark.slow

KINDS = ("functions", "tasks", "decorator")
MODES = ("local", "agents", "remote")
# Each run gets its own number, so no run reuses the cached steps of another.
NUMBERS = {run: index + 1 for index, run in enumerate(itertools.product(KINDS, MODES))}


@pytest.fixture(scope="module")
def step_template(server, tmp_path_factory):
    """The task that pipelines from tasks clone for their steps."""
    run_script(server, "pipeline_step.py", cwd=tmp_path_factory.mktemp("step"))


def run_pipeline(server, kind, mode, number, queue, cwd):
    """Run one pipeline script to its end; returns the controller task as the API has it."""
    run_script(server, f"pipeline_{kind}.py", "--mode", mode, "--number", str(number),
               "--queue", queue, cwd=cwd, timeout=300)
    controller = server.api("tasks.get_all", name=f"^{kind} {mode}( #[0-9]+)?$",
                            type=["controller"], search_hidden=True,
                            order_by=["-created"])["tasks"][0]
    return wait_for_status(server, controller["id"], ["completed", "failed", "stopped"],
                           timeout=300)


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
def test_pipeline_computes_its_result(server, step_template, services_agent, step_agent, kind,
                                      mode, tmp_path):
    number = NUMBERS[kind, mode]
    controller = run_pipeline(server, kind, mode, number, step_agent, tmp_path)
    assert controller["status"] == "completed"
    tasks = steps(controller["id"])
    assert sorted(tasks) == ["add", "double"]
    assert [t.status for t in tasks.values()] == ["completed", "completed"]
    assert step_result(tasks["add"]) == 2 * number + 5
    ran_on_agent = [bool(t.data.last_worker) for t in tasks.values()]
    assert ran_on_agent == [mode != "local"] * 2
    assert bool(controller.get("last_worker")) == (mode == "remote")


def test_cached_steps_are_reused_only_for_the_same_inputs(server, step_agent, tmp_path):
    # The runs above are also caching tests: a step wrongly reused across numbers gives a
    # wrong total. This one pins that the same inputs do reuse the steps.
    first = steps(run_pipeline(server, "functions", "local", 100, step_agent, tmp_path)["id"])
    again = steps(run_pipeline(server, "functions", "local", 100, step_agent, tmp_path)["id"])
    other = steps(run_pipeline(server, "functions", "local", 101, step_agent, tmp_path)["id"])
    assert {n: t.id for n, t in again.items()} == {n: t.id for n, t in first.items()}
    assert not {t.id for t in other.values()} & {t.id for t in first.values()}
    assert step_result(other["add"]) == 207
