"""--params-search read with ClearML's own parameter classes: every draw is a value the SDK's
Parameter gives (to_list, or get_value for a continuous range), distinct, the same for a seed;
bad input is a one-line error and nothing is made; a search of Args/ parameters checks the
template's names, resumes and re-runs with its own space."""
import json
import math
import re
import uuid

import pytest
from clearml import Task
from clearml.automation.parameters import RandomSeed
from clearml.cli.hpo.__main__ import eval_params_search
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from search_helpers import (CONTROLLER, clones_of, controller_id, launched, run,
                            unconfigured_env)
from search_space import (PARAMETER_TYPES, SearchSpaceError, describe, parse_space,
                          sample_configurations, sdk_parameter)

NAME = "Args/x"
STEPS = st.sampled_from([None, 0.25, 0.5, 1.0, 2.5])
INCLUDE_MAX = st.sampled_from([{}, {"include_max_value": True}, {"include_max_value": False}])


@st.composite
def ranges(draw, kind):
    """clearml-param-search objects of a range type, bounds and steps on a quarter grid."""
    low = draw(st.integers(-40, 40)) / 4
    spec = {"name": NAME, "type": kind, "min_value": low,
            "max_value": low + draw(st.integers(1, 40)) / 4, **draw(INCLUDE_MAX)}
    step = draw(STEPS)
    if step is not None:
        spec["step_size"] = step
    if kind == "LogUniformParameterRange":
        spec["base"] = draw(st.sampled_from([2, 10, math.e]))
    return spec


@st.composite
def integer_ranges(draw):
    low = draw(st.integers(-50, 50))
    return {"name": NAME, "type": "UniformIntegerParameterRange", "min_value": low,
            "max_value": low + draw(st.integers(1, 60)), "step_size": draw(st.integers(1, 7)),
            **draw(INCLUDE_MAX)}


