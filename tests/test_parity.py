"""ClearML Server parity: status changes, task and model lifecycles, the shapes the SDK reads."""
import itertools
import subprocess
import sys

import pytest
import requests
from clearml import Model, StorageManager, Task

from clearml_local import errors
from clearml_local.storage.statuses import check_transition
from support import SCRIPTS, find_task

PROJECT = "parity"
# ClearML Server's state_machine (apiserver/bll/task/utils.py), written out again here so that
# a change to statuses.py that strays from it fails.
CLEARML_SERVER_STATUS_CHANGES = {
    "created": {"queued", "in_progress"},
    "queued": {"created", "in_progress", "stopped"},
    "in_progress": {"stopped", "failed", "created", "completed"},
    "stopped": {"closed", "created", "failed", "queued", "in_progress", "published",
                "publishing", "completed"},
    "closed": {"created", "failed", "published", "publishing", "stopped"},
    "failed": {"created", "stopped", "published", "queued"},
    "publishing": {"published"},
    "published": set(),
    "completed": {"published", "in_progress", "created"},
}
# The endpoint that forces a task into each status, to set up a test.
FORCE_INTO = {"in_progress": "tasks.started", "stopped": "tasks.stopped",
              "failed": "tasks.failed", "completed": "tasks.completed",
              "published": "tasks.publish", "closed": "tasks.close"}


@pytest.mark.parametrize("current, new", list(itertools.product(CLEARML_SERVER_STATUS_CHANGES,
                                                                repeat=2)))
def test_status_changes_are_clearml_servers(current, new):
    if new == current or new in CLEARML_SERVER_STATUS_CHANGES[current]:
        check_transition(current, new)
    else:
        with pytest.raises(errors.InvalidTaskStatus, match=f"{current} -> {new}"):
            check_transition(current, new)


@pytest.fixture(scope="module", autouse=True)
def queue(server):
    """A queue of this module's own, so that no agent of another test takes its tasks."""
    return server.api("queues.create", name=PROJECT)["id"]


def new_task(server, status="created", **fields):
    task_id = server.api("tasks.create", name=f"in {status}", type="training", **fields)["id"]
    if status == "queued":
        server.api("tasks.enqueue", task=task_id, queue_name=PROJECT)
    elif status != "created":
        server.api(FORCE_INTO[status], task=task_id, force=True)
    return task_id


def queued_ids(server, queue):
    return [e["task"] for e in server.api("queues.get_by_id", queue=queue)["queue"]["entries"]]


@pytest.mark.parametrize("status", ["stopped", "failed"])
def test_stopped_or_failed_task_is_enqueued_and_dequeued_back(server, queue, status):
    task = Task.get_task(task_id=new_task(server, status))
    Task.enqueue(task, queue_id=queue)
    assert task.get_status() == "queued" and task.id in queued_ids(server, queue)
    Task.dequeue(task)
    assert task.get_status() == status and task.id not in queued_ids(server, queue)


@pytest.mark.parametrize("watched", [True, False])
def test_enqueue_says_whether_a_worker_watches_the_queue(server, watched):
    queue = server.api("queues.create", name=f"{PROJECT} watched {watched}")["id"]
    server.api("workers.register", worker=f"parity:{watched}", queues=[queue] if watched else [])
    answer = server.api("tasks.enqueue", task=new_task(server), queue=queue,
                        verify_watched_queue=True)
    server.api("workers.unregister", worker=f"parity:{watched}")
    assert answer["queue_watched"] is watched


def test_enqueue_to_a_new_queue_name_creates_the_queue(server):
    """As enqueue_task in ClearML Server's bll/task/task_operations.py does."""
    answer = server.api("tasks.enqueue", task=new_task(server), queue_name=f"{PROJECT} new")
    [queue] = server.api("queues.get_all", name=f"^{PROJECT} new$")["queues"]
    assert answer["fields"]["execution.queue"] == queue["id"]


