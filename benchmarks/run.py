"""Run every benchmark one after the other, print the tables, write results.json (`make bench`).

MLflow, the alternative two of them compare with, is installed on first use into its own
environment, benchmarks/.venv-mlflow, from benchmarks/requirements.txt, so that the project's
.venv stays as requirements.txt makes it. Each benchmark also runs alone:
    .venv/bin/python benchmarks/bench_tracking_server.py
    .venv/bin/python benchmarks/bench_tracking_sdk.py
    .venv/bin/python benchmarks/bench_search.py
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

import bench_scale
import bench_search
import bench_tracking_sdk
import bench_tracking_server
import targets
from servers import BENCHMARKS, MLFLOW_PYTHON, MLFLOW_VENV, ROOT

REQUIREMENTS = BENCHMARKS / "requirements.txt"
INSTALLED = MLFLOW_VENV / ".installed"


def install_mlflow():
    """Create benchmarks/.venv-mlflow with benchmarks/requirements.txt unless it is up to date."""
    if INSTALLED.exists() and INSTALLED.stat().st_mtime >= REQUIREMENTS.stat().st_mtime:
        return
    print(f"Installing {REQUIREMENTS.relative_to(ROOT)} into {MLFLOW_VENV.relative_to(ROOT)} "
          "(once; about a minute)...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
    subprocess.run([str(MLFLOW_PYTHON), "-m", "pip", "install", "--quiet", "-r",
                    str(REQUIREMENTS)], check=True)
    INSTALLED.touch()


def describe_machine():
    """One line naming the date, the machine and the versions compared."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True).stdout.strip() or "unknown"
    mlflow = subprocess.run([str(MLFLOW_PYTHON), "-c", "import mlflow; print(mlflow.__version__)"],
                            text=True, capture_output=True).stdout.strip()
    from clearml import __version__ as clearml_version
    return (f"{datetime.date.today()}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}; clearml {clearml_version}, "
            f"mlflow {mlflow}; commit {commit}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the two tracking benchmarks (default: %(default)s)")
    parser.add_argument("--skip-tracking", action="store_true",
                        help="only the scale and search benchmarks (all results.json needs)")
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the scale benchmark's sizes, to try things out")
    args = parser.parse_args()
    install_mlflow()
    started = time.perf_counter()
    print(f"Benchmarks: {describe_machine()}", flush=True)
    if not args.skip_tracking:
        bench_tracking_server.run(rounds=args.rounds)
        bench_tracking_sdk.run(rounds=args.rounds)
    figures = bench_scale.run(quick=args.quick)
    figures.update(bench_search.run() or {})
    targets.report(figures, quick=args.quick)
    print(f"All benchmarks took {(time.perf_counter() - started) / 60:.1f} minutes.")


if __name__ == "__main__":
    main()
