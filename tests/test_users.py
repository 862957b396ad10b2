"""Users and their key pairs, as ClearML Server has them: the `users` command on a running
server, auth.*_credentials, users.*, revocation, and who owns what the SDK creates.

Semantics from clearml-server: apiserver/services/auth.py (create, get, edit, revoke
credentials), apiserver/bll/auth/__init__.py (create_credentials), apiserver/services/users.py,
apiserver/service_repo/auth/fixed_user.py (a user logs in with name and password) and
apiserver/schema/services/auth.conf and users.conf (the request and answer shapes).
"""
import base64
import json
import subprocess
import sys

import pytest
import requests

from clearml_local.credentials import Credentials
from clearml_local.storage import Storage
from conftest import start_server, stop_server
from support import IDENTITY, SCRIPTS, add_user, older_schema, users_command


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A server of this module's own, whose users the tests add."""
    base = tmp_path_factory.mktemp("team")
    running = start_server(base / "data", base / "home")
    (base / "home").mkdir(exist_ok=True)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def alice(team):
    return add_user(team, "alice")


@pytest.fixture(scope="module")
def bob(team):
    return add_user(team, "bob")


def log_in(server, pair):
    """auth.login with a key pair (or a name and password): the envelope."""
    return requests.get(f"{server.api_url}/auth.login", timeout=10,
                        auth=(pair["access_key"], pair["secret_key"])).json()


def token_of(server, pair):
    answer = log_in(server, pair)
    assert answer["meta"]["result_code"] == 200, answer["meta"]
    return answer["data"]["token"]


def code(server, endpoint, token, **data):
    return server.call(endpoint, data, token=token)["meta"]["result_code"]


def test_users_add_on_a_running_server_needs_no_restart(team, alice):
    """The printed key pair logs in at once, and the printed clearml.conf names the server."""
    assert log_in(team, alice)["meta"]["result_code"] == 200
    assert f"api_server: {team.api_url}" in alice["output"]
    assert f'"secret_key" = "{alice["secret_key"]}"' in alice["output"]


def test_a_user_logs_in_with_name_and_password(team, alice):
    """fixed_user.py: a user's name and password are a key pair too (authorize_credentials)."""
    token = token_of(team, {"access_key": "alice", "secret_key": alice["password"]})
    user = team.call("users.get_current_user", {}, token=token)["data"]["user"]
    assert (user["name"], user["company"]["id"], user["role"]) == ("alice", "local", "user")
    wrong = {"access_key": "alice", "secret_key": "not it"}
    assert log_in(team, wrong)["meta"]["result_code"] == 401


def test_users_get_all_answers_the_real_users(team, alice, bob):
    users = team.api("users.get_all")["users"]
    assert [u["name"] for u in users] == ["admin", "alice", "bob"]
    assert set(users[1]) == {"id", "name", "company", "role", "created"}
    assert [u["name"] for u in team.api("users.get_all", name="^b")["users"]] == ["bob"]


