"""Fixtures: the real local server on OS-assigned ports, and environments for the SDK and agent."""
import itertools
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from clearml_local.settings import parse_client_environment
from clearml_local.storage import Storage
from support import IDENTITY

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class RunningServer:
    """A started `python -m clearml_local serve` and how to reach it."""

    process: subprocess.Popen
    data_dir: Path
    settings: dict
    home: Path
    token: str = field(default="")

    @property
    def api_url(self):
        return self.settings["CLEARML_API_HOST"]

    @property
    def web_url(self):
        return self.settings["CLEARML_WEB_HOST"]

    @property
    def files_url(self):
        return self.settings["CLEARML_FILES_HOST"]

    @property
    def access_key(self):
        return self.settings["CLEARML_API_ACCESS_KEY"]

    @property
    def secret_key(self):
        return self.settings["CLEARML_API_SECRET_KEY"]

    @property
    def env(self):
        """os.environ plus what points the SDK at this server, for subprocesses."""
        return {**os.environ, **self.settings,
                "CLEARML_CONFIG_FILE": str(self.data_dir / "clearml.conf"),
                "CLEARML_CACHE_DIR": str(self.home / "cache"), "HOME": str(self.home),
                "PYTHONUNBUFFERED": "1"}

    @property
    def agent_env(self):
        """env plus what makes clearml-agent run tasks with this Python, without pip."""
        return {**self.env, "CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL": "1",
                "CLEARML_AGENT_SKIP_PIP_VENV_INSTALL": sys.executable,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def call(self, endpoint, data=None, token=None, method="post", raw=None, headers=None):
        """Send one API call; returns the parsed envelope (whatever its result code)."""
        headers = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        body = raw if raw is not None else None
        response = requests.request(method, f"{self.api_url}/{endpoint}", json=data
                                    if raw is None else None, data=body, headers=headers,
                                    timeout=30)
        return response.json()

    def api(self, endpoint, **data):
        """Send one API call that must succeed; returns its data."""
        answer = self.call(endpoint, data)
        assert answer["meta"]["result_code"] == 200, answer["meta"]
        return answer["data"]

    def api_all(self, endpoint, key, **data):
        """Every object a get_all call finds, read 500 (ClearML Server's largest page) at a time."""
        found = []
        for page in itertools.count():
            batch = self.api(endpoint, page=page, page_size=500, **data)[key]
            found += batch
            if len(batch) < 500:
                return found


def start_server(data_dir, home, extra_args=(), command=(sys.executable, "-m", "clearml_local"),
                 cwd=ROOT, env=None):
    """Start the server (`command serve`, from cwd) on OS-assigned ports and wait until it
    answers.

    Its output goes to <data_dir>/../server.log, so a chatty server never blocks on a full pipe.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*command, "serve", "--port", "0", "--web-port", "0", "--files-port", "0",
             "--data-dir", str(data_dir), *extra_args],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    settings = {}
    while "CLEARML_API_SECRET_KEY" not in settings:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server printed no settings in 60 s:\n{log_path.read_text()}")
        time.sleep(0.05)
        settings = parse_client_environment(log_path.read_text())
    server = RunningServer(process, data_dir, settings, home)
    while True:
        try:
            token = requests.get(f"{server.api_url}/auth.login",
                                 auth=(server.access_key, server.secret_key), timeout=5)
            server.token = token.json()["data"]["token"]
            return server
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop_server(server):
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real server, shared by the session; the in-process SDK is pointed at it too."""
    base = tmp_path_factory.mktemp("server")
    running = start_server(base / "data", base / "home")
    (base / "home").mkdir(exist_ok=True)
    for key in ("CLEARML_API_HOST", "CLEARML_WEB_HOST", "CLEARML_FILES_HOST",
                "CLEARML_API_ACCESS_KEY", "CLEARML_API_SECRET_KEY", "CLEARML_CONFIG_FILE",
                "CLEARML_CACHE_DIR"):
        os.environ[key] = running.env[key]
    yield running
    stop_server(running)


@pytest.fixture
def fresh_server(tmp_path):
    """A server of its own, for tests that restart or kill it."""
    running = start_server(tmp_path / "data", tmp_path / "home")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium (driven by Playwright) for every browser test."""
    from web_browser import launch
    with launch() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def web_login(server, browser, tmp_path_factory):
    """The cookies of one login through the web UI's form, for pages that start logged in."""
    from web_browser import log_in
    context = browser.new_context()
    page = context.new_page()
    log_in(page, server, "/projects")
    path = tmp_path_factory.mktemp("web-login") / "state.json"
    context.storage_state(path=str(path))
    context.close()
    return path


@pytest.fixture
def page(browser, web_login):
    """A logged-in page in a context of its own; fails the test when a script on it threw."""
    from web_browser import open_page
    with open_page(browser, web_login) as page:
        yield page


# Agents shared by the pipeline and automation tests: one per queue, polling every second.
FAST_POLL = {"CLEARML_AGENT_QUEUE_POLL_FREQ_SEC": "1"}


@pytest.fixture(scope="session")
def step_agent(server, tmp_path_factory):
    """A clearml-agent daemon on queue 'flows' (pipeline steps, optimizer and scheduler jobs);
    yields the queue's name."""
    from support import start_agent, stop_process
    server.api("queues.create", name="flows")
    agent = start_agent(server, "flows", tmp_path_factory.mktemp("step_agent"), env=FAST_POLL)
    yield "flows"
    stop_process(agent)


@pytest.fixture(scope="session")
def services_agent(server, step_agent, tmp_path_factory):
    """`clearml-agent daemon --services-mode` on queue 'services', where PipelineController.start()
    and the decorator's default mode send the controller; its steps go to step_agent's queue."""
    from support import start_agent, stop_process
    server.api("queues.create", name="services")
    agent = start_agent(server, "services", tmp_path_factory.mktemp("services_agent"),
                        "--services-mode", env=FAST_POLL)
    yield "services"
    stop_process(agent)


@pytest.fixture
def storage(tmp_path):
    """Real SQLite storage in a fresh folder, for tests of the storage layer itself."""
    store = Storage(tmp_path / "db")
    yield store
    store.close()


@pytest.fixture
def task_id(storage):
    """A created task in that storage."""
    return storage.create_task({"name": "t", "type": "training"}, IDENTITY)
