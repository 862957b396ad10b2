"""Scalar points in, side by side: through each SDK (the clearml Logger to clearml_local, MLflow's
log_batch to `mlflow server`), and server-only over HTTP (our events.add_batch against MLflow's
runs/log-batch REST endpoint, one plain http.client connection each). The same points on both
sides; every point is read back and counted exactly before a figure counts.

Run alone with
    .venv/bin/python benchmarks/bench_ingest.py [--rounds 3] [--quick]
"""
import json
import sys
import time

from figures import rotated, standalone
from plain_http import ClearMLHTTP, MLflowHTTP
from servers import (MLFLOW_PYTHON, WORKLOADS, clean_environment, group_cpu_seconds, print_table,
                     run_json, start_clearml_local, start_mlflow)

SIZES = {"series": 20, "iterations": 2500}
QUICK = {"series": 20, "iterations": 250}
BATCH = 1000  # Points per request on both sides: MLflow's log-batch maximum.


def points(series, iterations):
    """(metric, variant, iteration, value) of every point, in the order a training reports."""
    return [(f"metric {s // 5}", f"series {s % 5}", i, 1.0 / (1 + i + s))
            for i in range(iterations) for s in range(series)]


def clearml_lines(task_id, chunk):
    stamp = int(time.time() * 1000)
    return [json.dumps({"timestamp": stamp, "type": "training_stats_scalar", "task": task_id,
                        "iter": i, "metric": m, "variant": v, "value": value})
            for m, v, i, value in chunk]


def mlflow_metrics(chunk):
    stamp = int(time.time() * 1000)
    return [{"key": f"{m}/{v}", "value": value, "timestamp": stamp, "step": i}
            for m, v, i, value in chunk]


def ours_server(api, all_points, round_number, server):
    """(seconds, server CPU seconds) to send every point with events.add_batch; then they are
    counted."""
    task = api.call("tasks.create", {"name": f"ingest {round_number}", "type": "training"})["id"]
    cpu = group_cpu_seconds(server.process.pid)
    start = time.perf_counter()
    added = sum(api.add_batch(clearml_lines(task, all_points[first:first + BATCH]))
                for first in range(0, len(all_points), BATCH))
    elapsed = time.perf_counter() - start
    cpu = group_cpu_seconds(server.process.pid) - cpu
    stored = ours_count(api, task)
    if added != len(all_points) or stored != len(all_points):
        raise RuntimeError(f"events.add_batch: {added} added, {stored} of {len(all_points)} "
                           "stored")
    return elapsed, cpu


def ours_count(api, task):
    series = api.call("events.scalar_metrics_iter_histogram", {"task": task})
    return sum(len(line["x"]) for variants in series.values() for line in variants.values())


def mlflow_server(client, experiment, all_points, round_number, server):
    """(seconds, server CPU seconds) to send every point with runs/log-batch; then they are
    counted."""
    run = client.post_json("/runs/create", {"experiment_id": experiment,
                                            "run_name": f"ingest {round_number}",
                                            "start_time": int(time.time() * 1000)})
    run_id = run["run"]["info"]["run_id"]
    cpu = group_cpu_seconds(server.process.pid)
    start = time.perf_counter()
    for first in range(0, len(all_points), BATCH):
        client.post_json("/runs/log-batch", {
            "run_id": run_id, "metrics": mlflow_metrics(all_points[first:first + BATCH])})
    elapsed = time.perf_counter() - start
    cpu = group_cpu_seconds(server.process.pid) - cpu
    keys = sorted({f"{m}/{v}" for m, v, _, _ in all_points})
    stored = sum(len(client.get_json("/metrics/get-history", {
        "run_id": run_id, "metric_key": key, "max_results": 100000}).get("metrics", []))
        for key in keys)
    if stored != len(all_points):
        raise RuntimeError(f"runs/log-batch: {stored} of {len(all_points)} stored")
    return elapsed, cpu