def test_users_get_all_names_a_filter_it_does_not_read(team):
    meta = team.call("users.get_all", {"active_in_projects": ["p"]})["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == (400, 12)
    assert "active_in_projects" in meta["result_msg"]


def run_owned(server, pair, name, tmp_path):
    env = {**server.env, "CLEARML_API_ACCESS_KEY": pair["access_key"],
           "CLEARML_API_SECRET_KEY": pair["secret_key"]}
    return subprocess.Popen([sys.executable, str(SCRIPTS / "owned.py"), f"owned by {name}",
                             f"{name}'s task"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_two_users_at_once_each_own_their_tasks_models_and_projects(team, alice, bob,
                                                                    tmp_path):
    """Two SDK processes at once, one per user: ClearML's `user` field names who created it."""
    runs = {pair["name"]: run_owned(team, pair, pair["name"], tmp_path) for pair in (alice, bob)}
    for name, run in runs.items():
        assert run.wait(timeout=180) == 0, run.stdout.read()
    ids = {u["name"]: u["id"] for u in team.api("users.get_all")["users"]}
    for name in runs:
        project = team.api("projects.get_all", name=f"^owned by {name}$")["projects"][0]
        task = team.api("tasks.get_all", project=[project["id"]])["tasks"][0]
        model = team.api("models.get_all", task=[task["id"]])["models"][0]
        assert (project["user"], task["user"], model["user"]) == (ids[name],) * 3


def test_create_credentials_answers_the_secret_once(team, alice):
    """auth.conf: create_credentials answers credentials {access_key, secret_key, label};
    get_credentials answers each key's access_key, label, last_used, last_used_from only."""
    token = token_of(team, alice)
    made = team.call("auth.create_credentials", {"label": "laptop"}, token=token)["data"]
    assert set(made["credentials"]) == {"access_key", "secret_key", "label"}
    listed = team.call("auth.get_credentials", {}, token=token)["data"]["credentials"]
    assert listed[-1]["label"] == "laptop" and listed[-1]["access_key"] == made[
        "credentials"]["access_key"]
    assert all(set(key) == {"access_key", "label", "last_used", "last_used_from"}
               for key in listed)
    assert listed[0]["last_used"] and listed[1]["last_used"] is None


def test_revoking_one_of_alices_keys_leaves_the_others_working(team, alice, bob):
    """auth.py revoke_credentials deletes the key: it gets 401 at once, and so does every token
    it logged in for (stricter than ClearML Server, whose tokens outlive their key); alice's
    other key and bob's keep working."""
    first = token_of(team, alice)
    made = team.call("auth.create_credentials", {"label": "lost laptop"}, token=first)["data"]
    lost = made["credentials"]
    lost_token = token_of(team, lost)
    answer = team.call("auth.revoke_credentials", {"access_key": lost["access_key"]},
                       token=first)["data"]
    assert answer == {"revoked": 1}
    assert log_in(team, lost)["meta"]["result_code"] == 401
    assert code(team, "tasks.get_all", lost_token) == 401
    assert code(team, "tasks.get_all", first) == 200
    assert code(team, "tasks.get_all", token_of(team, bob)) == 200


@pytest.mark.parametrize("endpoint, data, expected", [
    # auth.py edit_credentials: InvalidAccessKey; revoke_credentials: InvalidUser.
    ("auth.edit_credentials", {"access_key": "NOSUCHKEY", "label": "x"}, (400, 75)),
    ("auth.revoke_credentials", {"access_key": "NOSUCHKEY"}, (400, 300)),
    ("auth.revoke_credentials", {}, (400, 11)),
])
def test_credentials_calls_on_unknown_keys(team, endpoint, data, expected):
    meta = team.call(endpoint, data)["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == expected


def test_a_user_cannot_touch_another_users_key(team, alice, bob):
    meta = team.call("auth.revoke_credentials", {"access_key": bob["access_key"]},
                     token=token_of(team, alice))["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == (400, 300)
    assert log_in(team, bob)["meta"]["result_code"] == 200


def test_edit_credentials_sets_the_label(team, alice):
    token = token_of(team, alice)
    answer = team.call("auth.edit_credentials", {"access_key": alice["access_key"],
                                                 "label": "desktop"}, token=token)["data"]
    listed = team.call("auth.get_credentials", {}, token=token)["data"]["credentials"]
    assert answer == {"updated": 1} and listed[0]["label"] == "desktop"


def test_the_servers_own_key_pair_is_the_first_users_and_stays(team):
    user = team.api("users.get_current_user")["user"]
    assert (user["name"], user["role"]) == ("admin", "admin")
    meta = team.call("auth.revoke_credentials", {"access_key": team.access_key})["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == (400, 16)


def test_secrets_are_kept_hashed_and_never_logged(team, alice):
    stored = b"".join(path.read_bytes() for path in team.data_dir.glob("clearml.db*"))
    logged = (team.data_dir.parent / "server.log").read_text()
    assert alice["secret_key"].encode() not in stored and alice["password"].encode() not in stored
    assert alice["secret_key"] not in logged


def test_users_remove_ends_their_logins_at_once(team):
    carol = add_user(team, "carol")
    token = token_of(team, carol)
    removed = users_command(team, "remove", "carol")
    assert removed.returncode == 0, removed.stderr
    assert code(team, "tasks.get_all", token) == 401
    assert log_in(team, carol)["meta"]["result_code"] == 401


@pytest.mark.parametrize("args, message", [
    (["add", "alice"], "user 'alice' already exists"),
    (["add", "has space"], "invalid user name"),
    (["remove", "nobody"], "no user named 'nobody'"),
    (["remove", "admin"], "the server's own key pair"),
])
def test_users_command_refuses_with_one_line(team, alice, args, message):
    result = users_command(team, *args, password="p" if args[0] == "add" else None)
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_users_list_shows_every_user(team, alice, bob):
    listed = users_command(team, "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["NAME", "admin", "alice", "bob"]


def test_a_restart_keeps_users_and_keys(fresh_server, tmp_path):
    dana = add_user(fresh_server, "dana")
    stop_server(fresh_server)
    again = start_server(fresh_server.data_dir, fresh_server.home)
    try:
        assert log_in(again, dana)["meta"]["result_code"] == 200
        assert [u["name"] for u in again.api("users.get_all")["users"]] == ["admin", "dana"]
    finally:
        stop_server(again)


def columns(storage, table):
    return [tuple(row)[1:] for row in storage.db.execute(f"PRAGMA table_info({table})")]


def test_schema_6_data_upgrades_and_its_tasks_stay_the_first_users(tmp_path):
    """Migration 7 creates the users' tables as schema.sql has them; the first start on it
    makes the stored key pair and user id the first user's, who owns the earlier tasks."""
    old = Storage(tmp_path / "db")
    task = old.create_task({"name": "kept", "type": "training"}, {**IDENTITY, "user": "u1"})
    old.close()
    older_schema(tmp_path / "db", 6)
    (tmp_path / "credentials.json").write_text(json.dumps(
        {"access_key": "OLDKEY", "secret_key": "old-secret", "signing_key": "s" * 64, "user_id": "u1"}))
    upgraded = Storage(tmp_path / "db")
    credentials = Credentials(tmp_path, upgraded)
    fresh = Storage(tmp_path / "fresh.db")
    assert all(columns(upgraded, t) == columns(fresh, t)
               for t in ("users", "credentials", "sessions"))
    assert upgraded.key_pair("OLDKEY")[0]["name"] == "admin"
    token = credentials.login("Basic " + base64.b64encode(b"OLDKEY:old-secret").decode())
    assert credentials.verify(token)["user"] == upgraded.get_task(task)["user"]


def test_new_server_keys_replace_its_old_pair_and_keep_the_first_user(fresh_server):
    """credentials.json deleted (its error message says so, for new keys): the new pair is the
    first user's, the old one no longer logs in."""
    old = {"access_key": fresh_server.access_key, "secret_key": fresh_server.secret_key}
    admin = fresh_server.api("users.get_current_user")["user"]["id"]
    stop_server(fresh_server)
    (fresh_server.data_dir / "credentials.json").unlink()
    again = start_server(fresh_server.data_dir, fresh_server.home)
    try:
        assert log_in(again, old)["meta"]["result_code"] == 401
        assert again.api("users.get_current_user")["user"]["id"] == admin
    finally:
        stop_server(again)
