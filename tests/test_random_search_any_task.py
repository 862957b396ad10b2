"""The random search of any task, end to end with a real agent: an argparse template that is not
Keras (its parameters in Args/), searched with --params-search for the highest score and for the
lowest loss; each clone runs with its drawn values and reports the known function of them."""
import json
import math
import re

import pytest

from search_helpers import ANY_TASK_SPACE, any_task_search

pytestmark = pytest.mark.slow

BONUS = {"adam": 0.5, "sgd": 0.0, "rmsprop": 0.25}


def expected(series, lr, layers, optimizer):
    """What tests/scripts/score_template.py reports, from its parameters."""
    if series == "score":
        return BONUS[optimizer] - (math.log10(lr) + 2.5) ** 2 - (layers - 6) ** 2 / 10
    return (math.log10(lr) + 3) ** 2 + abs(layers - 4) - BONUS[optimizer]


@pytest.fixture(scope="module", params=[("max", "score"), ("min", "loss")],
                ids=["max-score", "min-loss"])
def search(request, server, step_agent, tmp_path_factory, artifacts_dir):
    """The search of the score template for that sign and series (ANY_TASK_SPACE, 5 clones)."""
    return any_task_search(server, step_agent, *request.param, tmp_path_factory, artifacts_dir)


def reported(clone, series):
    return clone.get_last_scalar_metrics()["validation"][series]["last"]


@pytest.mark.parametrize("index", range(5))
def test_each_clone_runs_with_its_drawn_values(search, index):
    drawn, clone = search["drawn"][index], search["clones"][index]
    console = "\n".join(clone.get_reported_console_output(100))
    assert (f"Running with lr={drawn['lr']!r} layers={drawn['layers']!r} "
            f"optimizer={drawn['optimizer']!r} note={search['sign']!r}") in console


def test_each_clone_reports_the_function_of_its_parameters(search):
    assert len(search["clones"]) == 5 and len({str(d) for d in search["drawn"]}) == 5
    assert [reported(clone, search["series"]) for clone in search["clones"]] == [
        pytest.approx(expected(search["series"], **drawn)) for drawn in search["drawn"]]


def test_drawn_values_lie_in_the_space(search):
    assert all(1e-4 <= d["lr"] <= 0.1 and d["layers"] in (2, 4, 6, 8)
               and d["optimizer"] in BONUS for d in search["drawn"])


def test_leaderboard_ranks_the_best_clone_first_for_the_sign(search):
    values = {clone.id: reported(clone, search["series"]) for clone in search["clones"]}
    heading = {"max": "Leaderboard, best validation/score first:",
               "min": "Leaderboard, best validation/loss first (lowest):"}[search["sign"]]
    board = search["output"].split(heading)[1]
    printed = re.findall(r"^(\d+)\s+\S+\s.*\s(\w{32})$", board, re.MULTILINE)
    assert printed == [(str(rank), clone_id) for rank, clone_id in enumerate(
        sorted(values, key=values.get, reverse=search["sign"] == "max"), 1)]


def test_controller_reports_its_objective_and_every_searched_parameter(search):
    label = f"validation/{search['series']}"
    plots = search["controller"].get_reported_plots(max_iterations=10)
    assert {(p["metric"], p["variant"]) for p in plots} == {
        ("leaderboard", label), ("parallel coordinates", label)}
    figure = json.loads(next(p["plot_str"] for p in plots if p["metric"] != "leaderboard"))
    assert [d["label"] for d in figure["data"][0]["dimensions"]] == [
        "Args/lr", "Args/layers", "Args/optimizer", label]
    best = search["controller"].get_reported_scalars()["best so far"][label]["y"]
    values = [reported(clone, search["series"]) for clone in search["clones"]]
    assert best[-1] == pytest.approx(max(values) if search["sign"] == "max" else min(values))


def test_controller_records_the_space_and_objective(search):
    general = {k.split("/", 1)[1]: v for k, v in search["controller"].get_parameters().items()
               if k.startswith("General/")}
    assert json.loads(general["params_search"]) == ANY_TASK_SPACE
    assert (general["objective_metric_series"], general["objective_metric_sign"]) == (
        search["series"], search["sign"])