@pytest.mark.parametrize("status", ["created", "queued", "in_progress", "completed"])
def test_queues_add_task_only_adds_the_entry(server, status):
    """queues.add_task (services/queues.py, bll/queue/queue_bll.py add_task): the entry and
    execution.queue; the task's status stays as it was."""
    other = server.api("queues.create", name=f"{PROJECT} add {status}")["id"]
    task_id = new_task(server, status)
    server.api("queues.add_task", queue=other, task=task_id)
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    assert task["status"] == status and queued_ids(server, other) == [task_id]
    assert task["execution"]["queue"] == other


def test_queues_add_task_twice_is_task_already_queued(server):
    other = server.api("queues.create", name=f"{PROJECT} add twice")["id"]
    task_id = new_task(server)
    server.api("queues.add_task", queue=other, task=task_id)
    answer = server.call("queues.add_task", {"queue": other, "task": task_id})
    assert answer["meta"]["result_subcode"] == 706 and queued_ids(server, other) == [task_id]


@pytest.mark.parametrize("endpoint, items", [
    ("tasks.edit_hyper_params", {"hyperparams": [{"section": "General", "name": "a"}]}),
    ("tasks.edit_configuration", {"configuration": [{"name": "c", "value": "1"}]})])
@pytest.mark.parametrize("status, force, allowed", [
    ("created", False, True), ("in_progress", False, False), ("in_progress", True, True),
    ("stopped", True, False), ("completed", True, False), ("published", True, False)])
def test_parameters_are_edited_when_created_or_in_progress_with_force(
        server, endpoint, items, status, force, allowed):
    """get_task_for_update (bll/task/utils.py), as bll/task/hyperparams.py calls it."""
    task_id = new_task(server, status)
    answer = server.call(endpoint, {"task": task_id, "force": force, **items})
    assert (answer["meta"]["result_code"] == 200) is allowed
    assert allowed or answer["meta"]["result_subcode"] == 110


def test_properties_section_is_edited_in_any_status(server):
    """edit_params: allow_all_statuses when every item is in the properties section."""
    task_id = new_task(server, "published")
    server.api("tasks.edit_hyper_params", task=task_id, hyperparams=[
        {"section": "properties", "name": "seed", "value": "7"}])
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    assert task["hyperparams"]["properties"]["seed"]["value"] == "7"


def queue_of_three(server, name):
    """A new queue and the three tasks waiting in it, in order."""
    queue = server.api("queues.create", name=f"{PROJECT} {name}")["id"]
    tasks = [new_task(server) for _ in range(3)]
    for task_id in tasks:
        server.api("tasks.enqueue", task=task_id, queue=queue)
    return queue, tasks


# Where a move puts the second of three queued tasks: as reposition_task in ClearML Server's
# apiserver/bll/queue/queue_bll.py, no further than either end of the queue.
@pytest.mark.parametrize("endpoint, count, order", [
    ("queues.move_task_forward", 1, [1, 0, 2]), ("queues.move_task_forward", 2, [1, 0, 2]),
    ("queues.move_task_backward", 1, [0, 2, 1]), ("queues.move_task_backward", 5, [0, 2, 1]),
    ("queues.move_task_to_front", None, [1, 0, 2]), ("queues.move_task_to_back", None, [0, 2, 1])])
def test_queue_moves_stop_at_either_end(server, endpoint, count, order):
    queue, tasks = queue_of_three(server, f"{endpoint} {count}")
    answer = server.api(endpoint, queue=queue, task=tasks[1],
                        **({"count": count} if count else {}))
    assert queued_ids(server, queue) == [tasks[index] for index in order]
    assert answer["position"] == order.index(1)


# get_queue_with_task in ClearML Server's apiserver/bll/queue/queue_bll.py:
# InvalidQueueOrTaskNotQueued (400/703), and the queue is left as it was.
@pytest.mark.parametrize("endpoint", ["queues.remove_task", "queues.move_task_forward",
                                      "queues.move_task_to_back"])
