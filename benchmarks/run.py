"""Run every benchmark, print each table and target verdict, write results.json and the README's
results from it (`make bench`).

MLflow and Optuna, the alternatives compared with, are installed on first use into their own
environment, benchmarks/.venv-mlflow, from benchmarks/requirements.txt, so that the project's
.venv stays as requirements.txt makes it. A run at full size of every benchmark, all of which
succeeded, writes benchmarks/results.json and renders benchmarks/README.md's results and
scaling.png from it; any other run (--quick, --only, a failure) writes results-partial.json.
"""
import argparse
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import bench_ingest
import bench_latency
import bench_launch
import bench_pages
import bench_reads
import bench_scaling
import bench_search
import bench_storage
import figures as results
import render_readme
import targets
from servers import BENCHMARKS, MLFLOW_PYTHON, MLFLOW_VENV, ROOT

REQUIREMENTS = BENCHMARKS / "requirements.txt"
INSTALLED = MLFLOW_VENV / ".installed"
BENCHMARKS_IN_ORDER = {"launch": bench_launch, "ingest": bench_ingest, "reads": bench_reads,
                       "latency": bench_latency, "storage": bench_storage, "pages": bench_pages,
                       "scaling": bench_scaling, "search": bench_search}
# The figures the issue asks results.json for (each also has its <key>_range).
KEYS = ("launch_sdk_clones_per_s", "launch_api_clones_per_s", "optuna_default_trials_per_s",
        "optuna_wal_trials_per_s", "ingest_sdk_points_per_s", "mlflow_sdk_points_per_s",
        "ingest_server_points_per_s", "mlflow_server_points_per_s", "compare_read_s",
        "mlflow_bulk_interval_read_s", "compare_floor_s", "api_p50_ms", "api_p99_ms",
        "floor_p50_ms", "search_wall_s", "bare_trainings_s", "clone_overhead_s",
        "bare_import_s", "compare_page_interactive_s", "experiments_page_interactive_s",
        "disk_bytes_per_point", "mlflow_disk_bytes_per_point", "server_rss_mb_1m_points")


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


def run_all(names, figures, quick, rounds):
    """Run the named benchmarks in order; the names of those that failed (each one's error is
    printed and the others still run)."""
    failed = []
    for name in names:
        print(f"\n## {name}\n", flush=True)
        started = time.perf_counter()
        try:
            module = BENCHMARKS_IN_ORDER[name]
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
                module.measure(figures, module.QUICK if quick else module.SIZES, rounds,
                               Path(tmp))
            module.print_tables(figures)
        except Exception:  # One broken benchmark must not lose the others' figures.
            traceback.print_exc()
            failed.append(name)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, to try things out (writes results-partial.json)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS_IN_ORDER), default=None,
                        help="only these benchmarks (writes results-partial.json)")
    args = parser.parse_args()
    install_mlflow()
    started = time.time()
    facts = results.run_facts(args.rounds, args.quick)
    print(f"Benchmarks at {facts['commit'][:10]}{' (dirty tree)' if facts['dirty'] else ''}, "
          f"{facts['machine']}, load average {facts['load_before']}", flush=True)
    figures = results.Figures()
    names = args.only or list(BENCHMARKS_IN_ORDER)
    failed = run_all(names, figures, args.quick, args.rounds)
    verdicts = targets.report(figures)
    missing = [key for key in KEYS if not figures.has(key)]
    if missing:
        print(f"Not measured: {', '.join(missing)}")
    complete = not failed and not missing and args.rounds >= 3 and not args.quick
    path = results.write(facts, figures, KEYS, verdicts, complete, started)
    print(f"Wrote {path.relative_to(ROOT)}")
    if path == results.RESULTS:
        render_readme.render(path)
        print(f"Rendered {render_readme.README.relative_to(ROOT)} and its plot from it")
    print(f"All benchmarks took {(time.time() - started) / 60:.1f} minutes.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
