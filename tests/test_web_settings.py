"""The web UI as one of a team's users, in Debian's headless chromium: log in with a name and
password, make and revoke credentials on the Settings page (ClearML's Settings → Workspace →
Create new credentials), and see whose experiments are whose."""
import pytest
import requests

from conftest import start_server, stop_server
from support import add_user
from web_browser import open_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    """A server that tells clients to reach it by the name `localhost` (--public-host)."""
    base = tmp_path_factory.mktemp("public")
    running = start_server(base / "data", base / "home", ["--public-host", "localhost"])
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def erin(public_server):
    return add_user(public_server, "erin")


@pytest.fixture
def erins_page(browser, public_server, erin):
    """A page logged in through the form as erin, with her name and password."""
    with open_page(browser) as page:
        page.goto(f"{public_server.web_url}/settings")
        page.fill("input[name=access_key]", "erin")
        page.fill("input[name=secret_key]", erin["password"])
        page.click("form.login button[type=submit]")
        page.wait_for_load_state()
        yield page


def logs_in(server, key_pair):
    answer = requests.get(f"{server.api_url}/auth.login", timeout=10, auth=key_pair)
    return answer.json()["meta"]["result_code"]


def test_create_credentials_shows_the_secret_once_with_the_public_urls(public_server,
                                                                       erins_page):
    page = erins_page
    assert page.inner_text("#user-name") == "erin"
    page.fill("input[name=label]", "gpu box")
    page.click("#create-credentials")
    conf = page.inner_text("#new-conf")
    assert "api_server: http://localhost:" in conf and "files_server: http://localhost:" in conf
    key = conf.split('"access_key" = "')[1].split('"')[0]
    secret = conf.split('"secret_key" = "')[1].split('"')[0]
    assert logs_in(public_server, (key, secret)) == 200
    page.goto(f"{public_server.web_url}/settings")
    assert page.locator("#new-conf").count() == 0 and secret not in page.content()
    assert page.locator(f"tr[data-key='{key}'] td").first.inner_text() == "gpu box"


def test_revoke_on_the_settings_page_stops_the_key(public_server, erins_page):
    page = erins_page
    page.click("#create-credentials")
    conf = page.inner_text("#new-conf")
    key = conf.split('"access_key" = "')[1].split('"')[0]
    secret = conf.split('"secret_key" = "')[1].split('"')[0]
    page.click(f"tr[data-key='{key}'] form.revoke button")
    page.wait_for_load_state()
    assert f"Revoked {key}" in page.inner_text("#flash")
    assert page.locator(f"tr[data-key='{key}']").count() == 0
    assert logs_in(public_server, (key, secret)) == 401


def test_a_form_without_the_session_token_is_refused(public_server, erin):
    """CSRF as on the other forms: a POST without this session's token changes nothing."""
    cookies = requests.post(f"{public_server.web_url}/login", allow_redirects=False, timeout=10,
                            data={"access_key": "erin", "secret_key": erin["password"]}).cookies
    answer = requests.post(f"{public_server.web_url}/settings/credentials.json", timeout=10,
                           cookies=cookies, data={"label": "forged"})
    assert answer.status_code == 403


def test_my_experiments_shows_only_the_users_own(public_server, erin, erins_page):
    erins = requests.get(f"{public_server.api_url}/auth.login", timeout=10,
                         auth=(erin["access_key"], erin["secret_key"])).json()["data"]["token"]
    public_server.call("tasks.create", {"name": "erin's run", "type": "training"}, token=erins)
    public_server.api("tasks.create", name="admin's run", type="training")
    page = erins_page
    page.goto(f"{public_server.web_url}/projects/*/experiments")
    with page.expect_navigation():
        page.select_option("#user-filter", label="my experiments")
    names = page.locator("#experiments td.name a").all_inner_texts()
    owners = set(page.locator("#experiments td[data-cell=user]").all_inner_texts())
    assert names == ["erin's run"] and owners == {"erin"}
