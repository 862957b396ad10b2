"""A second machine set up the ClearML way: a Linux network namespace joined to this one by a
veth pair, with a HOME of its own and a clearml.conf from auth.create_credentials, where a real
clearml-agent runs clones that upload an artifact and a model through the file server, and
where `doctor` checks the set-up. Needs root (CI runs as root); the namespace and the link are
removed whatever happens.
"""
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from clearml import Task

from clearml_local.settings import api_section
from conftest import ROOT, start_server, stop_server
from support import run_script, stop_process, wait_for_status

pytestmark = pytest.mark.slow
IP = shutil.which("ip") or "/usr/sbin/ip"


@dataclass
class Host:
    """The namespace (the second machine) and the addresses of both ends of the link."""

    namespace: str
    link: str
    server_ip: str
    home: Path

    def run(self, *command, env=None, **kwargs):
        """command inside the namespace, with only the environment given (and HOME)."""
        return [IP, "netns", "exec", self.namespace, *command], {
            "env": {"HOME": str(self.home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                    "PYTHONUNBUFFERED": "1", **(env or {})}, "cwd": ROOT, **kwargs}


def ip(*args):
    subprocess.run([IP, *args], check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def second_host(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("this test makes a network namespace: run it as root (CI does)")
    tag = f"teams{os.getpid() % 100000}"
    subnet = f"10.217.{os.getpid() % 250}"
    host = Host(tag, f"{tag}h", f"{subnet}.1", tmp_path_factory.mktemp("second-home"))
    try:
        ip("netns", "add", host.namespace)
        ip("link", "add", host.link, "type", "veth", "peer", "name", f"{tag}n")
        ip("link", "set", f"{tag}n", "netns", host.namespace)
        ip("addr", "add", f"{host.server_ip}/30", "dev", host.link)
        ip("link", "set", host.link, "up")
        for args in (["addr", "add", f"{subnet}.2/30", "dev", f"{tag}n"],
                     ["link", "set", f"{tag}n", "up"], ["link", "set", "lo", "up"]):
            ip("-n", host.namespace, *args)
        yield host
    finally:
        subprocess.run([IP, "link", "del", host.link], capture_output=True)
        subprocess.run([IP, "netns", "del", host.namespace], capture_output=True)


@pytest.fixture(scope="module")
def far_server(second_host, tmp_path_factory):
    """The server on this side of the link, telling clients its address there."""
    base = tmp_path_factory.mktemp("far-server")
    running = start_server(base / "data", base / "home", [
        "--host", second_host.server_ip, "--public-host", second_host.server_ip])
    (base / "home").mkdir(exist_ok=True)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def far_conf(far_server, second_host):
    """~/clearml.conf of the second machine, from credentials made by auth.create_credentials."""
    made = far_server.api("auth.create_credentials", label="second host")["credentials"]
    conf = second_host.home / "clearml.conf"
    conf.write_text(api_section(far_server.settings, made["access_key"], made["secret_key"]))
    return conf


def payload(seed, kind, size=200_000):
    """The bytes tests/scripts/far_artifacts.py uploads for that seed."""
    block = hashlib.sha256(f"{kind}:{seed}".encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def download(server, url):
    assert url.startswith(server.files_url + "/"), url
    answer = requests.get(url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_an_agent_on_the_second_host_uploads_what_the_first_reads_back(
        far_server, second_host, far_conf, tmp_path):
    run_script(far_server, "far_artifacts.py", cwd=tmp_path)
    queue = far_server.api("queues.create", name="second host")["id"]
    template = far_server.api("tasks.get_all", name="^far artifacts$")["tasks"][0]
    clone = far_server.api("tasks.clone", task=template["id"], new_task_name="far clone")["id"]
    far_server.api("tasks.edit_hyper_params", task=clone, hyperparams=[
        {"section": "General", "name": "seed", "value": "7"}])
    far_server.api("tasks.enqueue", task=clone, queue=queue)
    command, options = second_host.run(
        str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", "second host",
        "--foreground", env={"CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL": "1",
                             "CLEARML_AGENT_SKIP_PIP_VENV_INSTALL": sys.executable,
                             "CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1"})
    with open(tmp_path / "agent.log", "w") as log:
        agent = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **options)
    try:
        task = wait_for_status(far_server, clone, ["completed", "failed"], timeout=300,
                               log=lambda: (tmp_path / "agent.log").read_text())
    finally:
        stop_process(agent)
    assert task["status"] == "completed", (tmp_path / "agent.log").read_text()
    [artifact] = [a for a in task["execution"]["artifacts"] if a["key"] == "blob"]
    [model] = far_server.api("models.get_all", task=[clone])["models"]
    assert download(far_server, artifact["uri"]) == payload(7, "artifact")
    assert download(far_server, model["uri"]) == payload(7, "model")


def doctor(second_host, *args):
    command, options = second_host.run(sys.executable, "-m", "clearml_local", "doctor", *args)
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **options)


def test_doctor_passes_on_the_second_host(second_host, far_conf):
    result = doctor(second_host)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "file server round trip" in result.stdout and "warn" not in result.stdout


def test_doctor_names_a_configured_localhost(far_server, second_host, far_conf):
    local = far_server.api_url.replace(second_host.server_ip, "localhost")
    bad = second_host.home / "localhost.conf"
    bad.write_text(far_conf.read_text().replace(far_server.api_url, local))
    result = doctor(second_host, "--config", str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"warn  api.api_server in {bad} is {local}, which names loopback" in result.stdout
    assert f"FAIL  the API does not answer at {local}" in result.stdout


def test_doctor_warns_of_loopback_urls_the_server_hands_out_and_stored(fresh_server):
    """On the server's own machine all works, but what it hands out names 127.0.0.1."""
    fresh_server.api("models.create", name="local only", uri=f"{fresh_server.files_url}/m.bin")
    env = {key: value for key, value in fresh_server.env.items()
           if not key.startswith("CLEARML_API") and not key.endswith("_HOST")}
    result = subprocess.run([sys.executable, "-m", "clearml_local", "doctor"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the file server URL the server hands out is http://127.0.0.1:" in result.stdout
    assert "restart the server with --public-host NAME" in result.stdout
    assert (f"1 stored model or artifact URLs name loopback (such as "
            f"{fresh_server.files_url}/m.bin)") in result.stdout
