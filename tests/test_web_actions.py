"""Actions in the web UI, clicked in chromium as a person would; their effect read from the API."""
import itertools

import pytest

pytestmark = pytest.mark.browser
_names = itertools.count()


@pytest.fixture(scope="module")
def project(server):
    return server.api("projects.create", name="web actions")["id"]


@pytest.fixture(scope="module")
def other_project(server):
    return server.api("projects.create", name="web actions elsewhere")["id"]


# How to bring a new experiment into each status through the API.
STEPS = {"created": [], "in_progress": ["tasks.started"],
         "completed": ["tasks.started", "tasks.completed"], "queued": ["tasks.enqueue"],
         "stopped": ["tasks.started", "tasks.stopped"]}


def make_task(server, project, status="created", **fields):
    task = server.api("tasks.create", name=f"experiment {next(_names)}", type="training",
                      project=project, **fields)["id"]
    for endpoint in STEPS[status]:
        server.api(endpoint, task=task, **({"queue_name": "default"}
                                           if endpoint == "tasks.enqueue" else {}))
    return task


def task_of(server, task_id):
    return server.api("tasks.get_by_id", task=task_id)["task"]


def open_experiment(page, server, project, task):
    page.goto(f"{server.web_url}/projects/{project}/experiments/{task}")


@pytest.mark.parametrize("status, action, expected", [
    ("in_progress", "abort", "stopped"), ("created", "enqueue", "queued"),
    ("queued", "dequeue", "created"), ("completed", "reset", "created"),
    ("completed", "publish", "published")])
def test_an_action_on_the_experiment_page(server, project, page, artifacts_dir, status, action,
                                          expected):
    task = make_task(server, project, status)
    open_experiment(page, server, project, task)
    page.click(f"#actions [data-action={action}]")
    # The click navigates to the action's form: a screenshot taken mid-navigation fails.
    page.locator("#confirm").wait_for()
    page.screenshot(path=artifacts_dir / f"web-action-{action}.png")
    page.click("#confirm")
    assert page.url.endswith(f"/experiments/{task}")
    assert "1 experiment" in page.inner_text("#flash")
    assert task_of(server, task)["status"] == expected


@pytest.mark.parametrize("status, action, reason", [
    ("created", "abort", "only a pending or running experiment can be aborted"),
    ("in_progress", "reset", None), ("completed", "delete", "archive it first"),
    ("completed", "edit", "clone this experiment")])
def test_buttons_say_why_they_are_off(server, project, page, status, action, reason):
    task = make_task(server, project, status)
    open_experiment(page, server, project, task)
    button = page.locator(f"#actions [data-action={action}]")
    if reason is None:
        assert button.is_enabled()
    else:
        assert button.is_disabled() and reason in button.get_attribute("title")


def test_clone_into_another_project_with_a_new_name(server, project, other_project, page):
    task = make_task(server, project, "completed")
    open_experiment(page, server, project, task)
    page.click("#actions [data-action=clone]")
    page.fill("input[name=name]", "the clone")
    page.select_option("select[name=project]", other_project)
    page.click("#confirm")
    clone = task_of(server, page.url.rsplit("/", 1)[1])
    assert (clone["name"], clone["project"], clone["parent"], clone["status"]) == (
        "the clone", other_project, task, "created")


def test_bad_form_input_is_answered_next_to_the_field(server, project, page):
    task = make_task(server, project)
    before = len(server.api("tasks.get_all", project=[project])["tasks"])
    open_experiment(page, server, project, task)
    page.click("#actions [data-action=clone]")
    page.fill("input[name=name]", "   ")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#confirm")
    assert answer.value.status == 400
    assert page.inner_text(".field-error[data-field=name]") == "Give the clone a name."
    assert len(server.api("tasks.get_all", project=[project])["tasks"]) == before


def test_tags_are_added_and_removed_on_the_page(server, project, page):
    task = make_task(server, project, "completed", tags=["keep"])
    open_experiment(page, server, project, task)
    page.fill("form.add-tag input[name=tag]", "best so far")
    page.click("form.add-tag button")
    assert task_of(server, task)["tags"] == ["keep", "best so far"]
    page.click("form.tag:has-text('keep') button")
    assert task_of(server, task)["tags"] == ["best so far"]


def test_table_selection_archive_then_delete_and_restore(server, page, artifacts_dir):
    project = server.api("projects.create", name="web archive")["id"]
    first, second = make_task(server, project, "completed"), make_task(server, project, "stopped")
    page.goto(f"{server.web_url}/projects/{project}/experiments")
    page.check("#select-all")
    page.click("#table-actions [data-action=archive]")
    page.click("#confirm")
    assert page.locator("tr[data-id]").count() == 0
    assert all("archived" in task_of(server, t)["system_tags"] for t in (first, second))
    page.click("#view-archive")
    page.check(f"tr[data-id='{first}'] input[name=ids]")
    page.click("#table-actions [data-action=delete]")
    page.locator("#confirm").wait_for()
    page.screenshot(path=artifacts_dir / "web-action-delete.png")
    page.click("#confirm")
    assert server.call("tasks.get_by_id", {"task": first})["meta"]["result_code"] == 400
    page.check(f"tr[data-id='{second}'] input[name=ids]")
    page.click("#table-actions [data-action=restore]")
    page.click("#confirm")
    assert "archived" not in task_of(server, second)["system_tags"]


