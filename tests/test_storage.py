"""Storage on real SQLite: schema, transactions, queues, statuses, metrics."""
import sqlite3
import threading

import pytest

from clearml_local import errors
from clearml_local.storage import SCHEMA_VERSION, Storage
from clearml_local.storage.database import REFERENCES_ENFORCED
from support import IDENTITY, older_schema




def test_new_database_is_at_current_schema_in_wal_mode(storage):
    assert storage.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data(tmp_path):
    Storage(tmp_path / "db").create_task({"name": "kept", "type": "training"}, IDENTITY)
    assert [t["name"] for t in Storage(tmp_path / "db").query("tasks")] == ["kept"]


def test_older_schema_is_upgraded_in_place(tmp_path):
    old = Storage(tmp_path / "db")
    task = old.create_task({"name": "kept", "type": "training"}, IDENTITY)
    old.close()
    older_schema(tmp_path / "db", 1)
    upgraded = Storage(tmp_path / "db")
    indexes = {row[1] for row in upgraded.db.execute("PRAGMA index_list(events)")}
    assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "events_task_time" in indexes and upgraded.get_task(task)["name"] == "kept"
    assert upgraded.get_task(task)["enqueue_status"] is None


def test_newer_schema_is_refused(tmp_path):
    sqlite3.connect(tmp_path / "db").execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="upgrade the server"):
        Storage(tmp_path / "db")


def test_read_only_storage_reads_and_refuses_writes(storage, task_id):
    reader = Storage(storage.path, read_only=True)
    assert reader.get_task(task_id)["name"] == "t"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.create_task({"name": "u", "type": "training"}, IDENTITY)
    reader.close()


