"""TensorBoard and PyTorch through the SDK's bindings, read back as ClearML Server answers them:
debug samples by metric and variant (bll/event/metric_debug_images_iterator.py), scalars,
plots and models."""
import numpy as np
import pytest
from clearml import Task

from support import find_task, run_script

pytestmark = pytest.mark.slow  # Real TensorFlow and PyTorch runs in subprocesses.
PROJECT = "tensorboard"


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory):
    """{script: its task} for the TensorFlow and the PyTorch script, each run once."""
    found = {}
    for script in ("tensorboard_images.py", "torch_bindings.py"):
        run_script(server, script, PROJECT, script, cwd=tmp_path_factory.mktemp("tensorboard"),
                   timeout=300)
        found[script] = Task.get_task(task_id=find_task(server, PROJECT, script)["id"])
    return found


@pytest.mark.parametrize("script, metric, variant", [
    # tf.summary.image("test_gray") has no "/": the binding's title is "Images".
    ("tensorboard_images.py", "Images", "test"), ("tensorboard_images.py", "Images", "test_gray"),
    ("torch_bindings.py", "native", "sample"), ("torch_bindings.py", "x", "sample")])
def test_tensorboard_images_are_debug_samples(runs, script, metric, variant):
    samples = runs[script].get_debug_samples(metric, variant)
    steps = 10 if script == "tensorboard_images.py" else 3
    assert [(s["metric"], s["variant"], s["iter"]) for s in samples] == [
        (metric, variant, i) for i in reversed(range(steps))]


@pytest.mark.parametrize("read, expected", [
    (lambda t: t.get_reported_scalars()["loss"]["train"]["x"], [0, 1, 2]),
    (lambda t: t.get_reported_scalars()["accuracy"]["test"]["y"],
     pytest.approx([0, 1 / 3, 2 / 3])),  # TensorBoard keeps float32.
    (lambda t: [(p["metric"], p["variant"]) for p in t.get_reported_plots()],
     [("weights", "native")]),
    (lambda t: [s["iter"] for s in t.get_debug_samples("Images", "clip")], [0]),  # The video.
    (lambda t: [m.url.rsplit("/", 1)[-1] for m in t.models["output"]], ["model.pt"]),
    (lambda t: [m.url.rsplit("/", 1)[-1] for m in t.models["input"]], ["model.pt"]),
])
def test_pytorch_bindings_read_back(runs, read, expected):
    assert read(runs["torch_bindings.py"]) == expected


def test_overwritten_image_files_hide_their_older_iterations(server):
    """With max_image_history 2 the SDK writes files _0, _1, _0, ...: the newest file was also
    reported at iteration 2, so only iterations after it are shown (last_invalid_iteration)."""
    task = Task.create(project_name=PROJECT, task_name="recycled")
    for iteration in range(5):
        task.get_logger().report_image("recycled", "image", iteration=iteration,
                                       max_image_history=2, image=np.zeros((2, 2, 3), np.uint8))
    task.flush(wait_for_uploads=True)
    assert [s["iter"] for s in task.get_debug_samples("recycled", "image")] == [4, 3]


def test_image_event_without_url_is_no_sample(server):
    """MetricDebugImagesIterator._get_extra_conditions: only events that have a url."""
    task_id = server.api("tasks.create", name="no url", type="training")["id"]
    server.api("events.add", task=task_id, type="training_debug_image", metric="m",
               variant="v", iter=0, key="k")
    answer = server.api("events.debug_images", metrics=[{"task": task_id}], iters=5)
    assert answer["metrics"][0]["iterations"] == []


@pytest.mark.browser
def test_experiment_page_shows_tensorboard_images(server, runs, page, artifacts_dir):
    task = runs["tensorboard_images.py"]
    page.goto(f"{server.web_url}/projects/{task.project}/experiments/{task.id}#debug-samples")
    samples = page.locator(".samples[data-metric='Images'][data-variant='test_gray'] figure")
    samples.last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('#debug-samples img')]"
                           ".every(image => image.complete && image.naturalWidth > 0)")
    assert [samples.nth(i).get_attribute("data-iter") for i in range(10)] == [
        str(i) for i in reversed(range(10))]
    figure, image = samples.first.bounding_box(), samples.first.locator("img").bounding_box()
    assert image["width"] <= figure["width"]  # In its frame: ten in a row overlap none.
    page.locator("#debug-samples").screenshot(path=artifacts_dir / "web-tensorboard.png")
