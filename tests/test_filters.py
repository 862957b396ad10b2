"""get_all filters read as ClearML Server reads them, through the real API and the real SDK.

Each rule names the clearml-server file it comes from (apiserver/...).
"""
import hashlib
import json
import sqlite3
import uuid
from types import SimpleNamespace

import pytest
from clearml import Task

from clearml_local.storage import text_search
from clearml_local.storage.query import paging
from clearml_local.storage import Storage
from support import older_schema

BASE = "apiserver/database/model/base.py"


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


LOSS = f"last_metrics.{_md5('loss')}.{_md5('train')}"


@pytest.fixture(scope="module")
def world(server):
    """A project of its own with tasks tagged x, y, x and y, and none, created in that order,
    with a train/loss scalar of 0.1, 0.5 and 0.9 on the first three."""
    name = f"filters-{uuid.uuid4().hex[:8]}"
    project = server.api("projects.create", name=name)["id"]
    tasks = {}
    for key, tags, comment in (("x", ["x"], "alpha"), ("y", ["y"], "beta"),
                               ("xy", ["x", "y"], "x-ray"), ("none", [], "")):
        tasks[key] = server.api("tasks.create", name=key, type="training", project=project,
                                tags=tags, comment=comment)["id"]
    events = [{"type": "training_stats_scalar", "task": tasks[key], "metric": "loss",
               "variant": "train", "iter": 1, "value": value}
              for key, value in (("x", 0.1), ("y", 0.5), ("xy", 0.9))]
    server.call("events.add_batch", raw="\n".join(json.dumps(e) for e in events))
    found = server.api("tasks.get_all", id=list(tasks.values()))["tasks"]
    return SimpleNamespace(name=name, project=project, tasks=tasks,
                           by_name={task["name"]: task for task in found})


def names(server, world, endpoint="tasks.get_all", **request):
    found = server.api(endpoint, project=[world.project], only_fields=["name"], **request)
    return sorted(obj["name"] for obj in next(iter(found.values())))


def error_of(server, endpoint, **request):
    meta = server.call(endpoint, request)["meta"]
    return meta["result_code"], meta["result_subcode"], meta["result_msg"]


@pytest.mark.parametrize("tags, expected", [
    (["x", "y"], ["x", "xy", "y"]),  # Plain tags are OR'ed.
    (["__$all", "x", "y"], ["xy"]),
    (["__$any", "x", "y"], ["x", "xy", "y"]),
    (["-x"], ["none", "y"]),
    (["__$not", "x"], ["none", "y"]),
    (["x", "-y"], ["x"]),  # Groups of plain values are AND'ed.
    (["__$all", "x", "__$not", "y"], ["x"]),
    (["__$any", "__$not", "x", "__$not", "y"], ["none"]),
    (["__$any", "x", "__$all", "__$not", "y"], ["none", "x", "xy"]),  # First operator: OR.
    ([None], ["none"]),
    (["y", None], ["none", "xy", "y"]),
])
def test_tags_follow_clearml_operators(server, world, tags, expected):
    """base.py NewListFieldBucketHelper and get_list_field_query."""
    assert names(server, world, tags=tags) == expected


def test_sdk_get_tasks_ors_tags_and_query_tasks_passes_operators(server, world):
    """base.py get_list_field_query, as Task.get_tasks(tags=) and Task.query_tasks send it."""
    found = Task.get_tasks(project_name=world.name, tags=["x", "y"])
    assert sorted(task.name for task in found) == ["x", "xy", "y"]
    assert Task.query_tasks(project_name=world.name, tags=["__$all", "x", "y"]) == [
        world.tasks["xy"]]


