"""Wall time of one tracked run through the clearml SDK (our server, offline mode) and MLflow's client.

The workload is what a training script does: start a run, record a parameters dict, report 1000
scalars, finish. Each run is a fresh Python process in a fresh HOME, started from a folder outside
any git repository (see README). Variants take turns, round after round. Run alone with
    .venv/bin/python benchmarks/bench_tracking_sdk.py [--rounds 3] [--scalars 1000]
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_tracking_server import WARM_UP, ClearMLLocalClient, MLflowClient, one_round
from servers import (BENCHMARKS, MLFLOW_PYTHON, clean_environment, median, print_table,
                     require_mlflow, start_clearml_local, start_mlflow)

WORKLOADS = BENCHMARKS / "workloads"


def variants(ours, mlflow, mlflow_one_worker, data_dir, scalars):
    """(label, command, environment) of each way to track the run; ours first."""
    clearml = [sys.executable, "clearml_run.py"]
    client = [str(MLFLOW_PYTHON), "mlflow_run.py"]
    return [
        ("clearml SDK -> clearml_local (ours)", clearml + ["server", str(scalars)], ours.env),
        ("clearml SDK, offline mode (no server)", clearml + ["offline", str(scalars)], {}),
        (f"MLflow -> mlflow server, {scalars} x log_metric",
         client + ["log_metric", str(scalars)], mlflow.env),
        (f"MLflow -> mlflow server --workers 1, {scalars} x log_metric",
         client + ["log_metric", str(scalars)], mlflow_one_worker.env),
        ("MLflow -> mlflow server, one log_batch", client + ["log_batch", str(scalars)],
         mlflow.env),
        (f"MLflow, no server (SQLite file), {scalars} x log_metric",
         client + ["log_metric", str(scalars)],
         {"MLFLOW_TRACKING_URI": f"sqlite:///{data_dir / 'mlflow-no-server.db'}"}),
    ]


def run_once(command, env, run_dir):
    """Run one workload process; return its phases in seconds, and the whole process's."""
    run_dir.mkdir(parents=True)
    shutil.copy(WORKLOADS / command[1], run_dir)  # Alone: ClearML analyses the script's folder.
    environment = {**clean_environment(), **env, "HOME": str(run_dir / "home"),
                   "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=run_dir, env=environment, capture_output=True, text=True,
                            timeout=900, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{command} exited {result.returncode}:\n{result.stderr[-3000:]}")
    phases = json.loads(result.stdout.strip().splitlines()[-1])
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
            # Untimed: a fresh server's first calls pay for lazy imports and caches.
            for client in (ClearMLLocalClient(ours), MLflowClient(mlflow),
                           MLflowClient(mlflow_one_worker)):
                one_round(client, WARM_UP)
            runs = variants(ours, mlflow, mlflow_one_worker, tmp, scalars)
            for round_number in range(rounds):
                # Rotate who goes first, so that no variant always follows the same neighbour.
                shift = round_number % len(runs)
                for index, (label, command, env) in enumerate(runs[shift:] + runs[:shift]):
                    run_dir = tmp / "runs" / f"{round_number}-{index}"
                    times.setdefault(label, []).append(run_once(command, env, run_dir))
                    print(f"  round {round_number + 1}: {label}: "
                          f"{times[label][-1]['workload']:.2f}s", file=sys.stderr, flush=True)
    medians = {label: {column: median([phases[column] for phases in all_phases])
                       for column in COLUMNS} for label, all_phases in times.items()}
    ours_workload = medians[runs[0][0]]["workload"]
    rows = [[label, *(f"{phases[column]:.2f}" for column in COLUMNS),
             f"{ours_workload / phases['workload']:.2f}"] for label, phases in medians.items()]
    print_table(
        f"Tracking through the SDK: one run, a params dict, {scalars} scalars "
        f"(seconds, median of {rounds}; lower is better)",
        ["variant", "start", f"{scalars} scalars", "finish", "workload", "whole process",
         "ours / this (workload)"], rows,
        ["start: Task.init + connect / set_experiment + start_run + log_params; finish: "
         "task.close() / end_run(), every event flushed; workload: the three; whole process: "
         "also interpreter start-up, import and exit."])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scalars", type=int, default=1000)
    args = parser.parse_args()
    run(args.rounds, args.scalars)


if __name__ == "__main__":
    main()