def test_task_not_in_the_queue_is_refused(server, endpoint):
    queue, tasks = queue_of_three(server, f"not in it {endpoint}")
    answer = server.call(endpoint, {"queue": queue, "task": new_task(server)})
    assert (answer["meta"]["result_code"], answer["meta"]["result_subcode"]) == (400, 703)
    assert queued_ids(server, queue) == tasks


def test_completed_task_cannot_be_enqueued(server):
    answer = server.call("tasks.enqueue", {"task": new_task(server, "completed"),
                                           "queue_name": PROJECT})
    assert answer["meta"]["result_subcode"] == 110
    assert "completed -> queued" in answer["meta"]["result_msg"]


def test_stopping_a_queued_task_dequeues_it(server, queue):
    task_id = new_task(server, "queued")
    server.api("tasks.stop", task=task_id)
    assert server.api("tasks.get_by_id", task=task_id)["task"]["status"] == "stopped"
    assert task_id not in queued_ids(server, queue)


def test_stopping_a_task_a_worker_runs_asks_the_worker(server):
    task_id = new_task(server, "queued")
    server.api("tasks.started", task=task_id)
    server.api("workers.status_report", worker="parity:0", task=task_id, timestamp=0)
    server.api("tasks.stop", task=task_id)
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    assert (task["status"], task["status_message"]) == ("in_progress", "stopping")


@pytest.mark.parametrize("endpoint, status, subcode", [
    ("tasks.reset", "published", 110), ("tasks.delete", "completed", 123),
    ("tasks.stop", "completed", 110), ("tasks.publish", "in_progress", 110)])
def test_refused_without_force(server, endpoint, status, subcode):
    task_id = new_task(server, status)
    assert server.call(endpoint, {"task": task_id})["meta"]["result_subcode"] == subcode
    assert server.api("tasks.get_by_id", task=task_id)["task"]["status"] == status


@pytest.mark.parametrize("endpoint", ["tasks.stop", "tasks.delete", "tasks.archive_many"])
def test_pipeline_steps_option_is_refused_not_ignored(server, endpoint):
    task_id = new_task(server)
    answer = server.call(endpoint, {"task": task_id, "ids": [task_id], "force": True,
                                    "include_pipeline_steps": True})
    assert "include_pipeline_steps" in answer["meta"]["result_msg"]
    assert server.api("tasks.get_by_id", task=task_id)["task"]["status"] == "created"


def test_archiving_a_queued_task_dequeues_it(server, queue):
    task_id = new_task(server, "queued")
    answer = server.api("tasks.archive_many", ids=[task_id])
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    assert answer["succeeded"] == [{"id": task_id, "archived": True}]
    assert task["status"] == "created" and "archived" in task["system_tags"]
    assert task_id not in queued_ids(server, queue)


def test_archived_task_is_deleted_without_force_and_deleted_is_a_bool(server):
    task_id = new_task(server, "completed", system_tags=["archived"])
    assert server.api("tasks.delete", task=task_id)["deleted"] is True


def test_publishing_a_task_publishes_its_output_model(server):
    task_id = new_task(server, "completed")
    model_id = server.api("models.create", name="to publish", uri="file:///m", task=task_id)["id"]
    Task.get_task(task_id=task_id).publish()
    assert server.api("tasks.get_by_id", task=task_id)["task"]["status"] == "published"
    assert server.api("models.get_by_id", model=model_id)["model"]["ready"] is True


def test_execution_artifacts_is_always_present(server):
    task = server.api("tasks.get_by_id", task=new_task(server))["task"]
    assert task["execution"]["artifacts"] == []


def test_delete_parameter_removes_one_parameter(server):
    task = Task.create(project_name=PROJECT, task_name="parameters")
    task.set_parameters({"General/a": 1, "General/b": 2})
    assert task.delete_parameter("General/a") is True
    assert Task.get_task(task_id=task.id).get_parameters() == {"General/b": "2"}