@pytest.mark.parametrize("bad, needle", [
    ({"tags": ["__$nand", "x"]}, "__$nand"),
    ({"tags": ["__$not"]}, "__$not"),
    ({"colour": ["red"]}, "colour"),
    ({"active_duration": [1, 2]}, "active_duration"),
    ({"order_by": ["shoe_size"]}, "shoe_size"),
    ({"filters": {"tags": {"any": {"include": ["x"]}}}}, "filters"),
    ({"status_changed": [">yesterday"]}, "yesterday"),
    ({"created": ">2024-01-01"}, "created"),
    ({"_any_": {"fields": ["name"], "datetime": [">2024-01-01"]}}, "name"),
    ({"_any_": {"fields": ["name"]}}, "_any_"),
    ({"size": 5}, "scroll_id"),
])
def test_what_is_not_understood_is_a_400_naming_it(server, bad, needle):
    """Never ignored: ClearML Server drops unknown keys and unreadable dates silently
    (base.py _get_dates_query, _prepare_query_no_company); this server names them."""
    code, _, message = error_of(server, "tasks.get_all", **bad)
    assert code == 400 and needle in message


@pytest.mark.parametrize("request_, expected", [
    ({"status_changed": [">2099-01-01"]}, []),
    ({"status_changed": ["<2099-01-01T00:00:00Z"]}, ["none", "x", "xy", "y"]),
    ({"created": ["{y}", None]}, ["none", "xy", "y"]),
    ({"created": [None, "{y}"]}, ["x", "y"]),
    ({"status_changed": [">={y}", "<{xy}"]}, ["y"]),
    ({"status_changed": ["{y}"]}, ["y"]),
])
def test_dates_take_operators_and_ranges(server, world, request_, expected):
    """base.py _get_dates_query (status_changed: "[op]date" conditions, or a [from, to]
    range) and get_range_field_query (created: [min, max], both included)."""
    stamps = {key: world.by_name[key]["created" if "created" in request_ else "status_changed"]
              for key in ("y", "xy")}
    request_ = {k: [v.format(**stamps) if v else v for v in value]
                for k, value in request_.items()}
    assert names(server, world, **request_) == expected


@pytest.mark.parametrize("bounds, expected", [
    ([0.4, None], ["xy", "y"]), ([0.2, 0.6], ["y"]),
    ([None, 0.4], ["none", "x"]),  # A missing minimum also takes tasks without the metric.
    (["0.4", None], ["xy", "y"]),  # Strings are read as numbers.
])
def test_last_metrics_ranges(server, world, bounds, expected):
    """base.py get_range_field_query and _try_convert_to_numeric (task.py range_fields)."""
    assert names(server, world, **{f"{LOSS}.max_value": bounds}) == expected


def test_last_metrics_order_puts_tasks_without_it_last(server, world):
    """base.py _get_many_override_none_ordering: empties last for the first order field."""
    for order, expected in (("-", ["xy", "y", "x", "none"]), ("", ["x", "y", "xy", "none"])):
        found = server.api("tasks.get_all", project=[world.project], only_fields=["name"],
                           order_by=[f"{order}{LOSS}.value"])["tasks"]
        assert [task["name"] for task in found] == expected


@pytest.mark.parametrize("request_, expected", [
    ({"_any_": {"fields": ["name", "comment"], "pattern": "^X$"}}, ["x"]),  # Ignores case.
    ({"_all_": {"fields": ["name", "comment"], "pattern": "x"}}, ["xy"]),
    ({"_or_": {"fields": ["name", "comment"], "pattern": "^(y|alpha)$"}}, ["x", "y"]),
    ({"_or_": {"fields": ["last_update", "last_change"], "datetime": [">2099-01-01"]}}, []),
    ({"_any_": {"fields": ["tags"], "pattern": "^y$"}}, ["xy", "y"]),
    ({"name": "^X$"}, []),  # A plain name pattern is case-sensitive (RegexWrapper, no flags).
])
def test_multi_field_conditions(server, world, request_, expected):
    """base.py _multi_field_param_prefix and MultiFieldParameters."""
    assert names(server, world, **request_) == expected