def ours_sdk(env, tmp, sizes):
    answer = run_json([sys.executable, WORKLOADS / "ingest_clearml.py", sizes["series"],
                       sizes["iterations"]], env, tmp)
    return _counted(answer, "clearml SDK ingest")


def mlflow_sdk(env, tmp, sizes):
    answer = run_json([MLFLOW_PYTHON, WORKLOADS / "mlflow_scale.py", "ingest", sizes["series"],
                       sizes["iterations"]], env, tmp)
    return _counted(answer, "MLflow SDK ingest")


def _counted(answer, what):
    if answer["stored"] != answer["expected"]:
        raise RuntimeError(f"{what}: {answer['stored']} of {answer['expected']} points stored")
    return answer["seconds"]


def measure(figures, sizes, rounds, tmp):
    total = sizes["series"] * sizes["iterations"]
    all_points = points(sizes["series"], sizes["iterations"])
    with start_clearml_local(tmp / "ours") as ours, \
            start_mlflow(tmp / "mlflow", workers=1) as mlflow:
        api, client = ClearMLHTTP(ours), MLflowHTTP(mlflow)
        experiment = client.post_json("/experiments/create", {"name": "ingest"})["experiment_id"]
        env = {**clean_environment(), **ours.env, "HOME": str(tmp / "home")}
        mlflow_env = {**clean_environment(), **mlflow.env}
        sides = {
            "ingest_sdk_points_per_s": lambda n: ours_sdk(env, tmp, sizes),
            "mlflow_sdk_points_per_s": lambda n: mlflow_sdk(mlflow_env, tmp, sizes),
            "ingest_server_points_per_s": lambda n: ours_server(api, all_points, n, ours),
            "mlflow_server_points_per_s": lambda n: mlflow_server(client, experiment,
                                                                  all_points, n, mlflow),
        }
        ours_server(api, all_points[:BATCH], "warm-up", ours)  # Untimed: imports, caches.
        mlflow_server(client, experiment, all_points[:BATCH], "warm-up", mlflow)
        for round_number in range(rounds):
            for key in rotated(list(sides), round_number):
                answer = sides[key](round_number)
                elapsed, cpu = answer if isinstance(answer, tuple) else (answer, None)
                size = {"points": total, "series": sizes["series"], "per_request": BATCH}
                figures.add(key, total / elapsed, **size)
                if cpu is not None:  # The server's CPU time per point sent (its process group).
                    figures.add(key.replace("points_per_s", "cpu_us_per_point"),
                                cpu / total * 1e6, **size)


ROWS = [("through the SDK: clearml Logger.report_scalar + Task.close / MLflow log_batch "
         "(1000 a call)", "ingest_sdk_points_per_s", "mlflow_sdk_points_per_s"),
        ("server only, HTTP: events.add_batch (JSON lines) / runs/log-batch, 1000 points a "
         "request", "ingest_server_points_per_s", "mlflow_server_points_per_s")]


def print_tables(figures):
    rows = [[label, f"{figures.median(ours):,.0f}", "{:,.0f} to {:,.0f}".format(
        *figures.range(ours)), f"{figures.median(theirs):,.0f}", "{:,.0f} to {:,.0f}".format(
        *figures.range(theirs)), f"{figures.median(ours) / figures.median(theirs):.1f}"]
        for label, ours, theirs in ROWS]
    cpu = [f"{figures.median(key):.0f}" for key in ("ingest_server_cpu_us_per_point",
                                                        "mlflow_server_cpu_us_per_point")]
    size = figures.sizes["ingest_server_points_per_s"]
    print_table("Ingest: points per second (median of the rounds; higher is better)",
                ["path", "ours", "ours range", "MLflow", "MLflow range", "ours / MLflow"], rows,
                [f"{size['points']:,} points in {size['series']} series per round and side, each "
                 "side read back and counted exactly after it is timed. MLflow: `mlflow server "
                 "--workers 1` on SQLite (its faster setting for one client). Server CPU per point "
                 f"sent, server-only: ours {cpu[0]} us, MLflow {cpu[1]} us (each server's "
                 "process group, /proc, 10 ms ticks)."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
