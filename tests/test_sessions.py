"""Logging out ends that login on the server: its token and cookie stop working at once, on
the web and the API, and stay revoked across a restart; every other login keeps working.
ClearML Server does the same (apiserver/services/auth.py logout: revoke_auth_token)."""
import re

import requests

from conftest import start_server, stop_server


def api_login(server):
    answer = requests.get(f"{server.api_url}/auth.login", timeout=10,
                          auth=(server.access_key, server.secret_key))
    return answer.json()["data"]["token"]


def web_login(server):
    """A browser's login: its session (holding the cookie) and the cookie's token."""
    session = requests.Session()
    session.post(f"{server.web_url}/login", timeout=10, allow_redirects=False,
                 data={"access_key": server.access_key, "secret_key": server.secret_key})
    return session, session.cookies["clearml_local_token"]


def web_logout(server, session):
    page = session.get(f"{server.web_url}/projects", timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="(\w+)">', page)[1]
    session.post(f"{server.web_url}/logout", data={"csrf_token": token}, timeout=10)


def api_status(server, token):
    return server.call("tasks.get_all", {}, token=token)["meta"]["result_code"]


def page_status(server, token):
    answer = requests.get(f"{server.web_url}/projects", cookies={"clearml_local_token": token},
                          allow_redirects=False, timeout=10)
    return answer.status_code


def test_auth_logout_revokes_that_token_only(server):
    leaving, staying = api_login(server), api_login(server)
    assert server.call("auth.logout", {}, token=leaving)["meta"]["result_code"] == 200
    assert (api_status(server, leaving), page_status(server, leaving)) == (401, 303)
    assert (api_status(server, staying), page_status(server, staying)) == (200, 200)
    meta = server.call("tasks.get_all", {}, token=leaving)["meta"]
    assert meta["result_subcode"] == 30 and "revoked" in meta["result_msg"]


def test_web_logout_revokes_the_saved_cookie_on_the_web_and_the_api(server):
    session, cookie = web_login(server)
    _, other = web_login(server)
    web_logout(server, session)
    assert (page_status(server, cookie), api_status(server, cookie)) == (303, 401)
    assert (page_status(server, other), api_status(server, other)) == (200, 200)


def test_a_revoked_token_stays_revoked_after_a_restart(tmp_path):
    data, home = tmp_path / "data", tmp_path / "home"
    first = start_server(data, home)
    leaving, staying = api_login(first), api_login(first)
    first.call("auth.logout", {}, token=leaving)
    stop_server(first)
    again = start_server(data, home)
    try:
        assert (api_status(again, leaving), api_status(again, staying)) == (401, 200)
    finally:
        stop_server(again)
