"""The command line: printed settings, credentials kept or given, one default queue; the
version, every subcommand's help, and info."""
import importlib
import json

import pytest
import requests

from clearml_local import __version__
from clearml_local.commands import COMMANDS
from clearml_local.storage.database import SCHEMA_VERSION
from conftest import start_server, stop_server
from support import clearml_local


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


def test_version_is_the_package_version():
    done = clearml_local("--version")
    assert (done.returncode, done.stdout) == (0, f"clearml-local {__version__}\n")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_subcommand_says_what_it_does(name):
    module = importlib.import_module(f"clearml_local.commands.{name}")
    summary = module.__doc__.strip().splitlines()[0]
    listed, own = clearml_local("--help"), clearml_local(name, "--help")
    assert own.returncode == 0 and own.stdout.split("\n\n")[1].startswith(summary)
    assert name in listed.stdout and summary.split()[0] in listed.stdout


def test_info_shows_the_data_folder_and_the_running_server(fresh_server):
    done = clearml_local("info", "--json", "--data-dir", fresh_server.data_dir)
    facts = json.loads(done.stdout)
    assert (facts["schema_version"], facts["counts"]["tasks"]) == (SCHEMA_VERSION, 0)
    assert facts["urls"] == {"api": fresh_server.api_url, "web": fresh_server.web_url,
                             "files": fresh_server.files_url}
    assert facts["config_file"] == str(fresh_server.data_dir / "clearml.conf")
    assert facts["bytes"]["total"] > 0 and facts["data_dir"] == str(fresh_server.data_dir)


def test_info_without_data_is_one_line(tmp_path):
    done = clearml_local("info", "--data-dir", tmp_path / "none")
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert "clearml-local serve" in done.stderr
