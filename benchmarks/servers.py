"""Start and stop the servers the benchmarks compare, on free loopback ports, and time things."""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # The benchmarks use the project's own modules.

from clearml_local.settings import parse_client_environment  # noqa: E402

BENCHMARKS = ROOT / "benchmarks"
WORKLOADS = BENCHMARKS / "workloads"
MLFLOW_VENV = BENCHMARKS / ".venv-mlflow"
MLFLOW_PYTHON = MLFLOW_VENV / "bin" / "python"


@dataclass
class Server:
    """A started server process (its own process group) and what clients need to reach it."""

    name: str
    process: subprocess.Popen
    url: str
    env: dict
    data_dir: Path = None

    @property
    def database(self):
        """The server's SQLite file."""
        return self.data_dir / ("clearml.db" if self.name == "clearml_local" else "mlflow.db")

    def stop(self):
        """Stop the server and every process it started (MLflow starts workers and job runners)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # Children that outlive their parent are still in its group.
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def cpu_seconds(self):
        """CPU time the server process has used so far (Linux /proc), or None elsewhere."""
        return cpu_seconds(self.process.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class ClearMLAPI:
    """Calls to a clearml_local server over one keep-alive session, logged in with its keys."""

    def __init__(self, server):
        self.http = requests.Session()
        self.url = server.url
        login = self.http.get(f"{self.url}/auth.login", auth=(
            server.env["CLEARML_API_ACCESS_KEY"], server.env["CLEARML_API_SECRET_KEY"]), timeout=30)
        self.http.headers["Authorization"] = f"Bearer {login.json()['data']['token']}"

    def call(self, endpoint, body=None, lines=None):
        """The answer's data; RuntimeError unless the call succeeded (so errors are never timed)."""
        if lines is None:
            response = self.http.post(f"{self.url}/v2.23/{endpoint}", json=body or {}, timeout=30)
        else:
            response = self.http.post(
                f"{self.url}/v2.23/{endpoint}", data="\n".join(lines), timeout=30,
                headers={"Content-Type": "application/json-lines"})
        answer = response.json()
        if answer["meta"]["result_code"] != 200:
            raise RuntimeError(f"{endpoint}: {answer['meta']}")
        return answer["data"]


def cpu_seconds(pid):
    """CPU time (user + system) process pid has used so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _group(group):
    """The pids of every process in process group `group` (Linux /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[2]) == group:
                yield int(stat.parent.name)
        except (OSError, ValueError, IndexError):
            continue


def group_cpu_seconds(group):
    """CPU time every process of process group `group` (a server started in a session of its
    own, with its workers) has used so far; exited children are not counted."""
    return sum(cpu_seconds(pid) or 0.0 for pid in _group(group))


def group_rss_mb(group):
    """Resident memory in MB of every process of process group `group`, or None."""
    total = None
    for pid in _group(group):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total = (total or 0) + int(line.split()[1]) / 1024
    return total


def clean_environment():
    """os.environ without any ClearML or MLflow setting that could point a run elsewhere."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("CLEARML_", "TRAINS_", "MLFLOW_"))}


def start_clearml_local(data_dir):
    """`python -m clearml_local serve` on OS-assigned ports; returns once auth.login answers.

    The Server's env holds the CLEARML_* variables of its clearml.env, and its clearml.conf.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "clearml_local", "serve", "--port", "0", "--web-port", "0",
         "--files-port", "0", "--data-dir", str(data_dir)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    settings = {}
    deadline = time.monotonic() + 60
    while "CLEARML_API_SECRET_KEY" not in settings:  # The server writes clearml.env once bound.
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"clearml_local did not start: see {data_dir / 'server.log'}")
        time.sleep(0.1)
        env_file = data_dir / "clearml.env"
        settings = parse_client_environment(env_file.read_text() if env_file.exists() else "")
    env = {**settings, "CLEARML_CONFIG_FILE": str(data_dir / "clearml.conf")}
    server = Server("clearml_local", process, settings["CLEARML_API_HOST"], env, data_dir)
    _wait_until_up(server, lambda: requests.get(
        f"{server.url}/auth.login", timeout=5,
        auth=(settings["CLEARML_API_ACCESS_KEY"], settings["CLEARML_API_SECRET_KEY"])))
    return server


def start_mlflow(data_dir, workers=None):
    """`mlflow server` with a SQLite backend, its defaults otherwise; returns once /health answers.

    workers=None keeps MLflow's default (4 uvicorn worker processes).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(data_dir / "mlflow-server.log", "w")
    process = subprocess.Popen(
        [str(MLFLOW_VENV / "bin" / "mlflow"), "server",
         "--backend-store-uri", f"sqlite:///{data_dir / 'mlflow.db'}",
         "--artifacts-destination", str(data_dir / "mlartifacts"),
         "--host", "127.0.0.1", "--port", str(port),
         *(["--workers", str(workers)] if workers else [])],
        cwd=data_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    server = Server("mlflow", process, url, {"MLFLOW_TRACKING_URI": url}, data_dir)
    _wait_until_up(server, lambda: requests.get(f"{url}/health", timeout=5).raise_for_status())
    return server


def _wait_until_up(server, probe, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode} at start")
        try:
            probe()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{server.name} did not answer within {timeout}s")
            time.sleep(0.2)


def free_port():
    """A loopback port that is free right now (for servers that cannot pick their own)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_mlflow():
    """Exit with instructions unless benchmarks/.venv-mlflow has benchmarks/requirements.txt."""
    if not MLFLOW_PYTHON.exists():
        sys.exit("MLflow is not installed for the benchmarks. Run "
                 "`.venv/bin/python benchmarks/run.py` (it installs benchmarks/requirements.txt "
                 "into benchmarks/.venv-mlflow), or:\n"
                 f"  python3 -m venv {MLFLOW_VENV}\n"
                 f"  {MLFLOW_PYTHON} -m pip install -r {BENCHMARKS / 'requirements.txt'}")


def run_json(command, env, cwd, timeout=1800):
    """Run a workload script; the JSON object its last output line holds."""
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, text=True,
                            capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(str(command[1])).name} exited {result.returncode}:\n"
                           f"{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def median(values):
    return statistics.median(values)


def print_table(title, header, rows, notes=()):
    """Print a Markdown table (pasteable into benchmarks/README.md)."""
    cells = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"
    print(f"\n### {title}\n")
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    for note in notes:
        print(f"\n{note}")
    print(flush=True)
