"""push's rules: the status calls it makes, how it rewrites ids and URLs, and the server
calls it needs that the local server answers as ClearML Server (tests/test_push.py runs the
real thing)."""
import pytest

from clearml_local.push import statuses
from clearml_local.push.remap import Hosts, Remap
from clearml_local.storage.statuses import TRANSITIONS

SOURCE = Hosts("http://127.0.0.1:1008", "http://127.0.0.1:1080", "http://127.0.0.1:1081")
TARGET = Hosts("https://api.example", "https://app.example", "https://files.example")
OLD, NEW = "a" * 32, "b" * 32


@pytest.mark.parametrize("status", sorted(statuses.PATHS))
def test_status_calls_follow_clearml_servers_status_machine(status):
    """Each call moves the task along a transition of clearml-server's state_machine
    (apiserver/bll/task/utils.py, kept in storage/statuses.py), so no call needs force."""
    reached = ["created"] + [statuses.LEADS_TO[call] for call in statuses.PATHS[status]]
    assert all(after in TRANSITIONS[before] for before, after in zip(reached, reached[1:]))


@pytest.mark.parametrize("status, on_target, calls", [
    ("completed", "created", ["tasks.started", "tasks.completed"]),
    ("completed", "in_progress", ["tasks.completed"]),
    ("published", "completed", ["tasks.publish"]),
    ("failed", "failed", []),
    ("in_progress", "created", ["tasks.started", "tasks.stopped"]),
])
def test_a_status_is_reached_from_where_the_target_task_is(status, on_target, calls):
    assert statuses.remaining_calls(status, on_target) == calls


@pytest.fixture
def remap(tmp_path):
    """A Remap whose source stores one file, uploads recorded instead of sent."""
    (tmp_path / "files" / "p").mkdir(parents=True)
    (tmp_path / "files" / "p" / "a b.txt").write_text("four")
    uploads = []

    def stored_file(url):
        path = tmp_path / "files" / "p" / "a b.txt"
        return path if url == f"{SOURCE.files}/p/a%20b.txt" else None

    remap = Remap({OLD: NEW}, SOURCE, TARGET, stored_file,
                  lambda local, path: uploads.append(path) or f"{TARGET.files}/{path}")
    remap.uploads = uploads
    return remap


def test_a_stored_file_is_uploaded_once_and_its_url_rewritten(remap):
    url = f"{SOURCE.files}/p/a%20b.txt"
    assert remap.value({"uri": url, "again": [url]}) == {
        "uri": f"{TARGET.files}/p/a%20b.txt", "again": [f"{TARGET.files}/p/a%20b.txt"]}
    assert (remap.uploads, remap.files, remap.bytes) == (["p/a%20b.txt"], 1, 4)


def test_a_web_link_inside_a_plot_is_rewritten_with_its_ids(remap):
    plot = f'{{"text": "<a href=\\"{SOURCE.web}/projects/x/experiments/{OLD}/output\\">"}}'
    assert remap.text(plot) == plot.replace(SOURCE.web, TARGET.web).replace(OLD, NEW)


@pytest.mark.parametrize("text", [
    "c" + OLD,  # Part of a longer hex string, such as a SHA-256.
    "http://127.0.0.1:6006/runs",  # The source's host, but none of its servers' ports.
    "https://example.com/" + "c" * 32,  # An id that was not pushed.
])
def test_what_is_not_the_sources_is_left_as_it_is(remap, text):
    assert remap.text(text) == text


def test_ids_are_rewritten_in_keys_and_inside_text(remap):
    assert remap.value({f"{OLD}.result": [f"opt: {OLD}"]}) == {f"{NEW}.result": [f"opt: {NEW}"]}


def test_a_dry_remap_counts_files_without_uploading(remap):
    remap.dry = True
    assert remap.text(f"{SOURCE.files}/p/a%20b.txt") == f"{TARGET.files}/p/a%20b.txt"
    assert (remap.uploads, remap.files) == ([], 1)


def test_a_missing_source_file_is_noted(remap):
    assert remap.text(f"{SOURCE.files}/p/gone.txt") == f"{TARGET.files}/p/gone.txt"
    assert remap.missing == [f"{SOURCE.files}/p/gone.txt"]


def test_tasks_update_sets_the_creation_time_as_clearml_server_does(server):
    """Task.created is user_set_allowed (clearml-server apiserver/database/model/task/task.py),
    so tasks.update sets it (services/tasks.py prepare_update_fields); times are kept in UTC."""
    task = server.api("tasks.create", name="made before", type="training")["id"]
    server.api("tasks.update", task=task, created="2024-01-02T03:04:05.678+02:00")
    assert server.api("tasks.get_by_id", task=task)["task"]["created"] == (
        "2024-01-02T01:04:05.678+00:00")


def test_tasks_update_refuses_a_creation_time_that_is_no_date(server):
    task = server.api("tasks.create", name="made when", type="training")["id"]
    meta = server.call("tasks.update", {"task": task, "created": "yesterday"})["meta"]
    assert (meta["result_code"], "created" in meta["result_msg"]) == (400, True)