def test_read_only_storage_neither_creates_nor_upgrades(tmp_path, storage):
    with pytest.raises(RuntimeError, match="no database"):
        Storage(tmp_path / "absent", read_only=True)
    storage.db.execute("PRAGMA user_version = 1")
    with pytest.raises(RuntimeError, match="start its server once to upgrade it"):
        Storage(storage.path, read_only=True)
    assert storage.db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_events_are_read_a_page_at_a_time_in_get_events_order(storage, task_id):
    storage.add_events([{"type": "log", "task": task_id, "msg": str(n), "timestamp": 5 - n // 2}
                        for n in range(5)])
    pages, after = [], None
    while True:
        events, after = storage.events_page(task_id, "log", after, limit=2)
        pages.append([event["msg"] for event in events])
        if after is None:
            break
    assert pages == [["4", "2"], ["3", "0"], ["1"]]
    assert storage.event_counts(task_id) == {"log": 5}


def test_failed_transaction_writes_nothing(storage, task_id):
    with pytest.raises(errors.ValidationError):
        storage.add_events([
            {"type": "training_stats_scalar", "task": task_id, "metric": "m", "variant": "v",
             "iter": 0, "value": 1.0},
            {"type": "training_stats_scalar", "task": "missing", "value": 2.0}])
    assert storage.get_events(task_id) == []


def test_last_metrics_follow_scalars(storage, task_id):
    storage.add_events([{"type": "training_stats_scalar", "task": task_id, "metric": "acc",
                         "variant": "val", "iter": i, "value": v}
                        for i, v in enumerate([0.5, 0.9, 0.7])])
    [entry] = [e for v in storage.get_task(task_id)["last_metrics"].values() for e in v.values()]
    assert (entry["value"], entry["min_value"], entry["max_value"]) == (0.7, 0.5, 0.9)


@pytest.mark.parametrize("current, new, allowed", [
    ("created", "queued", True), ("queued", "in_progress", True),
    ("in_progress", "completed", True), ("completed", "queued", False),
    ("published", "created", False), ("in_progress", "in_progress", True)])
def test_status_changes_follow_clearml_rules(storage, task_id, current, new, allowed):
    storage.set_task_status(task_id, current, force=True)
    if allowed:
        assert storage.set_task_status(task_id, new)["fields"]["status"] == new
    else:
        with pytest.raises(errors.InvalidTaskStatus):
            storage.set_task_status(task_id, new)


def test_queue_keeps_order(storage):
    queue = storage.query("queues", {"name": "^default$"})[0]["id"]
    ids = [storage.create_task({"name": f"t{i}", "type": "training"}, IDENTITY) for i in range(3)]
    for task in ids:
        storage.enqueue_task(task, queue)
    assert [storage.pop_queue(queue)["task"] for _ in ids] == ids
    assert storage.pop_queue(queue) is None


def test_clone_copies_definition_not_results(storage, task_id):
    storage.edit_task(task_id, {"hyperparams": {"General": {"a": {"value": "1"}}}})
    storage.set_task_status(task_id, "completed", force=True)
    clone = storage.get_task(storage.clone_task(task_id, IDENTITY, name="c"))
    assert (clone["status"], clone["parent"], clone["hyperparams"]) == (
        "created", task_id, {"General": {"a": {"value": "1"}}})


def test_read_modify_write_units_lose_no_update(storage, task_id):
    """Eight threads add parameters to one task by read, change, write back: as units, none
    is lost (each writing unit holds the write lock from its read to its commit)."""
    def add(name):
        params = storage.get_task(task_id)["hyperparams"].get("General", {})
        storage.edit_task(task_id, {"hyperparams": {"General": dict(params, **{name: {}})}})

    def worker(thread):
        for n in range(25):
            storage.run("add", add, f"p{thread}_{n}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(storage.get_task(task_id)["hyperparams"]["General"]) == 200


def test_failed_inner_write_is_undone_and_outer_one_kept(storage, task_id):
    with storage.transaction():
        with pytest.raises(errors.InvalidTaskStatus):
            with storage.transaction():
                storage.edit_task(task_id, {"name": "undone"})
                storage.set_task_status(task_id, "published")  # created -> published: refused
        storage.edit_task(task_id, {"comment": "kept"})
    task = storage.get_task(task_id)
    assert (task["name"], task["comment"]) == ("t", "kept")


def test_catastrophic_regex_is_cut_off_with_a_400(tmp_path):
    store = Storage(tmp_path / "db", regex_seconds=0.2)
    store.create_task({"name": "a" * 40 + "!", "type": "training"}, IDENTITY)
    select = "SELECT id FROM tasks WHERE name REGEXP ?"
    with pytest.raises(errors.ValidationError, match="simplify"):
        store.run("get_all", lambda: store.db.execute(select, ("^(a|a)*$",)).fetchall())


def test_older_database_upgrades_to_enforced_references(tmp_path):
    old = Storage(tmp_path / "db")
    task = old.create_task({"name": "orphan", "type": "training"}, IDENTITY)
    old.close()
    raw = sqlite3.connect(tmp_path / "db")  # References were not enforced before.
    raw.execute("UPDATE tasks SET project = 'deleted project' WHERE id = ?", (task,))
    raw.commit()
    raw.close()
    older_schema(tmp_path / "db", REFERENCES_ENFORCED - 1)
    upgraded = Storage(tmp_path / "db")
    assert upgraded.get_task(task)["project"] is None
    assert upgraded.db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(errors.ValidationError, match="project that does not exist"):
        upgraded.edit_task(task, {"project": "deleted project"})


def test_scalar_series_cuts_points_per_task_metric_and_variant(storage, task_id):
    other = storage.create_task({"name": "u", "type": "training"}, IDENTITY)
    storage.add_events([{"type": "training_stats_scalar", "task": task, "metric": metric,
                         "variant": "v", "iter": i, "value": float(i), "timestamp": 7}
                        for i in (2, 0, 1) for task in (other, task_id) for metric in "ba"])
    series = storage.scalar_series([task_id, other], ["a"])
    assert series == {task: {"a": {"v": [(0, 0.0, 7), (1, 1.0, 7), (2, 2.0, 7)]}}
                      for task in (task_id, other)}
