"""Events reported to a model (OutputModel.report_*: events.add_batch with model_event), stored
as the model's own and read with model_events, as in ClearML Server (bll/event/event_bll.py
add_events, services/events.py _assert_task_or_model_exists)."""
import pytest
from clearml import Task
from clearml.backend_api.session.client import APIClient

from support import find_task, run_script

PROJECT = "model events"


@pytest.fixture(scope="module")
def model_id(server, tmp_path_factory):
    """The model that tests/scripts/model_reported.py reported to."""
    run_script(server, "model_reported.py", PROJECT, "reporter",
               cwd=tmp_path_factory.mktemp("model_reported"))
    return Task.get_task(task_id=find_task(server, PROJECT, "reporter")["id"]).models[
        "output"][0].id


def scalars(model_id, **model_events):
    return APIClient().events.scalar_metrics_iter_histogram(
        task=model_id, **model_events).metrics


def test_model_scalars_read_back_with_model_events(model_id):
    curve = scalars(model_id, model_events=True)["Reported Metrics"]["Val - mAP@50"]
    assert (curve["x"], curve["y"]) == ([0, 1], [70.1, 72.7])


def test_model_plots_and_single_values_read_back(model_id):
    client = APIClient()
    plots = client.events.get_task_plots(task=model_id, iters=1, model_events=True).plots
    values = client.events.get_task_single_value_metrics(tasks=[model_id], model_events=True)
    assert sorted((p["metric"], p["variant"]) for p in plots) == [
        ("Accuracy", ""), ("Summary Table", "Comparison")]
    assert [(v["variant"], v["value"]) for v in values.tasks[0]["values"]] == [
        ("Total epochs", 8.0)]


def test_model_keeps_its_last_metrics_and_iteration(server, model_id):
    """ModelBLL.update_statistics: last_iteration and last_metrics of the model's scalars."""
    model = server.api("models.get_by_id", model=model_id)["model"]
    [entry] = [e for v in model["last_metrics"].values() for e in v.values()
               if e["variant"] == "Val - mAP@50"]
    assert (model["last_iteration"], entry["value"], entry["max_value"]) == (1, 72.7, 72.7)


def test_model_events_are_not_the_tasks(server, model_id):
    task_id = server.api("models.get_by_id", model=model_id)["model"]["task"]
    assert "Reported Metrics" not in scalars(task_id)
    answer = server.call("events.scalar_metrics_iter_histogram", {"task": model_id})
    assert answer["meta"]["result_subcode"] == 101  # Not a task's id without model_events.


@pytest.mark.parametrize("event, message", [
    ({"task": "no-such-model"}, "invalid model id 'no-such-model'"),
    ({"type": "log", "msg": "line"}, "task log events are not supported for models")])
def test_refused_model_event_is_a_400_naming_why(server, model_id, event, message):
    sent = {"task": model_id, "type": "training_stats_scalar", "metric": "m", "variant": "v",
            "value": 1, "iter": 0, "model_event": True, **event}
    answer = server.call("events.add", sent)
    assert answer["meta"]["result_code"] == 400 and message in answer["meta"]["result_msg"]


@pytest.mark.parametrize("kind", ["model", "task"])
def test_published_one_takes_events_only_with_allow_locked(server, kind):
    """_get_valid_entities: a ready model, a published task, only with allow_locked."""
    if kind == "model":
        owner = server.api("models.create", name="published", uri="file:///p", ready=True)["id"]
    else:
        owner = server.api("tasks.create", name="published", type="training")["id"]
        server.api("tasks.publish", task=owner, force=True)
    sent = {"task": owner, "type": "training_stats_scalar", "metric": "m", "variant": "v",
            "value": 1, "iter": 0, "model_event": kind == "model"}
    refused = server.call("events.add", sent)
    server.api("events.add", **sent, allow_locked=True)
    assert f"invalid {kind} id {owner!r}: it is published" in refused["meta"]["result_msg"]
    assert list(scalars(owner, **({"model_events": True} if kind == "model" else {}))) == ["m"]


@pytest.mark.browser
def test_model_page_shows_its_scalars_and_plots(server, model_id, page, artifacts_dir):
    model = server.api("models.get_by_id", model=model_id)["model"]
    page.goto(f"{server.web_url}/projects/{model['project']}/models/{model_id}")
    page.wait_for_function("() => document.querySelectorAll('.plots .main-svg').length >= 2")
    assert page.locator("#scalars .charts .scatterlayer path.js-line").count() == 1
    assert "Total epochs" in page.inner_text("#scalars table.metrics")
    assert page.locator("#plots .js-plotly-plot").count() == 2
    page.screenshot(path=artifacts_dir / "web-model.png", full_page=True)
