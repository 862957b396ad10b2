"""Tracking with the real SDK: Task.init, parameters, scalars, console, models, artifacts."""
import pytest
from clearml import Model, Task

from support import find_task, run_script

PROJECT = "tracking"


@pytest.fixture(scope="module")
def tracked(server, tmp_path_factory):
    """A finished run of tests/scripts/tracked.py: its task as the API returns it."""
    cwd = tmp_path_factory.mktemp("tracked")
    run_script(server, "tracked.py", PROJECT, "tracked run", cwd=cwd)
    return find_task(server, PROJECT, "tracked run")


def test_task_is_completed_training_task(tracked):
    assert (tracked["status"], tracked["type"]) == ("completed", "training")


def test_script_is_stored_for_agents(tracked):
    script = tracked["script"]
    assert script["repository"] == "" and script["entry_point"] == "tracked.py"
    assert "Task.init" in script["diff"]


def test_connected_dict_becomes_general_section(tracked):
    general = tracked["hyperparams"]["General"]
    assert {name: p["value"] for name, p in general.items()} == {
        "batch_size": "32", "lr": "0.1", "layers": "[16, 8]", "name": "mlp"}


def test_connected_configuration_is_stored(tracked):
    assert "rmsprop" in tracked["configuration"]["training"]["value"]


def test_model_labels_are_stored(tracked):
    assert tracked["execution"]["model_labels"] == {"zero": 0, "one": 1}


def test_last_scalar_metrics_track_last_min_max(server, tracked):
    metrics = Task.get_task(task_id=tracked["id"]).get_last_scalar_metrics()
    assert metrics["loss"]["train"] == {"last": 0.2, "min": 0.2, "max": 1.0}
    assert metrics["loss"]["validation: loss"]["max"] == 2.0


def test_reported_scalars_come_back_per_iteration(server, tracked):
    scalars = Task.get_task(task_id=tracked["id"]).get_reported_scalars()
    assert scalars["loss"]["train"]["x"] == [0, 1, 2, 3, 4]
    assert scalars["loss"]["train"]["y"][0] == 1.0


def test_console_output_is_captured(server, tracked):
    lines = "\n".join(Task.get_task(task_id=tracked["id"]).get_reported_console_output(100))
    assert "PARAMS {'batch_size': 32" in lines


def test_table_and_plotly_plots_are_reported(server, tracked):
    plots = Task.get_task(task_id=tracked["id"]).get_reported_plots()
    assert {(p["metric"], p["variant"]) for p in plots} >= {
        ("leaderboard", "table"), ("parallel", "coordinates")}


def test_output_model_is_registered_and_downloads(server, tracked):
    task = Task.get_task(task_id=tracked["id"])
    model = task.models["output"][-1]
    assert model.name == "tracked model"
    with open(model.get_local_copy(), "rb") as weights:
        assert weights.read() == b"\x00\x01weights"


def test_model_query_finds_the_model(server, tracked):
    models = Model.query_models(project_name=PROJECT, model_name="tracked model")
    assert [m.task for m in models] == [tracked["id"]]


def test_artifact_round_trips_through_file_server(server, tracked):
    artifact = Task.get_task(task_id=tracked["id"]).artifacts["summary"].get()
    assert artifact["params"]["lr"] == 0.1


def test_crashing_script_is_marked_failed(server, tmp_path):
    run = run_script(server, "tracked.py", PROJECT, "crashing run", "crash", cwd=tmp_path,
                     check=False)
    assert run.returncode != 0
    assert find_task(server, PROJECT, "crashing run")["status"] == "failed"


def task_id_of(run):
    return next(line.split()[1] for line in run.stdout.splitlines() if line.startswith("TASK "))


def test_init_again_reuses_a_task_without_outputs(server, tmp_path):
    first = task_id_of(run_script(server, "reuse.py", "plain", cwd=tmp_path))
    second = task_id_of(run_script(server, "reuse.py", "plain", cwd=tmp_path))
    assert first == second


def test_init_again_does_not_reuse_a_task_with_artifacts(server, tmp_path):
    first = task_id_of(run_script(server, "reuse.py", "with output", "artifact", cwd=tmp_path))
    second = task_id_of(run_script(server, "reuse.py", "with output", cwd=tmp_path))
    assert first != second


def test_output_uri_sets_the_task_output_destination(server, tracked):
    assert tracked["output"]["destination"] == server.files_url


def test_clone_inherits_the_output_destination(server, tracked):
    clone = server.api("tasks.clone", task=tracked["id"])["id"]
    task = server.api("tasks.get_by_id", task=clone)["task"]
    assert task["output"]["destination"] == server.files_url
