"""The web UI in Debian's headless chromium: log in, compare the search, read what Plotly drew."""
import json

import pytest

from web_browser import log_in, open_page
from web_search import COMBINATIONS, build_search

pytestmark = pytest.mark.browser

# Plotly keeps what it drew on the graph div: the traces and their dimensions.
PARCOORDS = "() => document.getElementById('parcoords').data[0]"


@pytest.fixture(scope="session")
def search(server, tmp_path_factory):
    return build_search(server, tmp_path_factory.mktemp("web-search"))


@pytest.fixture
def stranger(browser):
    """A page in a browser that has not logged in."""
    with open_page(browser) as page:
        yield page


def visit(page, server, path):
    page.goto(f"{server.web_url}{path}")


def test_compare_page_of_the_search(server, search, stranger, artifacts_dir):
    page = stranger
    log_in(page, server, f"/compare?parent={search.template_id}")
    page.wait_for_function("() => document.querySelectorAll('.charts .main-svg').length >= 2")
    parcoords = page.evaluate(PARCOORDS)
    labels = [dimension["label"] for dimension in parcoords["dimensions"]]
    assert labels == ["batch_size", "layer_1", "layer_2", "evaluate / accuracy (last)"]
    assert {len(d["values"]) for d in parcoords["dimensions"]} == {len(COMBINATIONS)}
    assert page.locator(".charts .scatterlayer path.js-line").count() >= 2 * len(COMBINATIONS)
    assert page.locator("form.scalar-controls").count() == 1
    page.screenshot(path=artifacts_dir / "web-compare.png", full_page=True)


def test_projects_page_counts_the_search(server, search, page, artifacts_dir):
    visit(page, server, "/projects")
    row = page.locator(f"tr:has(a[href='/projects/{search.project_id}/experiments'])")
    assert row.locator("td.n").inner_text() == str(len(search.clone_ids) + 2)
    page.screenshot(path=artifacts_dir / "web-projects.png", full_page=True)


def test_brushing_an_axis_fades_the_other_experiments_in_the_table(server, search, page):
    visit(page, server, f"/compare?parent={search.template_id}")
    page.wait_for_function("() => document.getElementById('parcoords').data")
    # A brush on batch_size around the best clone's 32, as a drag along that axis makes one.
    page.evaluate("() => Plotly.restyle('parcoords', {'dimensions[0].constraintrange': [[30, 34]]})")
    faded = page.locator("table.compare tr.brushed-out")
    assert faded.count() == len(COMBINATIONS) - 1
    assert page.locator("table.compare tr.best.brushed-out").count() == 0
    assert page.inner_text("#brush-note") == f"1 of {len(COMBINATIONS)} lines kept."


def test_selected_rows_open_the_comparison(server, search, page, artifacts_dir):
    visit(page, server, f"/projects/{search.project_id}/experiments")
    for clone_id in search.clone_ids[:2]:
        page.check(f"tr[data-id='{clone_id}'] input[name=ids]")
    page.screenshot(path=artifacts_dir / "web-experiments.png", full_page=True)
    page.click("#compare-selected")
    page.wait_for_function("() => document.getElementById('parcoords').data")
    assert {len(d["values"]) for d in page.evaluate(PARCOORDS)["dimensions"]} == {2}


def test_experiment_page_draws_scalars_and_reported_plots(server, search, page, artifacts_dir):
    visit(page, server, f"/projects/{search.project_id}/experiments/{search.controller_id}")
    page.wait_for_function("() => document.querySelectorAll('.plots .js-plotly-plot').length == 2")
    kinds = page.evaluate("() => Array.from(document.querySelectorAll('.plots .js-plotly-plot'),"
                          " div => div.data[0].type)")
    assert sorted(kinds) == ["parcoords", "table"]
    page.screenshot(path=artifacts_dir / "web-controller.png", full_page=True)


