"""The package as a user installs it: the sdist and wheel built from a clean tree, the wheel in a
fresh venv with no checkout in sight, its `clearml-local serve` taking the SDK and the web."""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests

from clearml_local import __version__
from conftest import ROOT, start_server, stop_server
from support import find_task, run_script

pytestmark = pytest.mark.slow
# The server's own dependencies: nothing of the SDK, the agent or TensorFlow.
DEPENDENCIES = {"starlette", "uvicorn", "python-multipart", "pyjwt", "regex", "jinja2", "plotly",
                "snowballstemmer"}


def run(*command, cwd, env=None, timeout=600):
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def tracked_files(under=""):
    """The files git tracks (as they are in the work tree), under that folder."""
    names = run("git", "ls-files", "-z", "--", under or ".", cwd=ROOT).split("\0")
    return [name for name in names if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel, built (the wheel from the sdist) from a copy of the tracked files
    only: a file the package needs but git does not track is missing from them too."""
    base = tmp_path_factory.mktemp("built")
    for name in tracked_files():
        (base / "tree" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, base / "tree" / name)
    run(sys.executable, "-m", "build", "--outdir", base / "dist", base / "tree", cwd=base)
    [wheel], [sdist] = base.glob("dist/*.whl"), base.glob("dist/*.tar.gz")
    return SimpleNamespace(wheel=wheel, sdist=sdist)


@pytest.fixture(scope="module")
def fresh_venv(built, tmp_path_factory):
    """A venv made by the system's python3 (the project venv's base), holding only the wheel
    and its dependencies; its env names no checkout."""
    base = tmp_path_factory.mktemp("fresh")
    python = Path(sys.base_prefix) / "bin" / "python3"
    # The project's pip installs into it (--python): a pip of its own would take longer.
    run(python, "-m", "venv", "--without-pip", base / "venv", cwd=base)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    # The pins constrain what pip picks to what the tests run with; they install nothing.
    run(sys.executable, "-m", "pip", "--python", base / "venv/bin/python", "install", "--quiet",
        "--no-compile", built.wheel, "--constraint", ROOT / "requirements.txt", cwd=base,
        env=env)
    (base / "empty").mkdir()
    return SimpleNamespace(bin=base / "venv" / "bin", env=env, empty=base / "empty", base=base)


@pytest.fixture(scope="module")
def installed_server(fresh_venv):
    """`clearml-local serve` of the fresh venv, started from an empty folder."""
    server = start_server(fresh_venv.base / "data", fresh_venv.base / "home",
                          command=[fresh_venv.bin / "clearml-local"], cwd=fresh_venv.empty,
                          env=fresh_venv.env)
    (fresh_venv.base / "home").mkdir(exist_ok=True)
    yield server
    stop_server(server)


def test_the_wheel_and_sdist_hold_every_file_of_the_server(built):
    wheel = set(zipfile.ZipFile(built.wheel).namelist())
    with tarfile.open(built.sdist) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        in_sdist = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    needed = set(tracked_files("clearml_local"))
    assert sorted(needed - wheel) == [], "missing from the wheel"
    assert sorted(needed - in_sdist) == [], "missing from the sdist"
    assert not {name for name in wheel if "/" not in name}, "top-level modules in the wheel"


def test_the_wheel_names_the_servers_dependencies_and_the_command(built):
    wheel = zipfile.ZipFile(built.wheel)
    info = next(name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
    metadata = wheel.read(info).decode()
    required = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)(.*)$", metadata, re.M)
    runtime = {name.lower() for name, rest in required if "extra ==" not in rest}
    extras = set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.M))
    entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert runtime == DEPENDENCIES and extras == {"example", "push", "test"}
    assert "clearml-local = clearml_local.commands:main" in entry_points


def test_the_fresh_venv_runs_its_own_copy(fresh_venv):
    where = run(fresh_venv.bin / "python", "-c", "import clearml_local; print(clearml_local."
                "__file__)", cwd=fresh_venv.empty, env=fresh_venv.env)
    version = run(fresh_venv.bin / "clearml-local", "--version", cwd=fresh_venv.empty,
                  env=fresh_venv.env)
    assert Path(where.strip()).is_relative_to(fresh_venv.base / "venv")
    assert version == f"clearml-local {__version__}\n"


@pytest.fixture(scope="module")
def tracked(installed_server, tmp_path_factory):
    """A task that an SDK script (the project venv's Python) tracked into the installed server."""
    run_script(installed_server, "tracked.py", "installed", "tracked",
               cwd=tmp_path_factory.mktemp("tracked"))
    return find_task(installed_server, "installed", "tracked")


def test_an_sdk_script_tracks_into_the_installed_server(installed_server, tracked):
    scalars = installed_server.api("events.scalar_metrics_iter_histogram", task=tracked["id"])
    [artifact] = tracked["execution"]["artifacts"]
    answer = requests.get(installed_server.files_url + urlsplit(artifact["uri"]).path,
                          headers={"Authorization": f"Bearer {installed_server.token}"},
                          timeout=30)
    assert tracked["status"] == "completed"
    assert tracked["hyperparams"]["General"]["lr"]["value"] == "0.1"
    assert scalars["loss"]["train"]["x"] == [0, 1, 2, 3, 4]
    assert json.loads(answer.content)["params"]["batch_size"] == 32


def test_the_installed_server_serves_its_pages_and_plotly(installed_server, tracked):
    web = requests.Session()
    web.post(f"{installed_server.web_url}/login", data={
        "access_key": installed_server.access_key, "secret_key": installed_server.secret_key})
    page = web.get(f"{installed_server.web_url}/projects/{tracked['project']}/experiments/"
                   f"{tracked['id']}", timeout=30)
    assets = {path: web.get(f"{installed_server.web_url}{path}", timeout=30)
              for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)}
    assert page.status_code == 200 and "tracked" in page.text
    assert "/static/plotly.min.js" in assets and "/static/style.css" in assets
    assert {path: answer.status_code for path, answer in assets.items()} == {
        path: 200 for path in assets}
