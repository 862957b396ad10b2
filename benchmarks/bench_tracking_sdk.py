"""Wall time of one tracked run via the clearml SDK (our server, offline mode) and MLflow's client.

The workload is what a training script does: start a run, record a parameters dict, report 1000
scalars, finish. Offline mode runs with our clearml.conf (to weigh the server alone) and with
ClearML's defaults. Each run is a fresh Python process in a fresh HOME, started from a folder
outside any git repository (see README). Variants take turns, round after round. Run alone with
    .venv/bin/python benchmarks/bench_tracking_sdk.py [--rounds 3] [--scalars 1000]
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_tracking_server import WARM_UP, ClearMLLocalClient, MLflowClient, one_round
from servers import (BENCHMARKS, MLFLOW_PYTHON, clean_environment, median, print_table,
                     require_mlflow, start_clearml_local, start_mlflow)

WORKLOADS = BENCHMARKS / "workloads"


@dataclass
class Variant:
    """One way to track the run, and how to count the scalars it stored (None: not checked)."""

    label: str
    command: list
    env: dict
    stored: object = None


def variants(servers_, clients, data_dir, scalars):
    """Every way to track the run; ours first. clients: API clients of the servers, by name."""
    ours, mlflow, mlflow_one_worker = servers_
    ours_api, mlflow_api, mlflow_one_worker_api = clients
    clearml = [sys.executable, "clearml_run.py"]
    client = [str(MLFLOW_PYTHON), "mlflow_run.py"]
    # The clearml.conf clearml_local writes also sets how the SDK reports (see README): offline
    # mode runs once with it, to weigh the server alone, and once with ClearML's defaults.
    conf = {"CLEARML_CONFIG_FILE": ours.env["CLEARML_CONFIG_FILE"]}
    return [
        Variant("clearml SDK -> clearml_local (ours)", clearml + ["server", str(scalars)],
                ours.env, lambda task: clearml_scalars(ours_api, task)),
        Variant("clearml SDK, offline mode, our clearml.conf", clearml + ["offline", str(scalars)],
                conf),
        Variant("clearml SDK, offline mode, ClearML's defaults",
                clearml + ["offline", str(scalars)], {}),
        Variant(f"MLflow -> mlflow server, {scalars} x log_metric",
                client + ["log_metric", str(scalars)], mlflow.env, mlflow_api.stored_steps),
        Variant(f"MLflow -> mlflow server --workers 1, {scalars} x log_metric",
                client + ["log_metric", str(scalars)], mlflow_one_worker.env,
                mlflow_one_worker_api.stored_steps),
        Variant("MLflow -> mlflow server, one log_batch", client + ["log_batch", str(scalars)],
                mlflow.env, mlflow_api.stored_steps),
        Variant(f"MLflow, no server (SQLite file), {scalars} x log_metric",
                client + ["log_metric", str(scalars)],
                {"MLFLOW_TRACKING_URI": f"sqlite:///{data_dir / 'mlflow-no-server.db'}"}),
    ]


def clearml_scalars(api, task_id):
    """How many scalars of the workload's series the server holds for the task."""
    series = api.call("events.scalar_metrics_iter_histogram", {"task": task_id})
    return len(series.get("loss", {}).get("train", {}).get("x", []))


def run_once(variant, run_dir, scalars):
    """Run one workload process; return its phases in seconds, and the whole process's.

    RuntimeError if it fails or if its server holds other than `scalars` scalars afterwards.
    """
    command = variant.command
    run_dir.mkdir(parents=True)
    shutil.copy(WORKLOADS / command[1], run_dir)  # Alone: ClearML analyses the script's folder.
    environment = {**clean_environment(), **variant.env, "HOME": str(run_dir / "home"),
                   "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=run_dir, env=environment, capture_output=True, text=True,
                            timeout=900, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{command} exited {result.returncode}:\n{result.stderr[-3000:]}")
    phases = json.loads(result.stdout.strip().splitlines()[-1])
    if variant.stored and variant.stored(phases["id"]) != scalars:
        raise RuntimeError(f"{variant.label}: the server holds {variant.stored(phases['id'])} "
                           f"scalars of run {phases['id']}, not {scalars}")
    phases["workload"] = phases["start"] + phases["report"] + phases["finish"]
    phases["process"] = elapsed
    return phases


COLUMNS = ["start", "report", "finish", "workload", "process"]


def run(rounds=3, scalars=1000):
    require_mlflow()
    times = {}
    with tempfile.TemporaryDirectory(prefix="bench-tracking-sdk-") as tmp:
        tmp = Path(tmp)
        with start_clearml_local(tmp / "ours") as ours, start_mlflow(tmp / "mlflow") as mlflow, \
                start_mlflow(tmp / "mlflow-1", workers=1) as mlflow_one_worker:
            clients = (ClearMLLocalClient(ours), MLflowClient(mlflow),
                       MLflowClient(mlflow_one_worker))
            for client in clients:  # Untimed: first calls pay for lazy imports and caches.
                one_round(client, WARM_UP)
            runs = variants((ours, mlflow, mlflow_one_worker), clients, tmp, scalars)
            for round_number in range(rounds):
                # Rotate who goes first, so that no variant always follows the same neighbour.
                shift = round_number % len(runs)
                for index, variant in enumerate(runs[shift:] + runs[:shift]):
                    run_dir = tmp / "runs" / f"{round_number}-{index}"
                    times.setdefault(variant.label, []).append(
                        run_once(variant, run_dir, scalars))
                    print(f"  round {round_number + 1}: {variant.label}: "
                          f"{times[variant.label][-1]['workload']:.2f}s", file=sys.stderr,
                          flush=True)
    medians = {label: {column: median([phases[column] for phases in all_phases])
                       for column in COLUMNS} for label, all_phases in times.items()}
    ours_workload = medians[runs[0].label]["workload"]
    rows = [[label, *(f"{phases[column]:.2f}" for column in COLUMNS),
             f"{ours_workload / phases['workload']:.2f}"] for label, phases in medians.items()]
    print_table(
        f"Tracking through the SDK: one run, a params dict, {scalars} scalars "
        f"(seconds, median of {rounds}; lower is better)",
        ["variant", "start", f"{scalars} scalars", "finish", "workload", "whole process",
         "ours / this (workload)"], rows,
        ["start: Task.init + connect / set_experiment + start_run + log_params; finish: "
         "task.close() / end_run(), every event flushed; workload: the three; whole process: "
         "also interpreter start-up, import and exit.",
         "Our clearml.conf (the one clearml_local writes) sets sdk.development."
         "report_use_subprocess: false; ClearML's default reports from a subprocess, whose "
         "flushes wait on 5-second ticks. Every server-backed run is checked to hold all "
         f"{scalars} scalars afterwards."])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scalars", type=int, default=1000)
    args = parser.parse_args()
    run(args.rounds, args.scalars)


if __name__ == "__main__":
    main()
