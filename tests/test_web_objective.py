"""The web UI's view of a search's objective: what a controller searches and for which scalar,
each parameter's fANOVA importance over the finished clones, and the compare and live pages of
a real search that follow it (in chromium too)."""
import json
import math
import random

import pytest
import requests

from clearml_local.web.importance import importances
from clearml_local.web.objective import of_controller
from search_helpers import any_task_search

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
SEARCHED = NAMES[:3]


def test_the_parameter_the_objective_depends_on_is_the_most_important():
    found = importances(points(30), NAMES, ["Args/lr"])
    assert max(found, key=lambda name: found[name] or 0) == "Args/lr"
    assert found["Args/note"] is None
    assert sum(value for value in found.values() if value is not None) == pytest.approx(1)


@pytest.mark.parametrize("count, expected", [(0, {}), (1, {})])
def test_fewer_than_two_clones_have_no_importances(count, expected):
    assert importances(points(count), NAMES) == expected


def test_values_that_are_not_finite_numbers_are_categories_and_scores_left_out():
    found = importances([({"Args/x": "inf"}, 1.0), ({"Args/x": "1"}, 2.0),
                         ({"Args/x": "2"}, float("nan")), ({"Args/x": "3"}, 3.0)], ["Args/x"])
    assert found == {"Args/x": pytest.approx(1)}


@pytest.mark.parametrize("sign, value, goal", [("max", "last", "max"), ("min", "last", "min"),
                                               ("min_global", "min", "min"),
                                               ("max_global", "max", "max")])
def test_a_controller_searches_for_its_objective(sign, value, goal):
    search = of_controller(controller(
        objective_metric_title="validation", objective_metric_series="loss",
        objective_metric_sign=sign, params_search=json.dumps(SPACE), batch_size=""))
    assert search == {"metric": "validation/loss", "value": value, "goal": goal,
                      "params": ["Args/lr", "General/layers"], "log": ["Args/lr"]}


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


# The compare and live pages of a real search of the score template (a real agent ran it).

@pytest.fixture(scope="module")
def loss_search(server, step_agent, tmp_path_factory, artifacts_dir):
    """The search of the score template for the lowest validation/loss."""
    return any_task_search(server, step_agent, "min", "loss", tmp_path_factory, artifacts_dir)


def twin(server, path, **params):
    answer = requests.get(f"{server.web_url}{path}.json", params=params, timeout=60,
                          headers={"Authorization": f"Bearer {server.token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.slow
def test_compare_page_of_a_search_ranks_by_its_objective(server, loss_search):
    page = twin(server, "/compare", search=loss_search["controller"].id)
    assert {key: page["choice"][key] for key in ("metric", "value", "goal")} == {
        "metric": "validation/loss", "value": "last", "goal": "min"}
    assert page["params"]["differing"][:3] == ["Args/lr", "Args/layers", "Args/optimizer"]
    panel = page["objective"]
    assert panel["count"] == 5 and [p["name"] for p in panel["parameters"]] == SEARCHED
    assert sum(p["importance"] for p in panel["parameters"]
               if p["importance"] is not None) == pytest.approx(1)


@pytest.mark.slow
def test_live_search_page_follows_its_objective(server, loss_search):
    page = twin(server, f"/searches/{loss_search['controller'].id}")
    scores = [row["score"] for row in page["experiments"]]
    assert page["choice"]["metric"] == "validation/loss" and scores == sorted(scores)
    assert page["params"][:3] == SEARCHED


@pytest.mark.slow
@pytest.mark.browser
def test_compare_page_shows_each_parameter_against_the_objective(server, loss_search, page,
                                                                 artifacts_dir):
    page.goto(f"{server.web_url}/compare?search={loss_search['controller'].id}")
    page.wait_for_function("() => document.querySelectorAll('#objective .main-svg').length >= 3")
    drawn = page.evaluate("() => Array.from(document.querySelectorAll('#objective div[data-param]'), "
                          "d => ({name: d.dataset.param, points: d.data[0].x.length, "
                          "axis: d._fullLayout.xaxis.type}))")
    assert drawn == [{"name": "Args/lr", "points": 5, "axis": "log"},
                     {"name": "Args/layers", "points": 5, "axis": "linear"},
                     {"name": "Args/optimizer", "points": 5, "axis": "category"}]
    rows = page.locator("#importance tbody tr")
    assert rows.count() == 3 and "5 finished" in page.inner_text("#importance")
    page.locator("#objective-section").screenshot(path=artifacts_dir / "web-search-objective.png")
