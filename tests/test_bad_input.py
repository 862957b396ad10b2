"""Bad input of every kind gets a ClearML 4xx that names the problem, never a crash or a 500."""
import base64
import json

import jwt
import pytest
import requests

from clearml_local.routes import ROUTES
from support import fresh_token

FIELDS = ["task", "tasks", "ids", "name", "queue", "project", "model", "worker", "type",
          "status", "hyperparams", "configuration", "artifacts", "metadata", "execution",
          "script", "tags", "system_tags", "only_fields", "order_by", "page", "page_size",
          "requirements", "force", "new_status", "key", "batch_size", "iters", "queues",
          "runtime_properties", "event_type", "new_task_name", "new_task_tags",
          "execution_overrides", "count", "uri", "labels", "replace_hyperparams", "names", "id",
          "parent", "timeout", "expiration_sec", "order", "metric", "ready", "last_iteration"]
BAD_VALUES = [5, "", ["x"], {"a": 1}, None, True, [None]]


@pytest.fixture(scope="module")
def target(server):
    return server.api("tasks.create", name="bad input target", type="training")["id"]


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_wrong_field_types_never_crash(server, target, endpoint):
    """Every field at once of one wrong type, with and without a real task: one request per
    body, so the whole table takes seconds (a request per field took minutes)."""
    session = requests.Session()
    # auth.logout ends the session of its token: it gets a login of its own.
    token = fresh_token(server) if endpoint == "auth.logout" else server.token
    session.headers["Authorization"] = f"Bearer {token}"
    crashes = []
    for value in BAD_VALUES:
        for task in (value, target):
            body = dict.fromkeys(FIELDS, value) | {"task": task}
            meta = session.post(f"{server.api_url}/{endpoint}", json=body, timeout=30).json()["meta"]
            if not 200 <= meta["result_code"] < 500 or meta["error_stack"]:
                crashes.append((value, task, meta["result_code"], meta["result_msg"]))
    assert crashes == []


def basic(text):
    return "Basic " + base64.b64encode(text.encode()).decode()


# The 500s of issue 8, each now a 4xx naming the problem.
CASES = [
    ("non-ASCII basic", "tasks.get_all", "{}", {"Authorization": "Basic é:ü"}, 401,
     "malformed credentials"),
    ("non-ASCII basic, encoded", "tasks.get_all", "{}", {"Authorization": basic("é:ü")}, 401,
     "invalid credentials"),
    ("deep nesting", "tasks.get_all", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", {}, 400,
     "nested deeper"),
    ("int above int64", "tasks.get_all", '{"page": 0, "page_size": 99999999999999999999}', {},
     400, "64-bit"),
    ("page_size --5", "tasks.get_all", '{"page_size": "--5"}', {}, 400, "page_size"),
    ("search_text dict", "tasks.get_all", '{"search_text": {"a": 1}}', {}, 400, "search_text"),
    ("section as list", "tasks.edit_hyper_params",
     '{"task": "@", "hyperparams": [{"name": "x", "section": ["a"]}]}', {}, 400, "section"),
    ("section values as list", "tasks.edit", '{"task": "@", "hyperparams": {"General": ["a"]}}',
     {}, 400, "hyperparams.General"),
    ("event metric dict", "events.add", '{"task": "@", "type": "training_stats_scalar", '
     '"metric": {"a": 1}, "variant": "v", "value": 1, "iter": 0}', {}, 400, "metric"),
    ("event timestamp abc", "events.add", '{"task": "@", "type": "log", "timestamp": "abc"}',
     {}, 400, "timestamp"),
    ("expiration_sec 1e400", "auth.login", '{"expiration_sec": 1e400}', {"Authorization": "@"},
     400, "expiration_sec"),
    ("NaN outside events", "tasks.edit", '{"task": "@", "runtime": {"x": NaN}}', {}, 400,
     "runtime.x"),
    # Found since.
    ("lone surrogate", "tasks.create", '{"name": "\\ud800", "type": "training"}', {}, 400,
     "surrogate"),
    ("page * page_size beyond int64", "tasks.get_all",
     '{"page": 4611686018427387904, "page_size": 500}', {}, 400, "page"),
]


@pytest.mark.parametrize("name, endpoint, body, headers, code, words", CASES,
                         ids=[c[0] for c in CASES])
def test_issue_8_crashes_are_clear_errors(server, target, name, endpoint, body, headers, code,
                                          words):
    headers = {"Authorization": f"Bearer {server.token}", **headers}
    if headers["Authorization"] == "@":
        headers["Authorization"] = basic(f"{server.access_key}:{server.secret_key}")
    response = requests.post(f"{server.api_url}/{endpoint}", data=body.replace("@", target),
                             headers=headers, timeout=30)
    meta = response.json()["meta"]
    assert (response.status_code, meta["result_code"]) == (code, code)
    assert words in meta["result_msg"] and meta["error_stack"] == ""


def test_token_without_identity_is_refused(server):
    signing_key = json.loads((server.data_dir / "credentials.json").read_text())["signing_key"]
    token = jwt.encode({"exp": 2**40}, signing_key, algorithm="HS256")
    answer = server.call("tasks.get_all", {}, token=token)
    assert (answer["meta"]["result_code"], answer["meta"]["result_subcode"]) == (401, 30)
    assert "identity" in answer["meta"]["result_msg"]


def test_model_for_unknown_task_is_not_created(server):
    answer = server.call("models.create", {"name": "orphan model", "task": "no-such-task"})
    assert answer["meta"]["result_subcode"] == 101
    assert server.api("models.get_all", name="^orphan model$")["models"] == []


def test_clone_into_unknown_project_is_refused(server, target):
    answer = server.call("tasks.clone", {"task": target, "new_task_project": "no-such-project"})
    assert answer["meta"]["result_subcode"] == 401


@pytest.mark.parametrize("service, method", [("api", "OPTIONS"), ("files", "PUT")])
def test_methods_no_route_takes_are_answered_in_the_envelope(server, service, method):
    url = {"api": f"{server.api_url}/tasks.get_all", "files": f"{server.files_url}/a/b.bin"}
    response = requests.request(method, url[service], timeout=10,
                                headers={"Authorization": f"Bearer {server.token}"})
    assert response.status_code == response.json()["meta"]["result_code"] == 405
