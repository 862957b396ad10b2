"""Requests per second of clearml_local and an MLflow tracking server for the same tracking calls.

Both servers run on loopback, each with a fresh SQLite database; one client with `requests` and a
keep-alive session per server sends the calls one after the other, as an SDK does. Run alone with
    .venv/bin/python benchmarks/bench_tracking_server.py [--rounds 3] [--quick]
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import requests

from servers import (ClearMLAPI, median, print_table, require_mlflow, start_clearml_local,
                     start_mlflow)

# Calls per operation and round; every call's answer is checked, so errors are never timed as speed.
COUNTS = {"create": 100, "log 100 scalars": 100, "get one": 200, "list 50": 50}
QUICK_COUNTS = {"create": 10, "log 100 scalars": 10, "get one": 20, "list 50": 5}
WARM_UP = {"create": 5, "log 100 scalars": 5, "get one": 5, "list 50": 5}
ITERATIONS, SERIES = 50, 2  # 100 scalars per batch: two series over 50 iterations.


class ClearMLLocalClient(ClearMLAPI):
    """The calls as the clearml SDK makes them (events as JSON lines), one keep-alive session."""

    def __init__(self, server):
        super().__init__(server)
        self.runs = 0
        self.project = self.call("projects.create", {"name": "benchmark"})["id"]

    def create(self, index):
        return self.call("tasks.create", {"name": f"run {self.runs + index}",
                                          "project": self.project,
                                          "type": "training", "system_tags": ["development"]})["id"]

    def log_scalars(self, task_id, first_iteration):
        timestamp = int(time.time() * 1000)
        self.call("events.add_batch", lines=[json.dumps({
            "timestamp": timestamp, "type": "training_stats_scalar", "task": task_id,
            "iter": first_iteration + i, "metric": "loss", "variant": f"series {s}",
            "value": 1.0 / (1 + i + s), "allow_locked": False, "model_event": False})
            for i in range(ITERATIONS) for s in range(SERIES)])

    def get(self, task_id):
        return self.call("tasks.get_by_id", {"task": task_id})["task"]

    def list(self):
        return self.call("tasks.get_all", {"project": [self.project], "order_by": ["-last_update"],
                                           "page": 0, "page_size": 50})["tasks"]


class MLflowClient:
    """The same calls on MLflow's REST API (as mlflow.MlflowClient sends them), one session."""

    def __init__(self, server):
        self.http = requests.Session()
        self.url = f"{server.url}/api/2.0/mlflow"
        self.runs = 0
        self.experiment = self.call("post", "experiments/create", {"name": "benchmark"})[
            "experiment_id"]

    def call(self, method, path, body=None, params=None):
        response = self.http.request(method, f"{self.url}/{path}", json=body, params=params,
                                     timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()

    def create(self, index):
        return self.call("post", "runs/create", {
            "experiment_id": self.experiment, "run_name": f"run {self.runs + index}",
            "start_time": int(time.time() * 1000)})["run"]["info"]["run_id"]

    def log_scalars(self, run_id, first_iteration):
        timestamp = int(time.time() * 1000)
        self.call("post", "runs/log-batch", {"run_id": run_id, "metrics": [
            {"key": f"loss/series {s}", "value": 1.0 / (1 + i + s), "timestamp": timestamp,
             "step": first_iteration + i} for i in range(ITERATIONS) for s in range(SERIES)]})

    def get(self, run_id):
        return self.call("get", "runs/get", params={"run_id": run_id})["run"]

    def stored_steps(self, run_id):
        """How many values of the workloads' metric loss/train the server holds for the run."""
        return len(self.call("get", "metrics/get-history", params={
            "run_id": run_id, "metric_key": "loss/train", "max_results": 100000})["metrics"])

    def list(self):
        return self.call("post", "runs/search", {
            "experiment_ids": [self.experiment], "max_results": 50,
            "order_by": ["attributes.start_time DESC"]})["runs"]


def one_round(client, counts):
    """Requests per second of each operation, in the order a tracked run would send them."""
    rates = {}
    start = time.perf_counter()
    ids = [client.create(i) for i in range(counts["create"])]
    rates["create"] = counts["create"] / (time.perf_counter() - start)
    client.runs += len(ids)

    start = time.perf_counter()
    for i in range(counts["log 100 scalars"]):
        client.log_scalars(ids[i % len(ids)], ITERATIONS * (i // len(ids)))
    rates["log 100 scalars"] = counts["log 100 scalars"] / (time.perf_counter() - start)

    start = time.perf_counter()
    for i in range(counts["get one"]):
        client.get(ids[i % len(ids)])
    rates["get one"] = counts["get one"] / (time.perf_counter() - start)

    start = time.perf_counter()
    for _ in range(counts["list 50"]):
        if len(client.list()) != min(50, client.runs):
            raise RuntimeError(f"{type(client).__name__}.list returned the wrong number of runs")
    rates["list 50"] = counts["list 50"] / (time.perf_counter() - start)
    return rates


def measure(counts, rounds, data_dir):
    """Median requests per second of each operation, per server, over `rounds` rounds.

    All servers are up together and take turns, the first one rotating, so that any other load
    on the machine falls on each alike.
    """
    rates = {name: [] for name in SERVERS}
    with start_clearml_local(data_dir / "ours") as ours, \
            start_mlflow(data_dir / "mlflow") as mlflow, \
            start_mlflow(data_dir / "mlflow-1", workers=1) as mlflow_one_worker:
        clients = {"ours": ClearMLLocalClient(ours), "mlflow": MLflowClient(mlflow),
                   "mlflow-1": MLflowClient(mlflow_one_worker)}
        for client in clients.values():  # Untimed: first calls pay for lazy imports and caches.
            one_round(client, WARM_UP)
        names = list(SERVERS)
        for round_number in range(1, rounds + 1):
            shift = (round_number - 1) % len(names)
            for name in names[shift:] + names[:shift]:
                rates[name].append(one_round(clients[name], counts))
    return {name: {operation: median([one[operation] for one in rates[name]])
                   for operation in counts} for name in SERVERS}


SERVERS = {"ours": "ours", "mlflow": "MLflow", "mlflow-1": "MLflow 1 worker"}
OPERATIONS = {
    "create": ("tasks.create", "runs/create"),
    "log 100 scalars": ("events.add_batch, 100 JSON lines", "runs/log-batch, 100 metrics"),
    "get one": ("tasks.get_by_id", "runs/get"),
    "list 50": ("tasks.get_all, page_size 50", "runs/search, max_results 50"),
}


def run(rounds=3, quick=False):
    require_mlflow()
    counts = QUICK_COUNTS if quick else COUNTS
    with tempfile.TemporaryDirectory(prefix="bench-tracking-server-") as tmp:
        rates = measure(counts, rounds, Path(tmp))
    rows = [[operation,
             *(f"{rates[name][operation]:.0f}" for name in SERVERS),
             *(f"{rates['ours'][operation] / rates[name][operation]:.1f}"
               for name in SERVERS if name != "ours")] for operation in counts]
    print_table(
        f"Tracking server, HTTP level: requests per second (median of {rounds} rounds; "
        "higher is better)",
        ["operation", *(f"{label} req/s" for label in SERVERS.values()),
         *(f"ours / {label}" for name, label in SERVERS.items() if name != "ours")], rows,
        ["ours: clearml_local; MLflow: `mlflow server` as it starts (4 uvicorn workers); "
         "MLflow 1 worker: the same with --workers 1. Calls: " + "; ".join(
             f"{operation}: {ours} vs {theirs}" for operation, (ours, theirs) in OPERATIONS.items()
             if operation in counts) + ".",
         f"Per round and server: {', '.join(f'{n} x {op}' for op, n in counts.items())}; one "
         "client, keep-alive, loopback, after an untimed warm-up round. Each round adds its runs, "
         f"so the last one lists 50 of {counts['create'] * rounds + WARM_UP['create']}."])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of the calls, to try it out")
    args = parser.parse_args()
    run(args.rounds, args.quick)


if __name__ == "__main__":
    main()
