"""The envelope every answer comes in, and ClearML's error codes for bad input."""
import pytest
import requests

META_KEYS = {"id", "trx", "endpoint", "result_code", "result_subcode", "result_msg",
             "error_stack", "error_data"}


def test_success_envelope(server):
    answer = server.call("debug.ping")
    assert set(answer) == {"meta", "data"} and set(answer["meta"]) == META_KEYS
    assert (answer["meta"]["result_code"], answer["meta"]["result_msg"]) == (200, "OK")


@pytest.mark.parametrize("path", ["/v2.23/projects.get_all", "/v2.5/projects.get_all",
                                  "/projects.get_all"])
def test_version_prefix_is_optional(server, path):
    response = requests.get(server.api_url + path, json={"name": "^x$"},
                            headers={"Authorization": f"Bearer {server.token}"}, timeout=10)
    assert response.json()["meta"]["result_code"] == 200


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_body_is_read_on_every_method(server, method):
    answer = server.call("tasks.get_by_id", {"task": "no-such-task"}, method=method)
    assert answer["meta"]["result_subcode"] == 101


def test_method_key_from_sdk_is_not_stored(server):
    project = server.api("projects.create", name="method key", method="get")
    stored = server.api("projects.get_by_id", project=project["id"])["project"]
    assert "method" not in stored


ERRORS = [
    ("unknown endpoint", "tasks.no_such_thing", {}, 400, 1, "not supported"),
    ("missing field", "tasks.get_by_id", {}, 400, 11, "task"),
    ("wrong type", "tasks.create", {"name": 5, "type": "training"}, 400, 20, "name"),
    ("bad task type", "tasks.create", {"name": "x", "type": "nonsense"}, 400, 12, "nonsense"),
    ("unknown task", "tasks.get_by_id", {"task": "nope"}, 400, 101, "nope"),
    ("unknown project", "projects.get_by_id", {"project": "nope"}, 400, 401, "nope"),
    ("unknown queue", "queues.get_by_id", {"queue": "default"}, 400, 701, "default"),
    ("unknown model", "models.get_by_id", {"model": "nope"}, 400, 201, "nope"),
    ("bad regex", "tasks.get_all", {"name": "(unclosed"}, 400, 21, "regular expression"),
    ("bad page", "tasks.get_all", {"page": -1, "page_size": 10}, 400, 12, "page"),
    ("bad status change", "tasks.completed", {"task": "@created"}, 400, 110, "created"),
]


@pytest.mark.parametrize("name, endpoint, data, code, subcode, words", ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_bad_input_gets_clearml_error(server, name, endpoint, data, code, subcode, words):
    if data.get("task") == "@created":
        data = {"task": server.api("tasks.create", name="fresh", type="training")["id"]}
    answer = server.call(endpoint, data)
    meta = answer["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == (code, subcode)
    assert words in meta["result_msg"] and answer["data"] == {}
    assert server.api("debug.ping")


@pytest.mark.parametrize("raw, words", [(b"{not json", "invalid JSON"),
                                        (b"[1, 2]", "JSON object")])
def test_malformed_body_is_400(server, raw, words):
    answer = server.call("projects.get_all", raw=raw,
                         headers={"Content-Type": "application/json"})
    assert answer["meta"]["result_code"] == 400 and words in answer["meta"]["result_msg"]


def test_batch_with_an_invalid_event_stores_nothing(server):
    task = server.api("tasks.create", name="batch target", type="training")["id"]
    lines = (f'{{"type": "training_stats_scalar", "task": "{task}", "metric": "m", '
             f'"variant": "v", "iter": 0, "value": 1.0}}\n'
             f'{{"type": "training_stats_scalar", "task": "{task}", "value": "high"}}\n')
    answer = server.call("events.add_batch", raw=lines.encode(),
                         headers={"Content-Type": "application/json-lines"})
    assert answer["meta"]["result_code"] == 400 and "event 1" in answer["meta"]["result_msg"]
    assert server.api("events.scalar_metrics_iter_histogram", task=task) == {}


@pytest.mark.parametrize("header, subcode", [(None, 20), ("Bearer not-a-token", 30),
                                             ("Digest abc", 21)])
def test_calls_without_valid_token_get_401(server, header, subcode):
    response = requests.post(f"{server.api_url}/tasks.get_all", json={},
                             headers={"Authorization": header} if header else {}, timeout=10)
    meta = response.json()["meta"]
    assert (response.status_code, meta["result_code"], meta["result_subcode"]) == (
        401, 401, subcode)


def test_login_with_wrong_secret_is_refused(server):
    response = requests.get(f"{server.api_url}/auth.login",
                            auth=(server.access_key, "wrong"), timeout=10)
    assert response.json()["meta"]["result_code"] == 401
    assert "token" not in response.json()["data"]


def test_oversized_body_is_413_and_server_keeps_serving(tmp_path):
    from conftest import start_server, stop_server
    small = start_server(tmp_path / "data", tmp_path / "home", ["--max-body", "1000"])
    try:
        answer = small.call("projects.create", {"name": "x" * 5000})
        assert answer["meta"]["result_code"] == 413
        assert small.api("projects.get_all", name="^x+$")["projects"] == []
    finally:
        stop_server(small)
