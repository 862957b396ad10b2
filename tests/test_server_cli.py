"""Starting the server: printed settings, credentials kept or given, one default queue."""
import json

import requests

from conftest import start_server, stop_server


def test_settings_are_printed_and_written(fresh_server):
    conf = (fresh_server.data_dir / "clearml.conf").read_text()
    assert fresh_server.api_url in conf and fresh_server.access_key in conf
    env = (fresh_server.data_dir / "clearml.env").read_text()
    assert f"export CLEARML_API_HOST={fresh_server.api_url}" in env


def test_credentials_are_kept_across_restarts(tmp_path):
    first = start_server(tmp_path / "data", tmp_path / "home")
    stop_server(first)
    second = start_server(tmp_path / "data", tmp_path / "home")
    stop_server(second)
    assert (first.access_key, first.secret_key) == (second.access_key, second.secret_key)


def test_given_credentials_are_used(tmp_path):
    given = start_server(tmp_path / "data", tmp_path / "home",
                         ["--access-key", "MYKEY", "--secret-key", "MYSECRET"])
    try:
        response = requests.get(f"{given.api_url}/auth.login", auth=("MYKEY", "MYSECRET"),
                                timeout=10)
        assert response.json()["meta"]["result_code"] == 200
    finally:
        stop_server(given)
    stored = json.loads((tmp_path / "data" / "credentials.json").read_text())
    assert stored["access_key"] == "MYKEY"


def test_default_queue_is_not_duplicated_on_restart(tmp_path):
    for _ in range(2):
        running = start_server(tmp_path / "data", tmp_path / "home")
        queues = running.api("queues.get_all", name="^default$")["queues"]
        stop_server(running)
    assert len(queues) == 1
