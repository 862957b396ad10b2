"""`push`: everything of a local server A (a random search run by a real agent, with a failed
clone; a pipeline; a dataset with a parent; a task with plots, debug images, an artifact and a
model) carried to server B, which stands in for ClearML Server and is reached only through its
API; read back through the SDK with A stopped. A push killed half-way and run again; a push of
one project; a dry run."""
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from conftest import FAST_POLL, ROOT, start_server, stop_server
from search_helpers import CONTROLLER, SPACE
from search_space import sample_configurations
from support import SCRIPTS, start_agent, stop_process

pytestmark = pytest.mark.slow
SEED, QUEUE, SEARCH_PROJECT = 7, "push-search", "push search"
# The search's third clone fails: its layer_1 is the template's fail_layer.
FAILING = sample_configurations(SPACE, 3, SEED)[2]["layer_1"]
OLD_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
HOSTS = ("CLEARML_API_HOST", "CLEARML_WEB_HOST", "CLEARML_FILES_HOST")


def sdk(server, script, *args, cwd, timeout=300):
    """Run an SDK script (of tests/scripts, or a path) against server; its stdout."""
    path = script if isinstance(script, Path) else SCRIPTS / script
    done = subprocess.run([sys.executable, str(path), *map(str, args)], cwd=cwd, env=server.env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{script}: {done.stdout}\n{done.stderr}"
    return done.stdout


def read_back(server, task_ids, folder):
    """What the SDK reads of the tasks on server (scripts/read_back.py), by task id."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ids").write_text("\n".join(task_ids))
    sdk(server, "read_back.py", folder / "ids", folder / "read.json", cwd=folder)
    return json.loads((folder / "read.json").read_text())


@dataclass
class Source:
    server: object
    controller: str
    clones: list
    task_ids: list
    read: dict  # What the SDK read of every task on A.


def build_search(server, workdir):
    """The template registered, then the search of 3 clones run by a real agent."""
    template = re.search(r"created new task id=(\w+)", sdk(
        server, "push_template.py", FAILING, cwd=workdir)).group(1)
    output = sdk(server, CONTROLLER, "--template-id", template, "--seed", SEED,
                 "--experiments", 3, "--queue", QUEUE, "--project", SEARCH_PROJECT, "--wait",
                 cwd=workdir, timeout=600)
    return (re.search(r"created new task id=(\w+)", output).group(1),
            re.findall(r"Experiment id=(\w+) enqueue", output))


def finish(server):
    """The reporting task published (its model with it) and its model given metadata; the
    template archived."""
    reported = server.api("tasks.get_all", name="^reported$")["tasks"][0]
    server.api("tasks.publish", task=reported["id"])
    server.api("models.add_or_update_metadata", model=reported["models"]["output"][0]["model"],
               metadata=[{"key": "stage", "type": "str", "value": "final"}])
    template = server.api("tasks.get_all", name="^push template$")["tasks"][0]
    server.api("tasks.archive", tasks=[template["id"]])


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """Server A with its search, pipeline, datasets and reporting task, read through the SDK;
    stopped by the push fixture."""
    base = tmp_path_factory.mktemp("source")
    server = start_server(base / "data", base / "home")
    server.api("queues.create", name=QUEUE)
    agent = start_agent(server, QUEUE, base, env=FAST_POLL)
    others = [subprocess.Popen([sys.executable, str(SCRIPTS / script), *args], cwd=base,
                               env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
              for script, args in (("reported.py", ["reports", "reported"]),
                                   ("push_datasets.py", ["data"]),
                                   ("model_reported.py", ["reports", "model reporter"]),
                                   ("pipeline_functions.py", ["--mode", "local", "--number",
                                                              "4", "--queue", QUEUE]))]
    try:
        controller, clones = build_search(server, base)
        assert [other.wait(timeout=300) for other in others] == [0] * len(others)
    finally:
        stop_process(agent)
    finish(server)
    task_ids = [t["id"] for t in server.api_all("tasks.get_all", "tasks", search_hidden=True,
                                                  only_fields=["id"])]
    yield Source(server, controller, clones, task_ids, read_back(server, task_ids, base / "read"))
    stop_server(server)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """Server B, which already holds a project and a task of its own."""
    base = tmp_path_factory.mktemp("target")
    server = start_server(base / "data", base / "home")
    project = server.api("projects.create", name="already here", description="theirs")["id"]
    server.api("tasks.create", name="their task", type="training", project=project)
    yield server
    stop_server(server)


def push(source_server, target_server, manifest, *extra, wait=True, conf=None):
    """`python -m clearml_local push` from A's data folder to B (its clearml.conf, or conf);
    the CompletedProcess, or the running process without wait."""
    command = [sys.executable, "-m", "clearml_local", "push", "--to",
               str(conf or target_server.data_dir / "clearml.conf"), "--data-dir",
               str(source_server.data_dir), "--manifest", str(manifest), *extra]
    env = {**os.environ, "HOME": str(target_server.home), "PYTHONUNBUFFERED": "1"}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


@dataclass
class Pushed:
    result: subprocess.CompletedProcess
    manifest: dict
    before: dict  # B's own objects before the push.

    def new(self, old):
        return self.manifest["ids"][old]


def own_objects(server):
    projects = server.api_all("projects.get_all", "projects", name="^already here$")
    return {"projects": projects, "tasks": server.api_all("tasks.get_all", "tasks", project=[
        project["id"] for project in projects])}


@pytest.fixture(scope="module")
def pushed(source, target, tmp_path_factory):
    """A pushed to B, then A stopped."""
    manifest = tmp_path_factory.mktemp("manifest") / "manifest.json"
    before = own_objects(target)
    result = push(source.server, target, manifest)
    stop_server(source.server)
    assert result.returncode == 0, result.stdout + result.stderr
    return Pushed(result, json.loads(manifest.read_text()), before)


@pytest.fixture(scope="module")
def target_read(source, target, pushed, tmp_path_factory):
    """What the SDK reads on B of each task of A, by A's id."""
    read = read_back(target, [pushed.new(old) for old in source.task_ids],
                     tmp_path_factory.mktemp("target-read"))
    return {old: read[pushed.new(old)] for old in source.task_ids}


def as_on_target(value, source, target, pushed):
    """value as A holds it with A's ids and URLs rewritten to B's, as push promises."""
    if isinstance(value, str):
        for host in HOSTS:
            value = value.replace(source.server.settings[host], target.settings[host])
        return OLD_ID.sub(lambda found: pushed.manifest["ids"].get(found[0], found[0]), value)
    if isinstance(value, list):
        return [as_on_target(item, source, target, pushed) for item in value]
    if isinstance(value, dict):
        return {as_on_target(key, source, target, pushed): as_on_target(
            item, source, target, pushed) for key, item in value.items()}
    return value


def test_every_task_is_pushed(source, pushed):
    assert pushed.manifest["totals"]["objects"]["task"] == len(source.task_ids) >= 11
    assert sorted(pushed.manifest["ids"]) == sorted(pushed.manifest["objects"])


@pytest.mark.parametrize("aspect", [
    "name", "type", "status", "comment", "tags", "system_tags", "project", "parent", "created",
    "parameters", "configuration", "scalars", "single", "plots", "debug_samples", "artifacts",
    "models", "dataset"])
def test_each_task_reads_back_as_on_the_source(source, target, pushed, target_read, aspect):
    """Files are compared by SHA-256; ids and URLs rewritten as push promises."""
    for old, read in source.read.items():
        expected = as_on_target(read[aspect], source, target, pushed)
        assert (read["name"], target_read[old][aspect]) == (read["name"], expected)


def test_console_lines_are_carried_as_printed(source, target_read):
    for old, read in source.read.items():
        assert target_read[old]["console"] == read["console"]


def test_statuses_include_a_failed_clone_and_a_published_task(source, target_read):
    assert [target_read[clone]["status"] for clone in source.clones] == [
        "completed", "completed", "failed"]
    published = [read for read in target_read.values() if read["name"] == "reported"]
    assert [(read["status"], read["models"]["output"][0]["ready"]) for read in published] == [
        ("published", True)]


def test_clones_are_found_by_their_controllers_new_id(source, target, pushed):
    tag = f"opt: {pushed.new(source.controller)}"
    clones = target.api_all("tasks.get_all", "tasks", tags=[tag])
    assert sorted(clone["id"] for clone in clones) == sorted(map(pushed.new, source.clones))


def test_target_compare_page_shows_the_search(source, target, pushed):
    page = requests.get(f"{target.web_url}/compare.json", params={
        "search": pushed.new(source.controller)}, timeout=30,
        headers={"Authorization": f"Bearer {target.token}"})
    assert page.status_code == 200
    assert sorted(row["id"] for row in page.json()["experiments"]) == sorted(
        map(pushed.new, source.clones))


def stored(target, task_ids):
    """Everything B stores for the tasks, their models and projects but console lines, as
    JSON text."""
    tasks = target.api_all("tasks.get_all", "tasks", id=task_ids, search_hidden=True)
    events = [target.api("events.get_task_events", task=task_id, batch_size=10000)["events"]
              for task_id in task_ids]
    return json.dumps([tasks, target.api_all("models.get_all", "models"),
                       target.api_all("projects.get_all", "projects", search_hidden=True),
                       [e for batch in events for e in batch if e["type"] != "log"]])


def test_model_events_are_carried(source, target_read):
    reporter = next(read for read in target_read.values() if read["name"] == "model reporter")
    kinds = {event[0] for event in reporter["models"]["output"][0]["events"]}
    assert kinds == {"training_stats_scalar", "plot"}


def test_no_stored_url_names_the_source(source, target, pushed):
    text = stored(target, [pushed.new(old) for old in source.task_ids])
    assert "/artifacts/" in text and "/metrics/" in text  # Artifacts and debug samples.
    for host in HOSTS:
        assert source.server.settings[host] not in text


def test_target_objects_of_its_own_are_untouched(target, pushed):
    assert own_objects(target) == pushed.before


# A push killed half-way, run again, and run a third time; before it, a dry run.

def kill_half_way(source, server, manifest):
    """A push killed (SIGKILL) once it has pushed half the tasks; its exit status."""
    running = push(source.server, server, manifest, wait=False)
    pushed_tasks = 0
    for line in running.stdout:
        pushed_tasks += line.startswith("pushed task")
        if pushed_tasks == len(source.task_ids) // 2:
            os.kill(running.pid, signal.SIGKILL)
            break
    return running.wait()


@pytest.fixture(scope="module")
def resumed(source, pushed, tmp_path_factory):
    """Into a fresh server: a dry run, a push killed half-way, the push run again, and once
    more. Yields their outputs, manifests and the server."""
    base = tmp_path_factory.mktemp("resumed")
    server = start_server(base / "data", base / "home")
    manifest = base / "manifest.json"
    found = {"dry": push(source.server, server, manifest, "--dry-run")}
    found["after_dry"] = {"manifest": manifest.exists(), "tasks": len(server.api_all(
        "tasks.get_all", "tasks", search_hidden=True))}
    found["killed"] = kill_half_way(source, server, manifest)
    found["again"] = push(source.server, server, manifest)
    found["manifest"] = json.loads(manifest.read_text())
    found["third"] = push(source.server, server, manifest)
    found.update(third_manifest=json.loads(manifest.read_text()), server=server)
    yield found
    stop_server(server)


def test_dry_run_names_every_task_and_writes_nothing(source, resumed):
    dry = resumed["dry"]
    assert dry.returncode == 0 and dry.stdout.count("would push task") == len(source.task_ids)
    assert f", {len(source.task_ids)} tasks, " in dry.stdout
    assert resumed["after_dry"] == {"tasks": 0, "manifest": False}


def test_killed_push_run_again_completes(resumed):
    assert resumed["killed"] == -signal.SIGKILL
    assert resumed["again"].returncode == 0, resumed["again"].stdout + resumed["again"].stderr


def test_run_again_after_a_kill_duplicates_nothing(source, pushed, resumed):
    server = resumed["server"]
    tasks = server.api_all("tasks.get_all", "tasks", search_hidden=True,
                           only_fields=["id", "system_tags"])
    markers = sorted(t for task in tasks for t in task["system_tags"] if t.startswith("clearml"))
    assert markers == sorted(f"clearml-local:{old}" for old in source.task_ids)
    assert len(server.api_all("models.get_all", "models")) == pushed.manifest["totals"][
        "objects"]["model"]


@pytest.mark.parametrize("kind", ["log", "training_stats_scalar", "plot", "training_debug_image"])
def test_run_again_after_a_kill_carries_every_event_once(source, target, pushed, resumed, kind):
    def counts(server, manifest):
        return [server.api("events.get_task_events", task=manifest["ids"][old], batch_size=1,
                           event_type=kind)["total"] for old in source.task_ids]
    assert counts(resumed["server"], resumed["manifest"]) == counts(target, pushed.manifest)


def test_run_again_after_a_kill_writes_the_same_manifest(pushed, resumed):
    assert resumed["manifest"]["totals"] == pushed.manifest["totals"]
    assert sorted(resumed["manifest"]["ids"]) == sorted(pushed.manifest["ids"])


def test_third_push_copies_nothing(resumed):
    assert resumed["third"].returncode == 0 and "pushed " not in resumed["third"].stdout
    assert resumed["third_manifest"] == resumed["manifest"]


def test_push_of_one_project_carries_only_it(source, pushed, tmp_path):
    server = start_server(tmp_path / "data", tmp_path / "home")
    try:
        result = push(source.server, server, tmp_path / "manifest.json", "--project",
                      SEARCH_PROJECT)
        assert result.returncode == 0, result.stdout + result.stderr
        projects = server.api_all("projects.get_all", "projects", only_fields=["name"])
        tasks = server.api_all("tasks.get_all", "tasks", only_fields=["name"])
    finally:
        stop_server(server)
    assert [p["name"] for p in projects] == [SEARCH_PROJECT]
    assert len(tasks) == 5  # The template, the controller and three clones.


def test_failures_are_named_the_rest_goes_on_and_a_run_again_completes(source, pushed, tmp_path):
    """A clearml.conf that names the target's API as its file server: every upload is refused,
    so the objects with files fail, each named; the others are pushed; the exit status is 1.
    Run again with the right clearml.conf, the push completes."""
    server = start_server(tmp_path / "data", tmp_path / "home")
    conf = tmp_path / "clearml.conf"
    conf.write_text((server.data_dir / "clearml.conf").read_text().replace(
        server.files_url, server.api_url))
    try:
        broken = push(source.server, server, tmp_path / "manifest.json", conf=conf)
        fixed = push(source.server, server, tmp_path / "manifest.json")
    finally:
        stop_server(server)
    assert broken.returncode == 1
    assert "FAILED task 'reported'" in broken.stderr and "upload of " in broken.stderr
    assert "pushed task 'double'" in broken.stdout
    assert fixed.returncode == 0 and "pushed task 'reported'" in fixed.stdout


def test_push_of_an_unknown_project_says_so(source, pushed, target, tmp_path):
    result = push(source.server, target, tmp_path / "manifest.json", "--project", "nowhere")
    assert result.returncode == 1 and "no project named 'nowhere'" in result.stderr