def test_delete_parameter_of_a_running_task_needs_force(server):
    task_id = new_task(server, "in_progress")
    server.api("tasks.edit_hyper_params", task=task_id, force=True, hyperparams=[
        {"section": "General", "name": "a", "value": "1"}])
    key = [{"section": "General", "name": "a"}]
    answer = server.call("tasks.delete_hyper_params", {"task": task_id, "hyperparams": key})
    assert answer["meta"]["result_subcode"] == 110
    assert server.api("tasks.delete_hyper_params", task=task_id, hyperparams=key,
                      force=True)["deleted"] == 1


def test_delete_configuration_removes_named_items(server):
    task_id = new_task(server)
    server.api("tasks.edit_configuration", task=task_id, configuration=[
        {"name": "keep", "value": "1"}, {"name": "drop", "value": "2"}])
    assert server.api("tasks.delete_configuration", task=task_id,
                      configuration=["drop"])["deleted"] == 1
    assert list(server.api("tasks.get_by_id", task=task_id)["task"]["configuration"]) == ["keep"]


@pytest.mark.parametrize("request_fields, stamps", [
    ({}, [5, 4]), ({"from_timestamp": 4}, [3, 2]), ({"order": "asc"}, [4, 5]),
    ({"navigate_earlier": False, "from_timestamp": 2}, [3, 4])])
def test_console_is_paged_by_timestamp(server, request_fields, stamps):
    task_id = new_task(server)
    for stamp in range(1, 6):
        server.api("events.add", task=task_id, type="log", msg=str(stamp), timestamp=stamp)
    answer = server.api("events.get_task_log", task=task_id, batch_size=2, **request_fields)
    assert [e["timestamp"] for e in answer["events"]] == stamps and answer["total"] == 5


def test_model_archive_and_unarchive(server):
    model_id = server.api("models.create", name="archivable", uri="file:///a")["id"]
    created = server.api("models.get_by_id", model=model_id)["model"]
    Model(model_id=model_id).archive()
    archived = server.api("models.get_by_id", model=model_id)["model"]
    Model(model_id=model_id).unarchive()
    unarchived = server.api("models.get_by_id", model=model_id)["model"]
    assert "archived" in archived["system_tags"] and "archived" not in unarchived["system_tags"]
    assert created["last_change"] < archived["last_change"] < unarchived["last_change"]


def test_deleting_a_model_answers_a_bool(server):
    model_id = server.api("models.create", name="deletable", uri="file:///d")["id"]
    assert server.api("models.delete", model=model_id)["deleted"] is True


@pytest.fixture(scope="module")
def reported_runs(server, tmp_path_factory):
    """Two finished runs of tests/scripts/reported.py, run side by side: {name: task id}."""
    processes = {name: subprocess.Popen(
        [sys.executable, str(SCRIPTS / "reported.py"), PROJECT, name], env=server.env,
        cwd=tmp_path_factory.mktemp("reported"), stdout=subprocess.DEVNULL)
        for name in ("reported", "to delete")}
    assert all(process.wait(timeout=180) == 0 for process in processes.values())
    return {name: find_task(server, PROJECT, name)["id"] for name in processes}


@pytest.fixture(scope="module")
def reported(reported_runs):
    return Task.get_task(task_id=reported_runs["reported"])


@pytest.mark.parametrize("last, iterations", [(None, [2, 1, 0]), (2, [2, 1])])
def test_get_debug_samples_returns_the_reported_images(server, reported, last, iterations):
    samples = reported.get_debug_samples("samples", "first", n_last_iterations=last)
    assert [s["iter"] for s in samples] == iterations
    assert {(s["metric"], s["variant"]) for s in samples} == {("samples", "first")}
    assert all(StorageManager.get_local_copy(s["url"], cache_context=str(last)) for s in samples)


