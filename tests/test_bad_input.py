"""Every endpoint, fed fields of the wrong type: always a ClearML 4xx, never a crash or a 500."""
import pytest
import requests

from clearml_local.routes import ROUTES

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
    return server.api("tasks.create", name="fuzz target", type="training")["id"]


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_wrong_field_types_never_crash(server, target, endpoint):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.token}"
    crashes = []
    for name in FIELDS:
        for value in BAD_VALUES:
            body = {"task": target, name: value}
            meta = session.post(f"{server.api_url}/{endpoint}", json=body, timeout=30).json()["meta"]
            if not 200 <= meta["result_code"] < 500:
                crashes.append((body, meta["result_code"], meta["result_msg"]))
    assert crashes == []
