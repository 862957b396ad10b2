"""The compare page's overlay: each chart shares a budget of points among its curves."""
import json

import pytest
import requests

from clearml_local.web.compare import (MIN_POINTS_PER_SERIES, POINTS_PER_CHART,
                                       POINTS_PER_SERIES, points_per_line)

POINTS = 250


@pytest.fixture(scope="module")
def many_curves(server):
    """A template and 100 clones, each with one curve of POINTS points."""
    project = server.api("projects.create", name="compare budget")["id"]
    template = server.api("tasks.create", name="template", type="training", project=project)["id"]
    events = []
    for index in range(100):
        clone = server.api("tasks.create", name=f"clone {index}", type="training",
                           project=project, parent=template)["id"]
        events += [{"task": clone, "type": "training_stats_scalar", "metric": "loss",
                    "variant": "train", "iter": step, "value": 1 / (step + 1 + index)}
                   for step in range(POINTS)]
    assert server.call("events.add_batch", raw="\n".join(map(json.dumps, events)))[
        "meta"]["result_code"] == 200
    return template


@pytest.mark.parametrize("lines, kept", [
    (1, POINTS_PER_SERIES), (20, POINTS_PER_SERIES), (100, POINTS_PER_CHART // 100),
    (10_000, MIN_POINTS_PER_SERIES), (0, POINTS_PER_SERIES)])
def test_points_per_line_shares_the_chart_budget(lines, kept):
    assert points_per_line(lines) == kept


def test_a_chart_of_100_curves_draws_its_share_of_each_ending_at_the_last(server, many_curves):
    page = requests.get(f"{server.web_url}/compare.json", timeout=60, params={
        "parent": many_curves, "lines": 100, "scalar": "loss"},
        headers={"Authorization": f"Bearer {server.token}"}).json()
    (chart,) = page["scalars"]
    assert len(chart["series"]) == 100
    assert {len(line["x"]) for line in chart["series"]} == {POINTS_PER_CHART // 100}
    assert all(line["points"] == POINTS and line["x"][-1] == POINTS - 1
               for line in chart["series"])
