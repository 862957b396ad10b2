"""The web UI's JSON twins against the API's own data, its login, links and downloads."""
import json
import re

import pytest
import requests

from web_search import COMBINATIONS, build_search

SEARCHED = ["General/batch_size", "General/layer_1", "General/layer_2"]


@pytest.fixture(scope="session")
def search(server, tmp_path_factory):
    return build_search(server, tmp_path_factory.mktemp("web-search"))


@pytest.fixture(scope="session")
def web(server):
    """A session that sends the API token, as a script reading the JSON twins would."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.token}"
    yield session
    session.close()


@pytest.fixture
def browser_session(server):
    """A session logged in through the login form, holding the cookie as a browser would."""
    session = requests.Session()
    answer = session.post(f"{server.web_url}/login", data={
        "access_key": server.access_key, "secret_key": server.secret_key, "next": "/projects"})
    assert answer.status_code == 200 and answer.url.endswith("/projects")
    yield session
    session.close()


def twin(server, web, path, **params):
    answer = web.get(f"{server.web_url}{path}.json", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def last_values(task):
    return {f"{e['metric']}/{e['variant']}": e["value"]
            for variants in task["last_metrics"].values() for e in variants.values()}


def param_values(task):
    return {f"{section}/{name}": entry["value"]
            for section, entries in task["hyperparams"].items() for name, entry in entries.items()}


def test_projects_twin_counts_the_search(server, web, search):
    page = twin(server, web, "/projects")
    tasks = server.api("tasks.get_all", project=[search.project_id])["tasks"]
    project = next(p for p in page["projects"] if p["id"] == search.project_id)
    assert project["experiments"] == len(tasks) == len(search.clone_ids) + 2
    assert project["statuses"] == {"completed": len(tasks)}


def test_experiments_twin_matches_the_api(server, web, search):
    page = twin(server, web, f"/projects/{search.project_id}/experiments")
    tasks = {t["id"]: t for t in server.api("tasks.get_all", project=[search.project_id])["tasks"]}
    rows = {row["id"]: row for row in page["experiments"]}
    assert rows.keys() == tasks.keys()
    for task_id, task in tasks.items():
        row = rows[task_id]
        assert (row["name"], row["type"], row["status"]) == (task["name"], task["type"],
                                                            task["status"])
        assert (row["parent"] or {}).get("id") == task.get("parent")
        assert row["params"] == param_values(task)
        assert {k: m["last"] for k, m in row["metrics"].items()} == last_values(task)
    assert set(SEARCHED) <= set(page["columns"]["params"])
    assert not page["running"]


def test_parent_filter_lists_the_clones(server, web, search):
    page = twin(server, web, f"/projects/{search.project_id}/experiments",
                parent=search.template_id)
    assert sorted(row["id"] for row in page["experiments"]) == sorted(search.clone_ids)
    assert page["compare_clones_url"] == f"/compare?parent={search.template_id}"


@pytest.mark.parametrize("sort, reverse", [("metric:evaluate/accuracy", False),
                                           ("-metric:evaluate/accuracy", True)])
def test_experiments_sort_by_a_metric(server, web, search, sort, reverse):
    page = twin(server, web, f"/projects/{search.project_id}/experiments", sort=sort)
    values = [row["metrics"]["evaluate/accuracy"]["last"] for row in page["experiments"]
              if "evaluate/accuracy" in row["metrics"]]
    assert len(values) == len(search.clone_ids) + 1
    assert values == sorted(values, reverse=reverse)


def test_experiment_twin_matches_the_api(server, web, search):
    clone_id = search.clone_ids[0]
    page = twin(server, web, f"/projects/{search.project_id}/experiments/{clone_id}")
    task = server.api("tasks.get_by_id", task=clone_id)["task"]
    histogram = server.api("events.scalar_metrics_iter_histogram", task=clone_id)
    log = server.api("events.get_task_log", task=clone_id, order="asc")
    assert {f"{s['section']}/{p['name']}": p["value"] for s in page["parameters"]
            for p in s["params"]} == param_values(task)
    assert {chart["metric"]: {s["name"]: (s["x"], s["y"]) for s in chart["series"]}
            for chart in page["scalars"]} == {
        metric: {variant: (v["x"], v["y"]) for variant, v in variants.items()}
        for metric, variants in histogram.items()}
    assert [line["msg"] for line in page["log"]["lines"]] == [e["msg"] for e in log["events"]]
    assert page["experiment"]["parent"]["id"] == search.template_id


def test_controller_twin_has_the_reported_table_and_plot(server, web, search):
    page = twin(server, web, f"/projects/{search.project_id}/experiments/{search.controller_id}")
    plots = server.api("events.get_task_plots", task=search.controller_id)["plots"]
    assert sorted((p["metric"], p["variant"]) for p in page["plots"]) == sorted(
        (p["metric"], p["variant"]) for p in plots)
    traces = {p["metric"]: p["figure"]["data"][0]["type"] for p in page["plots"]}
    assert traces == {"leaderboard": "table", "parallel coordinates": "parcoords"}


def test_compare_twin_of_the_search(server, web, search):
    page = twin(server, web, "/compare", parent=search.template_id, metric="evaluate/accuracy")
    tasks = server.api("tasks.get_all", id=search.clone_ids)["tasks"]
    best_first = sorted(tasks, key=lambda t: last_values(t)["evaluate/accuracy"], reverse=True)
    assert [row["id"] for row in page["experiments"]] == [t["id"] for t in best_first]
    assert page["params"]["differing"] == SEARCHED
    dimensions = page["parcoords"]["dimensions"]
    assert [d["label"] for d in dimensions] == [
        "batch_size", "layer_1", "layer_2", "evaluate / accuracy (last)"]
    assert all(len(d["values"]) == len(COMBINATIONS) for d in dimensions)
    assert {c["metric"] for c in page["scalars"]} == {"epoch_accuracy", "epoch_loss"}


def test_compare_by_ids_equals_compare_by_parent(server, web, search):
    by_parent = twin(server, web, "/compare", parent=search.template_id)
    by_ids = twin(server, web, "/compare", ids=",".join(search.clone_ids))
    assert by_ids["parcoords"] == by_parent["parcoords"]
    assert by_ids["experiments"] == by_parent["experiments"]


def test_the_controller_links_to_the_comparison_of_its_clones(server, web, search):
    page = twin(server, web, f"/projects/{search.project_id}/experiments/{search.controller_id}")
    assert page["search"]["count"] == len(search.clone_ids)
    assert page["search"]["compare_url"] == f"/compare?search={search.controller_id}"
    compared = twin(server, web, "/compare", search=search.controller_id)
    assert sorted(row["id"] for row in compared["experiments"]) == sorted(search.clone_ids)


@pytest.mark.parametrize("path", ["/projects", "/projects/*/experiments", "/compare"])
def test_a_stranger_is_sent_to_the_login_page(server, path):
    answer = requests.get(f"{server.web_url}{path}", allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=" + requests.utils.quote(path, safe="")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic bm9ib2R5Om5vdGhpbmc="}])
def test_json_twins_refuse_what_the_api_refuses(server, headers):
    answer = requests.get(f"{server.web_url}/projects.json", headers=headers, timeout=10)
    api = requests.get(f"{server.api_url}/projects.get_all", headers=headers, timeout=10)
    assert answer.status_code == api.status_code == 401


def test_json_twins_accept_the_access_key_pair(server):
    answer = requests.get(f"{server.web_url}/projects.json",
                          auth=(server.access_key, server.secret_key), timeout=10)
    assert answer.status_code == 200 and "projects" in answer.json()


def test_login_sets_an_http_only_cookie_and_returns_to_next(server):
    answer = requests.post(f"{server.web_url}/login", allow_redirects=False, timeout=10, data={
        "access_key": server.access_key, "secret_key": server.secret_key, "next": "/compare"})
    assert answer.status_code == 303 and answer.headers["location"] == "/compare"
    assert "HttpOnly" in answer.headers["set-cookie"]


@pytest.mark.parametrize("secret, target, status, location", [
    ("wrong", "/compare", 401, None), (None, "//elsewhere.example/", 303, "/projects")])
def test_login_refuses_bad_keys_and_foreign_targets(server, secret, target, status, location):
    answer = requests.post(f"{server.web_url}/login", allow_redirects=False, timeout=10, data={
        "access_key": server.access_key, "secret_key": secret or server.secret_key,
        "next": target})
    assert answer.status_code == status
    assert answer.headers.get("location") == location


@pytest.mark.parametrize("suffix, section", [
    ("/output/log", "#log"), ("/execution", "#execution"),
    ("/info-output/metrics/scalar", "#scalars"), ("", "")])
@pytest.mark.parametrize("any_project", [False, True])
def test_sdk_printed_links_open_the_experiment_page(server, search, browser_session, suffix,
                                                    section, any_project):
    link = search.results_page.replace("/output/log", suffix)
    if any_project:
        link = link.replace(f"/projects/{search.project_id}/", "/projects/*/")
    answer = browser_session.get(link, timeout=10)
    page = f"/experiments/{search.template_id}"
    assert answer.status_code == 200
    assert answer.url.endswith(page + section)
    assert "<title>Keras HP optimization base · ClearML local</title>" in answer.text


def test_unknown_experiment_is_not_found(server, web):
    answer = web.get(f"{server.web_url}/projects/*/experiments/{'0' * 32}.json", timeout=10)
    assert answer.status_code == 404


@pytest.mark.parametrize("kind", ["artifacts", "models"])
def test_artifacts_and_models_download_through_the_web_app(server, web, search,
                                                           browser_session, kind):
    page = twin(server, web, f"/projects/{search.project_id}/experiments/{search.template_id}")
    item = page[kind][0]
    served = browser_session.get(f"{server.web_url}{item['download_url']}", timeout=10)
    direct = requests.get(item["uri"], headers={"Authorization": f"Bearer {server.token}"},
                          timeout=10)
    assert served.status_code == direct.status_code == 200
    assert served.content == direct.content
    stranger = requests.get(f"{server.web_url}{item['download_url']}", allow_redirects=False,
                            timeout=10)
    assert stranger.status_code == 303


def test_a_running_experiment_makes_the_table_live(server, web):
    project = server.api("projects.create", name="web live")["id"]
    task = server.api("tasks.create", name="running", type="training", project=project)["id"]
    server.api("tasks.started", task=task)
    page = twin(server, web, f"/projects/{project}/experiments")
    assert page["running"] and page["experiments"][0]["status"] == "in_progress"
    assert page["experiments"][0]["duration"] is not None


def test_compare_stays_usable_with_500_experiments(server, web, browser_session):
    project = server.api("projects.create", name="web 500")["id"]
    template = server.api("tasks.create", name="template", type="training", project=project)["id"]
    events = []
    for index in range(500):
        clone = server.api("tasks.create", name=f"clone {index}", type="training",
                           project=project, parent=template, hyperparams={"General": {
                               name: {"section": "General", "name": name, "value": str(value)}
                               for name, value in (("batch_size", 2 ** (index % 6)),
                                                   ("layer_1", index % 7 * 64))}})["id"]
        events += [{"task": clone, "type": "training_stats_scalar", "metric": "epoch_loss",
                    "variant": "epoch_loss", "iter": step, "value": 1 / (step + 1 + index % 5)}
                   for step in range(20)]
        events.append({"task": clone, "type": "training_stats_scalar", "metric": "evaluate",
                       "variant": "accuracy", "iter": 0, "value": (index % 97) / 97})
    server.call("events.add_batch", raw="\n".join(json.dumps(e) for e in events))
    page = twin(server, web, "/compare", parent=template)
    assert len(page["experiments"]) == 500
    assert [len(d["values"]) for d in page["parcoords"]["dimensions"]] == [500, 500, 500]
    assert page["overlay"] == {"shown": 20, "of": 500}
    html = browser_session.get(f"{server.web_url}/compare", params={"parent": template})
    assert html.status_code == 200 and html.text.count('<tr data-id=') == 500


def test_names_are_escaped_in_the_pages(server, browser_session):
    project = server.api("projects.create", name="web <escape>")["id"]
    server.api("tasks.create", name="<script>alert(1)</script>", type="training", project=project)
    html = browser_session.get(f"{server.web_url}/projects/{project}/experiments").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("link", [
    "/projects/{project}/compare-tasks;ids={ids}/hyper-params/graph",
    "/projects/*/compare-tasks;ids={ids}", "/projects/{project}/compare-experiments;ids={ids}/details"])
def test_clearml_compare_links_open_the_compare_page(server, search, browser_session, link):
    ids = ",".join(search.clone_ids)
    answer = browser_session.get(server.web_url + link.format(project=search.project_id, ids=ids),
                                 timeout=10)
    assert answer.status_code == 200
    assert answer.url.endswith(f"/compare?ids={ids}")


def csrf_token_of(session, server, path):
    page = session.get(server.web_url + path).text
    return re.search(r'<meta name="csrf-token" content="(\w+)">', page)[1]


@pytest.mark.parametrize("token, origin, refused", [
    (None, None, True), ("forged", None, True), ("valid", "http://evil.example", True),
    ("valid", None, False)])
def test_a_cross_site_post_changes_nothing(server, browser_session, token, origin, refused):
    task = server.api("tasks.create", name="draft", type="training")["id"]
    form = {"ids": task, "next": "/projects"}
    if token:
        form["csrf_token"] = (csrf_token_of(browser_session, server, "/projects")
                              if token == "valid" else token)
    answer = browser_session.post(f"{server.web_url}/actions/archive", data=form,
                                  headers={"Origin": origin} if origin else {},
                                  allow_redirects=False, timeout=10)
    archived = "archived" in server.api("tasks.get_by_id", task=task)["task"]["system_tags"]
    assert (answer.status_code, archived) == ((403, False) if refused else (303, True))


def test_action_twin_answers_an_api_client_in_json(server, web):
    project = server.api("projects.create", name="web action twin")["id"]
    tasks = [server.api("tasks.create", name=name, type="training", project=project)["id"]
             for name in ("draft", "running")]
    server.api("tasks.started", task=tasks[1])
    answer = web.post(f"{server.web_url}/actions/abort.json", data={"ids": tasks}, timeout=10)
    assert answer.json()["succeeded"] == [tasks[1]]
    assert [s["id"] for s in answer.json()["skipped"]] == [tasks[0]]


@pytest.mark.parametrize("action, form, field", [
    ("enqueue", {"queue": "no-such-queue"}, "queue"), ("clone", {"name": ""}, "name"),
    ("tag", {"tag": "x" * 300}, "tag"), ("clone", {"name": "a", "project": "nope"}, "project")])
def test_bad_action_input_is_a_400_naming_the_field(server, web, action, form, field):
    task = server.api("tasks.create", name="draft", type="training")["id"]
    answer = web.post(f"{server.web_url}/actions/{action}.json", data={"ids": task, **form},
                      timeout=10)
    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_two_searches_in_one_project_keep_their_own_clones(server, web):
    project = server.api("projects.create", name="web two searches")["id"]
    template = server.api("tasks.create", name="template", type="training", project=project)["id"]
    searches = [server.api("tasks.create", name=f"search {n}", type="optimizer",
                           project=project)["id"] for n in range(2)]
    for search in searches:
        server.api("tasks.started", task=search)
    made = {search: [] for search in searches}
    for index in range(4):  # Launched in turns, as two searches running at once would.
        search = searches[index % 2]
        made[search].append(server.api("tasks.clone", task=template,
                                       new_task_tags=[f"opt: {search}"])["id"])
    for search in searches:
        page = twin(server, web, f"/searches/{search}")
        assert [row["id"] for row in page["experiments"]] == made[search]
        assert page["running"] and page["statuses"] == {"created": 2}


def test_debug_samples_twin_lists_what_the_sdk_reported(server, web, search, browser_session):
    clone_id = search.clone_ids[0]
    page = twin(server, web, f"/projects/{search.project_id}/experiments/{clone_id}")
    events = server.api("events.get_task_events", task=clone_id,
                        event_type="training_debug_image")["events"]
    shown = {(entry["metric"], entry["variant"]): [s["iter"] for s in entry["samples"]]
             for entry in page["debug_samples"]}
    assert shown == {("audio", "tone"): [0], ("samples", "digit"): [2, 1, 0]}
    assert len(events) == 4
    image = page["debug_samples"][1]["samples"][0]
    assert image["kind"] == "image" and image["url"].startswith("/files/")
    served = browser_session.get(server.web_url + image["url"], timeout=10)
    assert served.status_code == 200 and served.content.startswith(b"\xff\xd8")  # JPEG


def test_a_draft_with_hundreds_of_hyperparameters_is_saved_whole(server, browser_session):
    params = {f"p{n}": {"section": "Args", "name": f"p{n}", "value": str(n)} for n in range(400)}
    task = server.api("tasks.create", name="many", type="training",
                      hyperparams={"Args": params})["id"]
    form = {"csrf_token": csrf_token_of(browser_session, server, "/projects"), "name": "many",
            "params": "400", "configs": "0"}
    for n in range(400):
        form.update({f"p{n}.section": "Args", f"p{n}.name": f"p{n}", f"p{n}.key": f"Args/p{n}",
                     f"p{n}.value": str(n + 1)})
    answer = browser_session.post(f"{server.web_url}/projects/*/experiments/{task}/edit",
                                  data=form, allow_redirects=False, timeout=30)
    saved = server.api("tasks.get_by_id", task=task)["task"]["hyperparams"]["Args"]
    assert answer.status_code == 303 and saved["p399"]["value"] == "400" and len(saved) == 400


@pytest.mark.parametrize("path, form", [
    ("/actions/enqueue", {"ids": "not-a-task", "queue": ""}), ("/actions/no-such-action", {}),
    ("/actions/clone", {"ids": ",,,", "name": "\x00" * 3}),
    ("/projects/*/experiments/not-a-task/edit", {"params": "many"}),
    ("/queues/not-a-queue/entries/not-a-task", {"move": "sideways"}),
    ("/queues/not-a-queue/entries/not-a-task", {"move": "to", "queue": "elsewhere"})])
def test_junk_in_a_form_is_answered_never_with_a_500(server, browser_session, path, form):
    token = csrf_token_of(browser_session, server, "/projects")
    answer = browser_session.post(server.web_url + path, data=dict(form, csrf_token=token),
                                  timeout=10)
    assert answer.status_code < 500 and "Internal Server Error" not in answer.text


def log_in(server, **headers):
    return requests.post(f"{server.web_url}/login", allow_redirects=False, timeout=10,
                         headers=headers, data={"access_key": server.access_key,
                                                "secret_key": server.secret_key})


def test_two_logins_in_one_second_get_different_form_tokens(server):
    first, second = log_in(server), log_in(server)
    tokens = [re.search(r'<meta name="csrf-token" content="(\w+)">', requests.get(
        f"{server.web_url}/projects", cookies=login.cookies, timeout=10).text)[1]
              for login in (first, second)]
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}])
def test_a_cross_site_login_is_refused(server, headers):
    answer = log_in(server, **headers)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


@pytest.mark.parametrize("token, logged_out", [(None, False), ("forged", False),
                                               ("valid", True)])
def test_logout_needs_this_sessions_token(server, browser_session, token, logged_out):
    form = {"csrf_token": csrf_token_of(browser_session, server, "/projects")
            if token == "valid" else token} if token else {}
    browser_session.post(f"{server.web_url}/logout", data=form, timeout=10)
    still = browser_session.get(f"{server.web_url}/projects", allow_redirects=False, timeout=10)
    assert still.status_code == (303 if logged_out else 200)


def test_a_project_past_the_api_page_size_is_listed_whole(server, web, browser_session):
    """The table lists every experiment, beyond the 500 an API page holds."""
    project = server.api("projects.create", name="web many experiments")["id"]
    made = {server.api("tasks.create", name=f"e{n}", type="training", project=project,
                       hyperparams={"Args": {"n": {"section": "Args", "name": "n",
                                                   "value": str(n)}}})["id"]
            for n in range(520)}
    page = twin(server, web, f"/projects/{project}/experiments", sort="param:Args/n")
    assert page["total"] == len(page["experiments"]) == 520
    assert {row["id"] for row in page["experiments"]} == made
    assert [row["params"]["Args/n"] for row in page["experiments"][:3]] == ["0", "1", "2"]
    html = browser_session.get(f"{server.web_url}/projects/{project}/experiments", timeout=30)
    assert len(re.findall(r'<tr data-id="(\w+)"', html.text)) == 520
