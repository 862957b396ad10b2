"""Pages that follow the server live, in chromium: workers and queues, and a running search."""
import itertools

import pytest

from web_browser import open_page

pytestmark = pytest.mark.browser
_numbers = itertools.count()


@pytest.fixture
def page(browser, web_login):
    with open_page(browser, web_login) as page:
        yield page


@pytest.fixture
def queues(server):
    """Two fresh queues, the first with three pending experiments (in that order)."""
    ids = [server.api("queues.create", name=f"web queue {next(_numbers)}")["id"]
           for _ in range(2)]
    tasks = [server.api("tasks.create", name=f"pending {n}", type="training")["id"]
             for n in range(3)]
    for task in tasks:
        server.api("tasks.enqueue", task=task, queue=ids[0])
    yield ids, tasks
    for queue in ids:
        server.api("queues.delete", queue=queue, force=True)


def pending(server, queue):
    entries = server.api("queues.get_by_id", queue=queue)["queue"]["entries"]
    return [entry["task"] for entry in entries]


def entry_button(page, queue, task, move):
    return page.locator(f"[data-queue='{queue}'] tr[data-task='{task}'] [data-move={move}]")


def test_queue_entries_move_up_down_away_and_out(server, page, queues):
    (first_queue, second_queue), (a, b, c) = queues
    page.goto(f"{server.web_url}/workers")
    assert entry_button(page, first_queue, a, "up").is_disabled()
    entry_button(page, first_queue, c, "up").click()
    assert pending(server, first_queue) == [a, c, b]
    entry_button(page, first_queue, a, "down").click()
    assert pending(server, first_queue) == [c, a, b]
    row = f"[data-queue='{first_queue}'] tr[data-task='{b}']"
    page.select_option(f"{row} select[name=queue]", second_queue)
    entry_button(page, first_queue, b, "to").click()
    assert (pending(server, first_queue), pending(server, second_queue)) == ([c, a], [b])
    entry_button(page, first_queue, c, "remove").click()
    assert pending(server, first_queue) == [a]
    assert server.api("tasks.get_by_id", task=c)["task"]["status"] == "created"


def test_workers_and_counts_update_live(server, page, queues, artifacts_dir):
    (first_queue, _), (a, _, _) = queues
    server.api("workers.register", worker="web-worker:0", queues=[first_queue])
    page.goto(f"{server.web_url}/workers")
    page.evaluate("() => { window.notReloaded = true; }")
    count = page.locator(f"[data-queue-count='{first_queue}']")
    assert count.inner_text() == "3"
    server.api("tasks.started", task=a)
    server.api("workers.status_report", worker="web-worker:0", task=a, queues=[first_queue])
    worker = page.locator("tr[data-worker='web-worker:0'] [data-cell=task]")
    worker.locator("text=pending 0").wait_for(timeout=15000)
    assert count.inner_text() == "2"
    page.screenshot(path=artifacts_dir / "web-workers.png", full_page=True)
    server.api("workers.unregister", worker="web-worker:0")


def test_a_running_search_ranks_its_clones_without_a_reload(server, page, artifacts_dir):
    project = server.api("projects.create", name="web live search")["id"]
    template = server.api("tasks.create", name="template", type="training", project=project)["id"]
    search = server.api("tasks.create", name="search", type="optimizer", project=project)["id"]
    server.api("tasks.started", task=search)
    clones = [server.api("tasks.clone", task=template, new_task_name=f"clone {n}",
                         new_task_tags=[f"opt: {search}"])["id"] for n in range(2)]
    page.goto(f"{server.web_url}/projects/{project}/experiments/{search}")
    page.evaluate("() => { window.notReloaded = true; }")
    for clone, accuracy in zip(clones, (0.7, 0.9)):
        server.api("tasks.started", task=clone)
        server.call("events.add_batch", raw=(
            f'{{"task": "{clone}", "type": "training_stats_scalar", "metric": "evaluate",'
            f' "variant": "accuracy", "iter": 0, "value": {accuracy}}}'))
        server.api("tasks.completed", task=clone)
    page.wait_for_function(
        f"() => document.querySelector('table.leaderboard tbody tr').dataset.id === '{clones[1]}'",
        timeout=15000)
    assert page.inner_text("[data-search=statuses]") == "2 completed"
    assert page.evaluate("() => window.notReloaded")
    page.screenshot(path=artifacts_dir / "web-search-live.png", full_page=True)