def test_runtime_pattern_finds_a_cached_step(server, world):
    """clearml automation/job.py _get_cached_task sends `_all_` on runtime.<hash property>."""
    server.api("tasks.edit", task=world.tasks["y"], runtime={"_job_hash": "abc"}, force=True)
    hit = {"fields": ["runtime._job_hash"], "pattern": "^abc$"}
    assert names(server, world, _all_=hit) == ["y"]
    assert names(server, world, _all_=dict(hit, pattern="^abd$")) == []


def test_search_text_matches_words_of_name_comment_and_id(server, world):
    """database/model/task/task.py main_text_index (name, id, comment, ...)."""
    assert names(server, world, search_text="beta") == ["y"]
    assert names(server, world, search_text=world.tasks["x"]) == ["x"]
    assert names(server, world, search_text="ray nothing") == ["xy"]


@pytest.mark.parametrize("search, text, found", [
    ("training", "train run", True), ("runs", "a run", True), ("accuracies", "accuracy", True),
    ("train -evaluated", "training, evaluating", False), ('"train run"', "training run", False),
    ("trainer", "training", False)])
def test_search_text_stems_words_as_mongodb_english(search, text, found):
    """main_text_index's default_language "english": MongoDB stems with Snowball's English."""
    assert text_search.text_match(search, text) is found


def test_scroll_pages_through_and_refreshes(server, world):
    """base.py get_data_with_scroll_support: size per call, refresh_scroll re-reads it all."""
    first = server.api("tasks.get_all", project=[world.project], scroll_id=None, size=3)
    second = server.api("tasks.get_all", project=[world.project], scroll_id=first["scroll_id"],
                        size=3)
    again = server.api("tasks.get_all", project=[world.project],
                       scroll_id=second["scroll_id"], size=1, refresh_scroll=True)
    assert (len(first["tasks"]), len(second["tasks"]), len(again["tasks"])) == (3, 1, 4)


def test_hidden_objects_come_back_by_id(server, world):
    """services/projects.py and services/tasks.py _hidden_query: hidden unless search_hidden
    or ids are given."""
    project = server.api("projects.create", name=f"{world.name}/.hidden",
                         system_tags=["hidden"])["id"]
    by_name = {"name": f"^{world.name}/\\.hidden$"}
    assert server.api("projects.get_all", **by_name)["projects"] == []
    assert [p["id"] for p in server.api("projects.get_all", id=[project])["projects"]] == [
        project]
    assert len(server.api("projects.get_all", search_hidden=True, **by_name)["projects"]) == 1


def test_nested_project_creates_its_parents(server, world):
    """bll/project/sub_projects.py _ensure_project and _save_under_parent."""
    leaf = server.api("projects.create", name=f"{world.name}/a/b/c")["id"]
    found = server.api("projects.get_all", name=f"^{world.name}(/|$)",
                       only_fields=["name", "parent", "path"])["projects"]
    by_name = {p["name"]: p for p in found}
    chain = [by_name[f"{world.name}{suffix}"]["id"] for suffix in ("", "/a", "/a/b")]
    assert by_name[f"{world.name}/a/b/c"]["path"] == chain and chain[0] == world.project
    assert by_name[f"{world.name}/a/b/c"]["parent"] == chain[-1] == by_name[
        f"{world.name}/a/b"]["id"] and leaf == by_name[f"{world.name}/a/b/c"]["id"]
    assert {f"{world.name}/a", f"{world.name}/a/b"} <= {p.name for p in Task.get_projects()}