def test_experiments_table_follows_a_running_experiment(server, page):
    project = server.api("projects.create", name="web browser live")["id"]
    task = server.api("tasks.create", name="running", type="training", project=project)["id"]
    server.api("tasks.started", task=task)
    visit(page, server, f"/projects/{project}/experiments")
    status = page.locator(f"tr[data-id='{task}'] [data-cell=status]")
    assert status.inner_text() == "running"
    server.api("tasks.completed", task=task)
    page.wait_for_function(
        f"() => document.querySelector(\"tr[data-id='{task}'] [data-cell=status]\")"
        ".innerText === 'completed'", timeout=15000)


def test_a_running_experiment_page_shows_new_console_output(server, page):
    project = server.api("projects.create", name="web browser live page")["id"]
    task = server.api("tasks.create", name="running", type="training", project=project)["id"]
    server.api("tasks.started", task=task)
    visit(page, server, f"/projects/{project}/experiments/{task}")
    server.call("events.add_batch", raw=json.dumps(
        {"task": task, "type": "log", "level": "info", "msg": "epoch 1: accuracy 0.5"}))
    page.wait_for_selector("pre.log >> text=epoch 1: accuracy 0.5", timeout=15000)


SCALAR_CHART = "() => document.querySelector('.charts .js-plotly-plot')"


def test_scalar_charts_smooth_log_scale_time_axis_and_hide_series(server, search, page):
    visit(page, server, f"/projects/{search.project_id}/experiments/{search.clone_ids[0]}")
    page.wait_for_function(f"() => ({SCALAR_CHART})().data")
    page.check("form.scalar-controls input[name=log]")
    page.select_option("form.scalar-controls select[name=axis]", "relative")
    page.fill("form.scalar-controls input[name=smoothing]", "0.6")
    chart = page.evaluate("() => { const d = document.querySelector('.charts .js-plotly-plot');"
                          " return {y: d.layout.yaxis.type, x: d.layout.xaxis.title.text,"
                          " traces: d.data.map(t => [t.x[0], t.y, t.opacity])} }")
    assert chart["y"] == "log" and chart["x"] == "seconds since the first report"
    raw, smoothed = chart["traces"][:2]
    assert raw[0] == 0 and raw[2] == 0.25 and smoothed[1][0] == raw[1][0] != smoothed[1][1]
    page.click(".charts .js-plotly-plot >> nth=0 >> .legendtoggle >> nth=0")
    # Plotly waits out a double-click before it acts on a legend click.
    page.wait_for_function(f"() => ({SCALAR_CHART})().data[0].visible === 'legendonly'")
    hidden = page.evaluate(f"() => ({SCALAR_CHART})().data.map(t => t.visible)")
    assert hidden[:2] == ["legendonly", "legendonly"] and "legendonly" not in hidden[2:]


def test_debug_samples_show_per_iteration_and_side_by_side(server, search, page, artifacts_dir):
    visit(page, server, f"/projects/{search.project_id}/experiments/{search.clone_ids[0]}")
    digits = page.locator("#debug-samples [data-metric=samples] figure.sample")
    assert [d.get_attribute("data-iter") for d in digits.all()] == ["2", "1", "0"]
    page.wait_for_function("() => Array.from(document.querySelectorAll('#debug-samples img'))"
                           ".every(img => img.complete && img.naturalWidth === 8)")
    assert page.locator("#debug-samples audio").count() == 1
    page.screenshot(path=artifacts_dir / "web-experiment.png", full_page=True)
    page.goto(f"{server.web_url}/compare?parent={search.template_id}")
    side = page.locator("#debug-samples [data-metric=samples] figure.sample")
    assert [f.get_attribute("data-id") for f in side.all()] == [
        row for row in page.evaluate("() => Array.from(document.querySelectorAll("
                                     "'table.compare tbody tr'), r => r.dataset.id)")]
    page.wait_for_function("() => Array.from(document.querySelectorAll('#debug-samples img'))"
                           ".every(img => img.complete && img.naturalWidth === 8)")
    page.locator("#debug-samples").screenshot(path=artifacts_dir / "web-compare-samples.png")
