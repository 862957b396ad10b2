"""Long id lists in get_all: more ids than SQLite's limit of variables (32,766) in one
statement are answered, as MongoDB answers ClearML Server's `$in` of any length."""
import uuid

import pytest

MANY = 260_000


@pytest.mark.parametrize("endpoint, kind", [("tasks.get_all", "tasks"),
                                            ("models.get_all", "models")])
def test_more_ids_than_sqlite_variables(server, endpoint, kind):
    create = f"{kind}.create"
    made = [server.api(create, name=f"long list {n}", type="training")["id"] for n in range(3)]
    # Duplicates too: each id is looked for once.
    ids = [uuid.uuid4().hex for _ in range(MANY)] + made + made
    found = server.api(endpoint, id=ids, only_fields=["id"])[kind]
    assert sorted(obj["id"] for obj in found) == sorted(made)


def test_more_excluded_ids_than_sqlite_variables(server):
    project = server.api("projects.create", name="long exclusion list")["id"]
    made = [server.api("tasks.create", name=f"kept {n}", type="training",
                       project=project)["id"] for n in range(3)]
    excluded = [uuid.uuid4().hex for _ in range(MANY)] + made[:1]
    found = server.api("tasks.get_all", project=[project], id=[f"-{i}" for i in excluded],
                       only_fields=["id"])["tasks"]
    assert sorted(task["id"] for task in found) == sorted(made[1:])