def test_parent_and_include_subprojects_reach_every_depth(server, world):
    """services/projects.py _adjust_search_parameters (parent is read as path unless
    shallow_search) and services/utils.py process_include_subprojects."""
    leaf = server.api("projects.create", name=f"{world.name}/deep/er")["id"]
    task = server.api("tasks.create", name="deep", type="training", project=leaf)["id"]
    below = server.api("projects.get_all", parent=[world.project])["projects"]
    shallow = server.api("projects.get_all", parent=[world.project], shallow_search=True)
    assert f"{world.name}/deep/er" in {p["name"] for p in below}
    assert f"{world.name}/deep/er" not in {p["name"] for p in shallow["projects"]}
    assert "deep" not in names(server, world)
    assert task in [t["id"] for t in server.api("tasks.get_all", project=[world.project],
                                                 include_subprojects=True)["tasks"]]


def test_renaming_a_project_renames_those_below_but_cannot_move_it(server, world):
    """bll/project/project_bll.py update: CannotUpdateProjectLocation (400/408)."""
    top = server.api("projects.create", name=f"{world.name}-r/s/t")["id"]
    parent = server.api("projects.get_all", name=f"^{world.name}-r$")["projects"][0]["id"]
    server.api("projects.update", project=parent, name=f"{world.name}-q")
    assert server.api("projects.get_by_id", project=top)["project"]["name"] == \
        f"{world.name}-q/s/t"
    assert error_of(server, "projects.update", project=top, name="elsewhere")[:2] == (400, 408)


def test_model_metadata_and_ready_filters(server, world):
    """database/model/model.py get_all_query_options: metadata.* list, ready equality."""
    model = server.api("models.create", name="m", project=world.project, uri="file:///m")["id"]
    server.api("models.add_or_update_metadata", model=model,
               metadata=[{"key": "split", "type": "str", "value": "val"}])
    assert names(server, world, "models.get_all", **{"metadata.split.value": ["val"]}) == ["m"]
    assert names(server, world, "models.get_all", ready=True) == []


def test_version_2_database_gains_the_projects_above_its_nested_ones(tmp_path):
    """sub_projects.py _ensure_project, applied by the schema 4 upgrade to older data."""
    Storage(tmp_path / "db").close()
    older_schema(tmp_path / "db", 2)
    old = sqlite3.connect(tmp_path / "db")
    old.execute("INSERT INTO projects (id, name, basename, created, last_update)"
                " VALUES ('p3', 'a/b/c', 'c', '2024-01-01', '2024-01-01')")
    old.commit()
    old.close()
    projects = {p["name"]: p for p in Storage(tmp_path / "db").get_all("projects", {})}
    assert projects["a/b/c"]["path"] == [projects["a"]["id"], projects["a/b"]["id"]]
    assert projects["a/b"]["parent"] == projects["a"]["id"] and projects["a"]["parent"] is None


def test_only_fields_with_minus_leaves_fields_out(server, world):
    """base.py split_projection: a leading '-' in only_fields excludes that field."""
    task = server.api("tasks.get_all", id=[world.tasks["x"]],
                      only_fields=["-comment", "-script.repository"])["tasks"][0]
    assert "comment" not in task and "repository" not in task["script"]
    assert task["name"] == "x" and task["tags"] == ["x"]


@pytest.mark.parametrize("request_, expected", [
    ({}, (0, 500)), ({"page": 2}, (1000, 500)), ({"page_size": 1000}, (0, 500)),
    ({"page": 1, "page_size": 10}, (10, 10)),
])
def test_paging_defaults_and_cap(request_, expected):
    """base.py validate_paging with config services._mongo.max_page_size 500."""
    assert paging(request_) == expected


def test_patterns_never_match_numbers_or_objects(server, world):
    """MongoDB $regex (base.py _any_ with pattern) matches strings only."""
    server.api("tasks.edit", task=world.tasks["none"], force=True,
               runtime={"n": 7, "obj": {"inner": "seven"}, "s": "seven"})
    for field, expected in (("runtime.n", []), ("runtime.obj", []), ("runtime.s", ["none"]),
                            ("last_iteration", [])):
        pattern = {"runtime.n": "7", "last_iteration": "1"}.get(field, "seven")
        assert names(server, world, _any_={"fields": [field], "pattern": pattern}) == expected