def test_debug_images_scroll_through_iterations(server, reported):
    request = {"metrics": [{"task": reported.id, "metric": "samples"}], "iters": 2}
    pages = [server.api("events.debug_images", **request)]
    while pages[-1]["metrics"][0]["iterations"]:
        pages.append(server.api("events.debug_images", **request,
                                scroll_id=pages[-1]["scroll_id"]))
    iterations = [[(i["iter"], len(i["events"])) for i in page["metrics"][0]["iterations"]]
                  for page in pages]
    assert iterations == [[(2, 2), (1, 2)], [(0, 2)], []]


def test_all_events_are_read_in_batches(reported):
    """Task._get_all_events follows total and scroll_id, as Task.delete() does."""
    events = reported._get_all_events(max_events=None, batch_size=4)
    images = reported._get_all_events(max_events=None, batch_size=4,
                                      event_type="training_debug_image")
    assert len(images) == 6 and len(events) > 12
    assert [e["iter"] for e in images] == [0, 0, 1, 1, 2, 2]


def test_reported_plots_keep_the_last_iterations_of_each_plot(reported):
    plots = reported.get_reported_plots(max_iterations=2)
    assert [(p["metric"], p["variant"], p["iter"]) for p in plots] == [
        ("curve", "first", 2), ("curve", "first", 1),
        ("curve", "second", 2), ("curve", "second", 1)]


def test_task_delete_removes_its_artifacts_and_models(server, reported_runs):
    task = Task.get_task(task_id=reported_runs["to delete"])
    urls = [task.artifacts["table"].url] + [m.url for m in task.models["output"]]
    model_ids = [m.id for m in task.models["output"]]
    assert task.delete(raise_on_error=True)
    assert server.call("tasks.get_by_id", {"task": task.id})["meta"]["result_subcode"] == 101
    files = [requests.get(url, headers={"Authorization": f"Bearer {server.token}"}, timeout=10)
             for url in urls]
    assert [answer.status_code for answer in files] == [404, 404]
    assert server.api("models.get_all", id=model_ids)["models"] == []


@pytest.mark.parametrize("read, expected", [
    (lambda t: t.get_status(), "completed"),
    (lambda t: t.get_last_scalar_metrics()["loss"]["train"]["last"], 1 / 3),
    (lambda t: t.get_reported_scalars()["loss"]["train"]["x"], [0, 1, 2]),
    (lambda t: sorted(t.get_reported_scalars()), ["loss"]),
    (lambda t: t.get_reported_single_values(), {"accuracy": 0.75}),
    (lambda t: t.get_parameters()["General/epochs"], "3"),
    (lambda t: sorted(t.artifacts), ["table"]),
    (lambda t: [m.name for m in t.get_models()["output"]], ["reported model"]),
    (lambda t: Task.import_task(t.export_task()).get_parameters()["General/lr"], "0.1"),
])
def test_reading_a_finished_task(reported, read, expected):
    assert read(reported) == expected


@pytest.mark.parametrize("change, read, expected", [
    (lambda t: t.add_tags(["best"]), lambda t: t.get_tags(), ["best"]),
    (lambda t: t.set_comment("a note"), lambda t: t.comment, "a note"),
    (lambda t: t.rename("renamed"), lambda t: t.name, "renamed"),
    (lambda t: t.move_to_project(new_project_name="parity moved"),
     lambda t: t.get_project_name(), "parity moved"),
    (lambda t: t.set_user_properties(seed=7),
     lambda t: t.get_user_properties(value_only=True), {"seed": "7"}),
    (lambda t: t.set_parent("parent-id"), lambda t: t.parent, "parent-id"),
    (lambda t: t.mark_started(), lambda t: t.get_status(), "in_progress"),
    (lambda t: (t.mark_started(), t.mark_stopped()), lambda t: t.get_status(), "stopped"),
    (lambda t: (t.mark_started(), t.mark_failed()), lambda t: t.get_status(), "failed"),
    (lambda t: (t.mark_started(), t.mark_completed()), lambda t: t.get_status(), "completed"),
])
def test_changing_a_draft(server, reported, change, read, expected):
    draft = Task.clone(source_task=reported, name="draft")
    change(draft)
    assert read(Task.get_task(task_id=draft.id)) == expected
