"""Event identity as ClearML Server's: one stored event per task, type, iter, metric, variant
and key, the newest; log lines are never merged (apiserver/bll/event/event_bll.py add_events,
event_id_fields, _get_event_id: "overwrite if exists with same ID")."""
import sqlite3

import pytest
from clearml import Task

from clearml_local.storage import SCHEMA_VERSION, Storage
from support import IDENTITY, older_schema

KINDS = {
    "training_stats_scalar": {"value": 0.5},
    "plot": {"plot_str": '{"data": []}'},
    "training_debug_image": {"url": "http://files/a.png", "key": "a.png"},
    "training_stats_vector": {"values": [1, 2]},
}



def event(task_id, kind, **fields):
    return {"task": task_id, "type": kind, "metric": "m", "variant": "v", "iter": 3,
            "timestamp": 1000, **KINDS.get(kind, {}), **fields}


@pytest.mark.parametrize("kind", KINDS)
def test_batch_sent_twice_is_stored_once(storage, task_id, kind):
    batch = [event(task_id, kind), event(task_id, kind, iter=4)]
    storage.add_events(batch)
    storage.add_events(batch)  # The SDK re-sends a batch whose answer timed out.
    assert [e["iter"] for e in storage.get_events(task_id, kind)] == [3, 4]


def test_images_of_one_iteration_differ_by_key(storage, task_id):
    storage.add_events([event(task_id, "training_debug_image", key=key) for key in "ab"])
    assert storage.count_events(task_id, "training_debug_image") == 2


def without_iter(task_id, kind):
    return {k: v for k, v in event(task_id, kind).items() if k != "iter"}


@pytest.mark.parametrize("kind", ["plot", "training_debug_image"])
def test_event_without_iter_is_apart_from_iteration_0(storage, task_id, kind):
    """_get_event_id joins only the id fields the event has: without iter, another id."""
    storage.add_events([without_iter(task_id, kind), event(task_id, kind, iter=0)])
    storage.add_events([without_iter(task_id, kind)])
    assert sorted("iter" in e for e in storage.get_events(task_id, kind)) == [False, True]


def test_log_lines_are_never_merged(storage, task_id):
    line = {"task": task_id, "type": "log", "iter": 0, "msg": "same", "timestamp": 1000}
    storage.add_events([line, line])
    storage.add_events([line])
    assert [e["msg"] for e in storage.get_events(task_id, "log")] == ["same"] * 3


def test_rereported_scalar_keeps_newest_value(storage, task_id):
    storage.add_events([event(task_id, "training_stats_scalar", value=0.9)])
    storage.add_events([event(task_id, "training_stats_scalar", value=0.2, timestamp=2000)])
    [stored] = storage.get_events(task_id, "training_stats_scalar")
    assert (stored["value"], stored["timestamp"]) == (0.2, 2000)


def test_last_metrics_count_every_report_as_clearml_does(storage, task_id):
    """_update_last_scalar_events_for_task adds every event received to count, min and max;
    the value is the newest."""
    for value in (0.9, 0.2):
        storage.add_events([event(task_id, "training_stats_scalar", value=value)])
    [entry] = [e for v in storage.get_task(task_id)["last_metrics"].values() for e in v.values()]
    assert (entry["value"], entry["min_value"], entry["max_value"], entry["count"]) == (
        0.2, 0.2, 0.9, 2)


def test_upgrade_keeps_newest_of_duplicates(tmp_path):
    old = Storage(tmp_path / "db")
    task = old.create_task({"name": "t", "type": "training"}, IDENTITY)
    old.close()
    older_schema(tmp_path / "db", 5)
    raw = sqlite3.connect(tmp_path / "db")  # Version 5: no key, every event appended.
    rows = [("training_stats_scalar", 0, '{"value": %s}' % v) for v in (1, 2, 3)] + [
        ("training_debug_image", 0, '{"key": "%s"}' % k) for k in "aab"] + [("log", 0, "{}")] * 2
    raw.executemany("INSERT INTO events (task, type, iter, timestamp, doc, value)"
                    " VALUES (?, ?, ?, 0, ?, NULL)", [(task, *row) for row in rows])
    raw.commit()
    raw.close()
    upgraded = Storage(tmp_path / "db")
    assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [e["value"] for e in upgraded.get_events(task, "training_stats_scalar")] == [3]
    assert [upgraded.count_events(task, kind) for kind in ("training_debug_image", "log")] == [
        2, 2]


def test_sdk_rereport_at_one_iteration_shows_newest(server):
    task = Task.create(project_name="event identity", task_name="rereport")
    logger = task.get_logger()
    for value in (1.0, 2.0):
        logger.report_scalar("loss", "train", value, iteration=7)
        task.flush(wait_for_uploads=True)
    scalars = Task.get_task(task_id=task.id).get_reported_scalars()
    assert (scalars["loss"]["train"]["x"], scalars["loss"]["train"]["y"]) == ([7], [2.0])


def test_upgrade_from_6_sets_events_without_iter_apart(tmp_path):
    old = Storage(tmp_path / "db")
    task = old.create_task({"name": "t", "type": "training"}, IDENTITY)
    old.close()
    older_schema(tmp_path / "db", 6)
    raw = sqlite3.connect(tmp_path / "db")  # Version 6: stored at iter 0, iter 0's identity.
    raw.execute("INSERT INTO events (task, type, iter, key, timestamp, doc) VALUES"
                " (?, 'plot', 0, '', 0, ?)", (task, '{"type": "plot", "metric": "m"}'))
    raw.commit()
    raw.close()
    upgraded = Storage(tmp_path / "db")
    upgraded.add_events([{"task": task, "type": "plot", "metric": "m", "iter": 0}])
    assert sorted("iter" in e for e in upgraded.get_events(task, "plot")) == [False, True]
