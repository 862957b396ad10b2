"""NaN and Infinity scalars from the real SDK: refused one by one as ClearML Server does, and
every read (API and web JSON) stays strict JSON."""
import json
import sqlite3
from contextlib import closing

import pytest
import requests

from support import run_script


def strict(text):
    """text parsed as strict JSON: NaN, Infinity and -Infinity raise ValueError."""
    def refuse(constant):
        raise ValueError(f"{constant} in JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def task_id(server, tmp_path_factory):
    """The task of a run of tests/scripts/report_nan.py."""
    result = run_script(server, "report_nan.py", "nan", cwd=tmp_path_factory.mktemp("nan"))
    return result.stdout.split("TASK ")[1].split()[0]


def post(server, endpoint, **data):
    return requests.post(f"{server.api_url}/{endpoint}", json=data, timeout=30,
                         headers={"Authorization": f"Bearer {server.token}"})


@pytest.mark.parametrize("endpoint", ["tasks.get_by_id", "tasks.get_all",
                                      "events.scalar_metrics_iter_histogram",
                                      "events.get_task_latest_scalar_values"])
def test_reads_are_strict_json(server, task_id, endpoint):
    data = {"id": [task_id]} if endpoint == "tasks.get_all" else {"task": task_id}
    answer = strict(post(server, endpoint, **data).text)
    assert answer["meta"]["result_code"] == 200


def test_finite_scalars_are_kept_and_others_refused_or_zero(server, task_id):
    """The SDK reports NaN and Infinity as 0.0 by default; sent as is, the server refuses
    those events only (Elasticsearch's float fields refuse them under ClearML Server)."""
    loss = strict(post(server, "events.scalar_metrics_iter_histogram", task=task_id).text)
    loss = loss["data"]["loss"]
    assert (loss["default"]["x"], loss["default"]["y"]) == ([0, 1, 2, 3, 4], [1, 0, 0, 0, 2])
    assert (loss["raw"]["x"], loss["raw"]["y"]) == ([0, 4], [1.0, 2.0])


def test_web_json_is_strict(server, task_id):
    task = server.api("tasks.get_by_id", task=task_id)["task"]
    page = requests.get(f"{server.web_url}/projects/{task['project']}/experiments/{task_id}.json",
                        headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert page.status_code == 200 and strict(page.text)


def test_nan_stored_by_an_older_server_reads_as_null(server):
    task = server.api("tasks.create", name="old nan", type="training")["id"]
    with closing(sqlite3.connect(server.data_dir / "clearml.db", timeout=30)) as db, db:
        db.execute("UPDATE tasks SET last_metrics = ? WHERE id = ?",
                   ('{"m": {"v": {"value": NaN, "max_value": Infinity}}}', task))
    answer = strict(post(server, "tasks.get_by_id", task=task).text)
    assert answer["data"]["task"]["last_metrics"]["m"]["v"] == {"value": None, "max_value": None}
