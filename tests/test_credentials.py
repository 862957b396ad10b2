"""Credentials at rest and in use: a new key pair revokes old tokens; private files and folders."""
import stat

import requests

from conftest import start_server, stop_server

NEW_KEYS = ["--access-key", "NEWACCESSKEY", "--secret-key", "new-secret-key"]


def web_cookie(server):
    """The login cookie the web UI sets for the server's key pair."""
    session = requests.Session()
    session.post(f"{server.web_url}/login", allow_redirects=False, timeout=10,
                 data={"access_key": server.access_key, "secret_key": server.secret_key})
    return session.cookies


def still_accepted(server, token, cookies):
    api = server.call("tasks.get_all", {}, token=token)["meta"]["result_code"]
    web = requests.get(f"{server.web_url}/projects.json", cookies=cookies, timeout=10)
    return api, web.status_code


def test_new_key_pair_revokes_old_tokens_and_cookies(tmp_path):
    data, home = tmp_path / "data", tmp_path / "home"
    first = start_server(data, home)
    token, cookies = first.token, web_cookie(first)
    stop_server(first)
    same_keys = start_server(data, home)
    assert still_accepted(same_keys, token, cookies) == (200, 200)
    stop_server(same_keys)
    rotated = start_server(data, home, NEW_KEYS)
    try:
        assert still_accepted(rotated, token, cookies) == (401, 401)
        assert rotated.access_key == "NEWACCESSKEY"
        assert rotated.call("tasks.get_all", {})["meta"]["result_code"] == 200
    finally:
        stop_server(rotated)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_secrets_are_private(tmp_path):
    """Started on every interface with generated keys: a warning naming the risk, and files
    only the server's user can read (the server sets its umask before creating any)."""
    server = start_server(tmp_path / "data", tmp_path / "home", ["--host", "0.0.0.0"])
    try:
        requests.post(server.files_url + "/", files={"/p/t/a.bin": ("a.bin", b"x")},
                      headers={"Authorization": f"Bearer {server.token}"}, timeout=10)
        server.api("tasks.create", name="mode check", type="training")
    finally:
        stop_server(server)
    log = (tmp_path / "server.log").read_text()
    assert "WARNING: listening on 0.0.0.0" in log and "plain HTTP" in log
    data = server.data_dir
    private = [data / name for name in ("credentials.json", "clearml.conf", "clearml.env",
                                        "clearml.db")] + [data / "files/p/t/a.bin"]
    assert {path.name: mode(path) for path in private} == {path.name: 0o600 for path in private}
    folders = [data, data / "files", data / "files/p", data / "files/p/t"]
    assert {str(path): mode(path) for path in folders} == {str(p): 0o700 for p in folders}


def test_sqlite_side_files_are_private(server):
    """While the server runs, SQLite's write-ahead log and shared memory files exist."""
    sides = [server.data_dir / f"clearml.db{suffix}" for suffix in ("-wal", "-shm")]
    assert {path.name: mode(path) for path in sides} == {path.name: 0o600 for path in sides}


def test_loopback_server_does_not_warn(server):
    assert "WARNING" not in (server.data_dir.parent / "server.log").read_text()