def test_table_buttons_follow_the_selection(server, page):
    project = server.api("projects.create", name="web selection")["id"]
    draft, running = make_task(server, project), make_task(server, project, "in_progress")
    page.goto(f"{server.web_url}/projects/{project}/experiments")
    abort = page.locator("#table-actions [data-action=abort]")
    assert abort.is_disabled() and abort.get_attribute("title") == "Select experiments first."
    page.check(f"tr[data-id='{draft}'] input[name=ids]")
    assert abort.is_disabled() and "can be aborted" in abort.get_attribute("title")
    page.check(f"tr[data-id='{running}'] input[name=ids]")
    assert abort.is_enabled() and abort.get_attribute("title").startswith("1 of the 2")
    assert page.locator("#table-actions [data-action=clone]").is_disabled()
    abort.click()
    page.click("#confirm")
    assert [task_of(server, t)["status"] for t in (draft, running)] == ["created", "stopped"]


def test_edit_a_draft_then_enqueue_it(server, project, page, artifacts_dir):
    task = make_task(server, project, hyperparams={"General": {
        name: {"section": "General", "name": name, "value": value}
        for name, value in (("lr", "0.1"), ("epochs", "3"))}},
        configuration={"setup": {"name": "setup", "value": "a: 1"}})
    open_experiment(page, server, project, task)
    page.click("#actions [data-action=edit]")
    page.fill("tr[data-key='General/lr'] input[name$='.value']", "0.5")
    page.check("tr[data-key='General/epochs'] input[name$='.remove']")
    page.fill("tr[data-key=''] >> nth=0 >> input[name$='.section']", "Extra")
    page.fill("tr[data-key=''] >> nth=0 >> input[name$='.name']", "momentum")
    page.fill("tr[data-key=''] >> nth=0 >> input[name$='.value']", "0.9")
    page.fill("fieldset[data-key=setup] textarea", "a: 2")
    page.fill("input[name=tags]", "edited, by hand")
    page.screenshot(path=artifacts_dir / "web-edit.png", full_page=True)
    page.click("#save")
    edited = task_of(server, task)
    assert {s: {n: e["value"] for n, e in entries.items()}
            for s, entries in edited["hyperparams"].items()} == {
        "General": {"lr": "0.5"}, "Extra": {"momentum": "0.9"}}
    assert edited["configuration"]["setup"]["value"] == "a: 2"
    assert edited["tags"] == ["edited", "by hand"]
    page.click("#actions [data-action=enqueue]")
    page.click("#confirm")
    assert task_of(server, task)["status"] == "queued"


def test_a_duplicate_hyperparameter_is_refused_next_to_it(server, project, page):
    task = make_task(server, project, hyperparams={"General": {
        "lr": {"section": "General", "name": "lr", "value": "0.1"}}})
    page.goto(f"{server.web_url}/projects/{project}/experiments/{task}/edit")
    page.fill("tr[data-key=''] >> nth=0 >> input[name$='.name']", "lr")
    page.fill("tr[data-key=''] >> nth=0 >> input[name$='.value']", "0.7")
    page.click("#save")
    assert page.inner_text(".field-error") == "General has a lr already."
    assert task_of(server, task)["hyperparams"]["General"]["lr"]["value"] == "0.1"


def test_a_finished_experiment_cannot_be_edited_and_says_to_clone(server, project, page):
    task = make_task(server, project, "completed")
    page.goto(f"{server.web_url}/projects/{project}/experiments/{task}/edit")
    assert "clone this experiment" in page.inner_text("#not-editable")
    page.click("#not-editable a")
    assert page.locator("input[name=name]").input_value().startswith("Clone Of")



def test_a_selection_is_tagged_and_untagged(server, page):
    project = server.api("projects.create", name="web tags")["id"]
    tasks = [make_task(server, project, "completed", tags=["old"]) for _ in range(2)]
    page.goto(f"{server.web_url}/projects/{project}/experiments")
    page.check("#select-all")
    page.click("#table-actions [data-action=tag]")
    page.fill("input[name=tag]", "shortlist")
    page.click("#confirm")
    assert [task_of(server, t)["tags"] for t in tasks] == [["old", "shortlist"]] * 2
    page.check("#select-all")
    page.click("#table-actions [data-action=untag]")
    page.select_option("select[name=tag]", "old")
    page.click("#confirm")
    assert [task_of(server, t)["tags"] for t in tasks] == [["shortlist"]] * 2
