"""The web UI's view of a search's objective: what a controller searches and for which scalar,
and each parameter's fANOVA importance over the finished clones."""
import json
import math
import random

import pytest

from clearml_local.web.importance import importances
from clearml_local.web.objective import of_controller

SPACE = [{"name": "Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1},
         {"name": "layers", "type": "UniformIntegerParameterRange", "min_value": 2,
          "max_value": 8}]


def controller(**general):
    return {"hyperparams": {"General": {name: {"value": value}
                                        for name, value in general.items()}}}


def points(count, seed=1):
    """Clones whose score depends on lr alone: layers and optimizer vary at random, note not."""
    draw = random.Random(seed)
    found = []
    for _ in range(count):
        values = {"Args/lr": str(10 ** draw.uniform(-4, -1)),
                  "Args/layers": str(draw.choice([2, 4, 6, 8])),
                  "Args/optimizer": draw.choice(["adam", "sgd"]), "Args/note": "same"}
        found.append((values, -(math.log10(float(values["Args/lr"])) + 2.5) ** 2))
    return found


NAMES = ["Args/lr", "Args/layers", "Args/optimizer", "Args/note"]


def test_the_parameter_the_objective_depends_on_is_the_most_important():
    found = importances(points(30), NAMES, ["Args/lr"])
    assert max(found, key=lambda name: found[name] or 0) == "Args/lr"
    assert found["Args/note"] is None
    assert sum(value for value in found.values() if value is not None) == pytest.approx(1)


@pytest.mark.parametrize("count, expected", [(0, {}), (1, {})])
def test_fewer_than_two_clones_have_no_importances(count, expected):
    assert importances(points(count), NAMES) == expected


@pytest.mark.parametrize("sign, value, goal", [("max", "last", "max"), ("min", "last", "min"),
                                               ("min_global", "min", "min"),
                                               ("max_global", "max", "max")])
def test_a_controller_searches_for_its_objective(sign, value, goal):
    search = of_controller(controller(
        objective_metric_title="validation", objective_metric_series="loss",
        objective_metric_sign=sign, params_search=json.dumps(SPACE), batch_size=""))
    assert search == {"metric": "validation/loss", "label": f"validation/loss ({value})",
                      "value": value, "goal": goal, "params": ["Args/lr", "General/layers"],
                      "log": ["Args/lr"]}


def test_a_keras_search_searches_the_examples_space():
    search = of_controller(controller(
        objective_metric_title="evaluate", objective_metric_series="accuracy",
        objective_metric_sign="max", params_search="", batch_size="[64, 96]",
        layer_1="[128, 512, 32]", layer_2="[128, 512, 32]"))
    assert search["params"] == ["General/batch_size", "General/layer_1", "General/layer_2"]


@pytest.mark.parametrize("general", [{}, {"template_task_id": "abc"},
                                     {"objective_metric_title": "v", "objective_metric_series": "l",
                                      "objective_metric_sign": "lowest"}])
def test_a_task_without_an_objective_has_none(general):
    assert of_controller(controller(**general)) is None
