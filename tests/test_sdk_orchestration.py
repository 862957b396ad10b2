"""Orchestration with the real SDK: find, clone, parameters, queues, reset, stop, archive, delete."""
import subprocess
import sys

import pytest
from clearml import Task

from support import SCRIPTS, find_task, run_script, wait_for_status

PROJECT = "orchestration"


@pytest.fixture(scope="module")
def template(server, tmp_path_factory):
    """A finished tracked run to clone, as an SDK Task."""
    run_script(server, "tracked.py", PROJECT, "template", cwd=tmp_path_factory.mktemp("t"))
    return Task.get_task(project_name=PROJECT, task_name="template")


@pytest.fixture
def clone(template):
    return Task.clone(source_task=template, name="template clone", parent=template.id)


def test_default_queue_exists_from_first_start(server):
    queues = server.api("queues.get_all", name="^default$")["queues"]
    assert [q["name"] for q in queues] == ["default"]


def test_get_task_by_name_takes_the_newest(server, template, tmp_path):
    run_script(server, "tracked.py", PROJECT, "template", cwd=tmp_path)
    newest = find_task(server, PROJECT, "template")
    assert Task.get_task(project_name=PROJECT, task_name="template").id == newest["id"]


def test_get_task_by_id(template):
    assert Task.get_task(task_id=template.id).name == "template"


def test_clone_has_name_parent_and_parameters(template, clone):
    assert (clone.name, clone.parent, clone.status) == ("template clone", template.id, "created")
    assert clone.get_parameters()["General/lr"] == "0.1"


def test_clone_starts_without_results(clone):
    assert clone.get_last_scalar_metrics() == {} and clone.artifacts == {}


def test_set_parameters_replaces_all(clone):
    clone.set_parameters({"General/lr": 0.5})
    assert Task.get_task(task_id=clone.id).get_parameters() == {"General/lr": "0.5"}


def test_update_parameters_merges(clone):
    clone.update_parameters({"General/lr": 0.5})
    params = Task.get_task(task_id=clone.id).get_parameters()
    assert (params["General/lr"], params["General/batch_size"]) == ("0.5", "32")


@pytest.mark.parametrize("by", ["name", "id"])
def test_enqueue_by_queue_name_or_id(server, clone, by):
    queue = server.api("queues.get_all", name="^default$")["queues"][0]
    if by == "name":
        Task.enqueue(clone, queue_name="default")
    else:
        Task.enqueue(clone, queue_id=queue["id"])
    assert clone.id in [e["task"] for e in server.api("queues.get_by_id", queue=queue["id"])
                        ["queue"]["entries"]]
    Task.dequeue(clone)


def test_dequeue_returns_task_to_created(server, clone):
    Task.enqueue(clone, queue_name="default")
    Task.dequeue(clone)
    task = server.api("tasks.get_by_id", task=clone.id)["task"]
    assert task["status"] == "created"
    assert clone.id not in str(server.api("queues.get_all", name="^default$"))


def test_enqueue_to_unknown_queue_fails(clone):
    with pytest.raises(Exception, match="not.*found|queue"):
        Task.enqueue(clone, queue_name="no such queue")


def test_reset_clears_results(server, template):
    copy = Task.clone(source_task=template, name="to reset")
    Task.enqueue(copy, queue_name="default")
    copy.reset(force=True)
    assert server.api("tasks.get_by_id", task=copy.id)["task"]["status"] == "created"


def test_archive_hides_from_default_listing(server, template):
    copy = Task.clone(source_task=template, name="to archive")
    copy.set_archived(True)
    names = [t.name for t in Task.get_tasks(project_name=PROJECT, task_filter={
        "system_tags": ["-archived"]})]
    assert "to archive" not in names and "template" in names


def test_delete_removes_task(server, template):
    copy = Task.clone(source_task=template, name="to delete")
    copy.delete()
    answer = server.call("tasks.get_by_id", {"task": copy.id})
    assert answer["meta"]["result_subcode"] == 101


def test_get_tasks_pages_past_500(server):
    project = server.api("projects.create", name="paging")["id"]
    for index in range(501):
        server.api("tasks.create", name=f"paged {index}", type="training", project=project)
    # get_tasks stops at 500 objects by design; query_tasks pages through every id.
    assert len(set(Task.query_tasks(project_name="paging"))) == 501


def test_get_tasks_filters_by_name_and_status(server, template):
    tasks = Task.get_tasks(project_name=PROJECT, task_name="template",
                           task_filter={"status": ["completed"]})
    assert tasks and all(t.status == "completed" and "template" in t.name for t in tasks)


def test_abort_stops_a_running_script(server, tmp_path):
    process = subprocess.Popen([sys.executable, str(SCRIPTS / "waiting.py"), PROJECT, "to abort"],
                               cwd=tmp_path, env=server.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        if line.startswith("beat 2"):
            break
    task = Task.get_task(project_name=PROJECT, task_name="to abort")
    task.mark_stopped()
    assert process.wait(timeout=60) is not None
    assert wait_for_status(server, task.id, ["stopped"])["status"] == "stopped"


def test_user_properties_can_be_set_on_a_running_task(server):
    task = server.api("tasks.create", name="running", type="training")["id"]
    server.api("tasks.started", task=task)
    server.api("tasks.edit_hyper_params", task=task, hyperparams=[
        {"section": "properties", "name": "dataset", "value": "mnist"}])
    answer = server.call("tasks.edit_hyper_params", {"task": task, "hyperparams": [
        {"section": "General", "name": "lr", "value": "0.1"}]})
    assert answer["meta"]["result_subcode"] == 110
    stored = server.api("tasks.get_by_id", task=task)["task"]["hyperparams"]
    assert stored == {"properties": {"dataset": {
        "section": "properties", "name": "dataset", "value": "mnist"}}}


def test_enqueue_by_queue_name_takes_the_name_literally(server):
    server.api("queues.create", name="gpu (large)")
    task = server.api("tasks.create", name="literal queue", type="training")["id"]
    answer = server.api("tasks.enqueue", task=task, queue_name="gpu (large)")
    assert answer["queued"] == 1