SCALARS = st.one_of(st.integers(-1000, 1000), st.text(max_size=8), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
DISCRETE = st.builds(lambda values: {"name": NAME, "type": "DiscreteParameterRange",
                                     "values": values}, st.lists(SCALARS, min_size=1, max_size=8))
SPECS = st.one_of(DISCRETE, integer_ranges(), ranges("UniformParameterRange"),
                  ranges("LogUniformParameterRange"))


def reference(spec):
    """The SDK's own object for the spec, built as clearml-param-search builds it."""
    fields = {key: value for key, value in spec.items() if key != "type"}
    return PARAMETER_TYPES[spec["type"]](**fields)


def parse_one(spec):
    return parse_space(json.dumps([spec]))


def space_of(spec):
    """The space of one parameter; a range whose steps hold no value is left to its own test."""
    assume(reference(spec).to_list())
    return parse_one(spec)


@settings(max_examples=100, deadline=None)
@given(SPECS, st.sampled_from(["x", "Args/x"]))
def test_a_parameter_is_the_one_clearml_param_search_builds(spec, name):
    """The same JSON object gives the same SDK object as clearml-param-search's own parser."""
    spec = {**spec, "name": name}
    ours = sdk_parameter(spec)
    [theirs] = eval_params_search([json.dumps(spec)], [])
    assert (type(ours), ours.to_dict()) == (type(theirs), theirs.to_dict())


@settings(max_examples=150, deadline=None)
@given(SPECS, st.integers(1, 12), st.integers(0, 2 ** 32))
def test_every_draw_is_a_value_the_sdk_gives(spec, count, seed):
    space, sdk = space_of(spec), reference(spec)
    values = space[NAME]
    if isinstance(values, list):
        listed = [item[NAME] for item in sdk.to_list()]
        drawn = sample_configurations(space, min(count, len(values)), seed)
        assert all(c[NAME] in listed for c in drawn) and values == list(dict.fromkeys(listed))
    else:
        RandomSeed.set_random_seed(seed)
        expected = [sdk.get_value()[NAME] for _ in range(count)]
        assert [c[NAME] for c in sample_configurations(space, count, seed)] == expected


@settings(max_examples=100, deadline=None)
@given(st.one_of(integer_ranges(), ranges("UniformParameterRange"),
                 ranges("LogUniformParameterRange")))
def test_steps_bounds_and_include_max_value_are_respected(spec):
    values, sdk = space_of(spec)[NAME], reference(spec)
    base = spec.get("base", 1)
    low, high = (base ** spec["min_value"], base ** spec["max_value"]) if "base" in spec else (
        spec["min_value"], spec["max_value"])
    if isinstance(values, list):
        assert (high in values) == spec.get("include_max_value", True)
        on_grid = [v for v in values if v != high]
        exponents = [math.log(v, base) if "base" in spec else v for v in on_grid]
        assert all(abs((e - sdk.min_value) / sdk.step_size - round((e - sdk.min_value)
                                                                   / sdk.step_size)) < 1e-6
                   for e in exponents)
    else:
        drawn = [c[NAME] for c in sample_configurations(space_of(spec), 20, 0)]
        assert all(low <= v <= high for v in drawn)


@settings(max_examples=60, deadline=None)
@given(st.lists(SPECS, min_size=1, max_size=4), st.integers(1, 30), st.integers(0, 2 ** 32))
def test_configurations_are_distinct_and_the_same_for_a_seed(specs, count, seed):
    assume(all(reference(spec).to_list() for spec in specs))
    specs = [{**spec, "name": f"Args/p{i}"} for i, spec in enumerate(specs)]
    space = parse_space(json.dumps(specs))
    size = math.prod(len(v) if isinstance(v, list) else math.inf for v in space.values())
    drawn = sample_configurations(space, min(count, size), seed)
    assert len({tuple(c.values()) for c in drawn}) == len(drawn) == min(count, size)
    assert drawn == sample_configurations(space, min(count, size), seed)


def test_log_uniform_bounds_are_exponents():
    spec = {"name": "lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1}
    assert describe("Args/lr", parse_one(spec)["General/lr"]) == (
        "Args/lr: 0.0001 .. 0.1, log-uniform (10 ** -4 .. 10 ** -1)")


@pytest.mark.parametrize("spec, values", [
    ({"type": "UniformIntegerParameterRange", "min_value": 1, "max_value": 3}, [1, 2, 3]),
    ({"type": "LogUniformParameterRange", "min_value": -2, "max_value": 0, "step_size": 1},
     [0.01, 0.1, 1.0]),
    ({"type": "UniformParameterRange", "min_value": 0, "max_value": 1, "step_size": 0.5,
      "include_max_value": False}, [0.0, 0.5]),
])
def test_defaults_and_steps_are_the_sdks(spec, values):
    """UniformIntegerParameterRange steps by 1, base is 10, and max_value is included unless
    include_max_value is false."""
    assert parse_one({"name": "n", **spec}) == {"General/n": values}


@pytest.mark.parametrize("spec, message", [
    ({"type": "UniformParameterRange", "min_value": 2, "max_value": 1},
     "Args/x: min_value 2 .. max_value 1 holds no values"),
    ({"type": "UniformIntegerParameterRange", "min_value": 3, "max_value": 3,
      "include_max_value": False}, "Args/x: min_value 3 .. max_value 3 holds no values"),
    ({"type": "DiscreteParameterRange", "values": []}, "values must be a non-empty list"),
    ({"type": "LogUniformParameterRange", "min_value": 1, "max_value": 2, "base": 1},
     "base must be a positive number other than 1"),
    ({"type": "UniformParameterRange", "min_value": "0", "max_value": 1},
     "Args/x: min_value must be a number"),
])
def test_empty_or_ill_typed_ranges_are_errors(spec, message):
    with pytest.raises(SearchSpaceError, match=message):
        parse_one({"name": "Args/x", **spec})


@pytest.mark.parametrize("text, message", [
    ('{"name": "lr", "type": "Uniform', "--params-search: not JSON (Unterminated string"),
    ('{"name": "lr", "type": "NormalParameterRange"}', "General/lr: unknown type "
                                                       "'NormalParameterRange'; the types are"),
    ('{"name": "lr", "type": "UniformParameterRange", "min_value": 1}',
     "General/lr: UniformParameterRange needs 'max_value' (its fields: min_value, max_value, "
     "step_size, include_max_value)"),
    ('{"name": "lr", "type": "UniformParameterRange", "min_value": 1, "max_value": 2, "step": 1}',
     "General/lr: UniformParameterRange has no field 'step'"),
    ('{"name": "lr", "type": "UniformParameterRange", "min_value": 1, "max_value": 0}',
     "General/lr: min_value 1 .. max_value 0 holds no values"),
    ('{"type": "UniformParameterRange", "min_value": 1, "max_value": 2}',
     'each parameter needs a "name"'),
    ('@no-such-space.json', "--params-search @no-such-space.json: cannot read a JSON list"),
])
def test_bad_params_search_is_a_one_line_error_and_makes_nothing(server, tmp_path, text,
                                                                 message):
    before = server.api("tasks.get_all", only_fields=["id"])["tasks"]
    result = run([CONTROLLER, "--params-search", text], server.env, tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"random_search.py: error: {message}")
    assert server.api("tasks.get_all", only_fields=["id"])["tasks"] == before


@pytest.mark.parametrize("args, message", [
    (["--batch-size", "8"], "--batch-size shapes the Keras example's space; with "
                            "--params-search, give every parameter there"),
    (["--params-override", '{"name": "Args/x", "value": 1}'],
     "Args/x is both searched (--params-search) and fixed (--params-override)"),
    (["--params-override", '{"name": "Args/y"}'], 'each --params-override is {"name": ..., '
                                                  '"value": ...}'),
])
def test_conflicting_options_are_errors(tmp_path, args, message):
    space = '{"name": "Args/x", "type": "DiscreteParameterRange", "values": [1, 2]}'
    result = run([CONTROLLER, "--dry-run", "--params-search", space, *args],
                 unconfigured_env(tmp_path), tmp_path)
    assert result.returncode == 1 and message in result.stderr


def test_space_file_holds_the_list(tmp_path):
    (tmp_path / "space.json").write_text(json.dumps([
        {"name": "Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1},
        {"name": "Args/opt", "type": "DiscreteParameterRange", "values": ["adam", "sgd"]}]))
    result = run([CONTROLLER, "--dry-run", "--seed", "3", "--params-search", "@space.json"],
                 unconfigured_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  Args/lr: 0.0001 .. 0.1, log-uniform (10 ** -4 .. 10 ** -1)\n" in result.stdout
    assert "  Args/opt: adam, sgd (2 values)\n" in result.stdout


# A search of Args/ parameters on a stand-in template that no agent runs.

ARGS_SPACE = [json.dumps(item) for item in [
    {"name": "Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1},
    {"name": "Args/layers", "type": "UniformIntegerParameterRange", "min_value": 2,
     "max_value": 8, "step_size": 2}]]


@pytest.fixture(scope="module")
def args_template(server):
    """A task with an argparse script's parameters, in a project of its own, and a queue of its
    own that no agent serves; the controller's arguments for a search of it."""
    project = f"args-{uuid.uuid4().hex[:8]}"
    template = Task.create(project_name=project, task_name="args template")
    template.set_parameters({"Args/lr": 0.01, "Args/layers": 2, "Args/optimizer": "sgd"})
    queue = f"idle-{uuid.uuid4().hex[:8]}"
    server.api("queues.create", name=queue)
    return [CONTROLLER, "--template-id", template.id, "--project", project, "--queue", queue,
            "--objective-metric-title", "validation", "--objective-metric-series", "loss",
            "--objective-metric-sign", "min"]


def test_a_name_the_template_lacks_is_an_error_listing_its_parameters(server, args_template,
                                                                      tmp_path):
    space = '{"name": "Args/lrate", "type": "UniformParameterRange", "min_value": 0, ' \
            '"max_value": 1}'
    result = run([*args_template, "--params-search", space], server.env, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("has no parameter Args/lrate; its parameters are Args/layers, Args/lr, "
            "Args/optimizer") in result.stderr
    assert clones_of(server, controller_id(result.stdout)) == []


def test_resume_launches_what_the_search_had_not_launched(server, args_template, tmp_path):
    """As if the controller had died before its last clone: a resume draws the same
    configurations, continuous values included, and launches only that one."""
    first = run([*args_template, "--experiments", "3", "--params-search", *ARGS_SPACE],
                server.env, tmp_path)
    search = controller_id(first.stdout)
    last = clones_of(server, search)[-1]["id"]
    server.api("tasks.delete", task=last, force=True)
    again = run([CONTROLLER, "--resume", search], server.env, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert launched(again.stdout) == launched(first.stdout)[2:]
    assert len(re.findall("was launched before", again.stdout)) == 2


def test_controller_run_again_by_an_agent_keeps_its_space(server, args_template, tmp_path):
    first = run([*args_template, "--experiments", "2", "--params-search", *ARGS_SPACE],
                server.env, tmp_path)
    controller = controller_id(first.stdout)
    server.api("tasks.reset", task=controller)
    again = run([CONTROLLER], {**server.env, "CLEARML_TASK_ID": controller}, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(launched(first.stdout)) == 2 and launched(again.stdout) == []
    assert len(re.findall("was launched before", again.stdout)) == 2
