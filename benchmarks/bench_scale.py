"""Scale, side by side: launching 200 clones, 200,000 points in, 100 long curves out, a page of
5,000 experiments and per-call latency; clearml_local against Optuna and MLflow on SQLite.

Every number comes from one run of clearml_local and one `mlflow server --workers 1` (MLflow's
faster setting for one client, see bench_tracking_server.py), both on fresh SQLite files, up
together. Run alone with
    .venv/bin/python benchmarks/bench_scale.py [--quick]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

import scale_seed
from servers import (MLFLOW_PYTHON, ClearMLAPI, clean_environment, print_table, require_mlflow,
                     start_clearml_local, start_mlflow)

WORKLOADS = Path(__file__).resolve().parent / "workloads"
SIZES = {"clones": 200, "trials": 200, "ingest_series": 20, "ingest_iterations": 10_000,
         "compare_experiments": 100, "compare_series": 3, "compare_iterations": 1000,
         "api_calls": 2000, "page_experiments": 5000}
QUICK = {"clones": 20, "trials": 20, "ingest_series": 20, "ingest_iterations": 1000,
         "compare_experiments": 10, "compare_series": 3, "compare_iterations": 1000,
         "api_calls": 400, "page_experiments": 500}
READS = 3  # Page and compare reads are medians of this many.


def run_json(command, env, cwd, timeout=1800):
    """Run a workload script; the JSON object its last output line holds."""
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, text=True,
                            capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[1]).name} exited {result.returncode}:\n"
                           f"{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def checked(answer, expected, what):
    """answer["stored"] must be what was sent: a number is never taken from a partial result."""
    if answer.get("stored", expected) != expected or answer.get("clones", expected) != expected:
        raise RuntimeError(f"{what}: expected {expected}, got {answer}")
    return answer


def launch(api, env, tmp, sizes):
    """Clones per second through the SDK, and Optuna's trials per second on SQLite."""
    n = sizes["clones"]
    ours = checked(run_json([sys.executable, WORKLOADS / "launch_clones.py", n, "default"],
                            env, tmp), n, "launch")
    queued = api.call("tasks.get_all", {"parent": [ours["template"]], "status": ["queued"],
                                        "only_fields": ["id"]})["tasks"]
    if len(queued) != n:
        raise RuntimeError(f"launch: {len(queued)} of {n} clones are queued")
    optuna = run_json([MLFLOW_PYTHON, WORKLOADS / "optuna_trials.py", sizes["trials"],
                       tmp / "optuna.db"], clean_environment(), tmp)
    return {"launch_clones_per_s": n / ours["seconds"],
            "optuna_sqlite_trials_per_s": sizes["trials"] / optuna["seconds"]}


def ingest(env, mlflow_env, tmp, sizes):
    series, iterations = sizes["ingest_series"], sizes["ingest_iterations"]
    points = series * iterations
    ours = run_json([sys.executable, WORKLOADS / "ingest_clearml.py", series, iterations], env,
                    tmp)
    if ours["stored"] < points:  # More is reported as duplicates (the SDK re-sent a batch).
        raise RuntimeError(f"clearml ingest: {ours['stored']} of {points} points stored")
    theirs = checked(run_json([MLFLOW_PYTHON, WORKLOADS / "mlflow_scale.py", "ingest", series,
                               iterations], mlflow_env, tmp), points, "mlflow ingest")
    return ({"ingest_points_per_s": points / ours["seconds"],
             "mlflow_ingest_points_per_s": points / theirs["seconds"]},
            {"ours": ours, "mlflow": theirs})


def web_get(api, web_url, path, params):
    """Seconds to GET a page's JSON twin (over the API session's token), and its data."""
    start = time.perf_counter()
    response = api.http.get(f"{web_url}{path}", params=params, timeout=300)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, response.json()


def seed(api, sizes):
    """Untimed: 100 clones of a template with long curves, and a project of 5,000 experiments."""
    project = api.call("projects.create", {"name": "compare"})["id"]
    template = scale_seed.create_tasks(api, project, 1, prefix="template")[0]
    clones = scale_seed.create_tasks(api, project, sizes["compare_experiments"], parent=template)
    scale_seed.add_curves(api, clones, sizes["compare_series"], sizes["compare_iterations"])
    scale_seed.add_results(api, clones)
    many = api.call("projects.create", {"name": "many experiments"})["id"]
    scale_seed.add_results(api, scale_seed.create_tasks(api, many, sizes["page_experiments"]))
    return template, many


def seed_mlflow(mlflow_env, tmp, sizes):
    """Start seeding MLflow with the same curves (untimed, alongside seed()); returns a Popen."""
    return subprocess.Popen(
        [str(MLFLOW_PYTHON), WORKLOADS / "mlflow_scale.py", "seed",
         *(str(sizes[key]) for key in ("compare_experiments", "compare_series",
                                       "compare_iterations"))],
        cwd=tmp, env=mlflow_env, stdout=open(tmp / "mlflow-seeded.json", "w"),
        stderr=open(tmp / "mlflow-seed.log", "w"), stdin=subprocess.DEVNULL)


def compare_read(api, web_url, template, mlflow_env, tmp, sizes):
    """The compare view's JSON twin over all clones of a template vs MLflow's metric histories."""
    n, series, iterations = (sizes["compare_experiments"], sizes["compare_series"],
                             sizes["compare_iterations"])
    params = {"parent": template, "lines": n, "metric": "evaluate/accuracy",
              "scalar": sorted({metric for metric, _ in scale_seed.CURVES[:series]})}
    times = []
    for _ in range(READS):
        elapsed, page = web_get(api, web_url, "/compare.json", params)
        lines = [line for chart in page["scalars"] for line in chart["series"]]
        if len(lines) != n * series or any(line["points"] != iterations for line in lines):
            raise RuntimeError(f"compare.json: {len(lines)} series, expected {n * series}")
        times.append(elapsed)
    theirs = checked(run_json([MLFLOW_PYTHON, WORKLOADS / "mlflow_scale.py", "history",
                               tmp / "mlflow-seeded.json", series], mlflow_env, tmp),
                     n * series * iterations, "mlflow history")
    return {"compare_read_s": statistics.median(times), "mlflow_history_read_s": theirs["seconds"]}


def experiments_page(api, web_url, project, sizes):
    n = sizes["page_experiments"]
    times = []
    for _ in range(READS):
        elapsed, page = web_get(api, web_url, f"/projects/{project}/experiments.json", {})
        if page["total"] != n or len(page["experiments"]) != n:
            raise RuntimeError(f"experiments.json: {page['total']} experiments, expected {n}")
        times.append(elapsed)
    return {"experiments_page_5000_s": statistics.median(times)}


def latencies(call, count):
    """Milliseconds of each of count sequential calls."""
    result = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        result.append((time.perf_counter() - start) * 1000)
    return result


def start_floor(tmp):
    port_file = tmp / "floor.port"
    process = subprocess.Popen([sys.executable, WORKLOADS / "floor_server.py", port_file],
                               stdout=subprocess.DEVNULL, stderr=open(tmp / "floor.log", "w"),
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the floor server did not start: see {tmp / 'floor.log'}")
        time.sleep(0.1)
    return process, f"http://127.0.0.1:{port_file.read_text()}/hello"


def api_latency(api, task_id, tmp, sizes):
    """tasks.get_by_id vs a hello-world endpoint on the same stack, in alternating blocks."""
    process, floor_url = start_floor(tmp)
    try:
        floor = requests.Session()

        def hello():
            if floor.post(floor_url, json={"task": task_id}, timeout=30).status_code != 200:
                raise RuntimeError("the floor server failed")
        get = lambda: api.call("tasks.get_by_id", {"task": task_id})
        latencies(get, 50), latencies(hello, 50)  # Untimed warm-up.
        ours, base = [], []
        for _ in range(4):
            ours += latencies(get, sizes["api_calls"] // 4)
            base += latencies(hello, sizes["api_calls"] // 4)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"api_p50_ms": percentile(ours, 50), "api_p99_ms": percentile(ours, 99),
            "floor_p50_ms": percentile(base, 50), "floor_p99_ms": percentile(base, 99)}


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if p < 100 else max(
        values)


def measure(sizes, tmp):
    """Every scale figure; results.json's keys plus a few details."""
    with start_clearml_local(tmp / "ours") as ours, \
            start_mlflow(tmp / "mlflow", workers=1) as mlflow:
        env = {**clean_environment(), **ours.env, "HOME": str(tmp / "home")}
        mlflow_env = {**clean_environment(), **mlflow.env}
        api = ClearMLAPI(ours)
        web_url = ours.env["CLEARML_WEB_HOST"]
        seeding = seed_mlflow(mlflow_env, tmp, sizes)
        template, many = seed(api, sizes)
        if seeding.wait() != 0:
            raise RuntimeError(f"seeding MLflow failed: see {tmp / 'mlflow-seed.log'}")
        results = launch(api, env, tmp, sizes)
        ingested, detail = ingest(env, mlflow_env, tmp, sizes)
        results.update(ingested)
        results.update(compare_read(api, web_url, template, mlflow_env, tmp, sizes))
        results.update(experiments_page(api, web_url, many, sizes))
        task_id = api.call("tasks.get_all", {"page": 0, "page_size": 1})["tasks"][0]["id"]
        results.update(api_latency(api, task_id, tmp, sizes))
    return results, detail


def run(quick=False):
    """Print the scale tables; return the measured figures (results.json's keys and more)."""
    require_mlflow()
    sizes = QUICK if quick else SIZES
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        results, detail = measure(sizes, Path(tmp))
    print_tables(results, detail, sizes)
    return results


def print_tables(r, detail, sizes):
    ours, theirs = detail["ours"], detail["mlflow"]
    points = sizes["ingest_series"] * sizes["ingest_iterations"]
    curves = (f"{sizes['compare_experiments']} experiments x {sizes['compare_series']} series x "
              f"{sizes['compare_iterations']} iterations")
    rows = [
        [f"launch {sizes['clones']} clones (Task.clone + set_parameters + Task.enqueue) / "
         f"Optuna + SQLite, {sizes['trials']} trials (ask, 3 suggestions, tell)",
         f"{r['launch_clones_per_s']:.1f} clones/s", f"{r['optuna_sqlite_trials_per_s']:.1f} "
         "trials/s", f"{r['launch_clones_per_s'] / r['optuna_sqlite_trials_per_s']:.2f}"],
        [f"ingest {points:,} points: SDK Logger, flush, read back / log_batch, "
         "get_metric_history", f"{r['ingest_points_per_s']:,.0f} points/s",
         f"{r['mlflow_ingest_points_per_s']:,.0f} points/s",
         f"{r['ingest_points_per_s'] / r['mlflow_ingest_points_per_s']:.1f}"],
        [f"read {curves}: compare.json / get_metric_history", f"{r['compare_read_s']:.2f} s",
         f"{r['mlflow_history_read_s']:.2f} s",
         f"{r['mlflow_history_read_s'] / r['compare_read_s']:.1f}"],
        ["tasks.get_by_id p50 / hello world on Starlette + uvicorn p50",
         f"{r['api_p50_ms']:.2f} ms", f"{r['floor_p50_ms']:.2f} ms",
         f"{r['floor_p50_ms'] / r['api_p50_ms']:.2f}"],
        ["tasks.get_by_id p99 / hello world p99", f"{r['api_p99_ms']:.2f} ms",
         f"{r['floor_p99_ms']:.2f} ms", f"{r['floor_p99_ms'] / r['api_p99_ms']:.2f}"],
        [f"experiments page, {sizes['page_experiments']:,} experiments (JSON twin)",
         f"{r['experiments_page_5000_s']:.2f} s", "", ""],
    ]
    print_table("Scale: clearml_local next to Optuna and MLflow (higher ratio is better for us)",
                ["workload", "ours", "the alternative", "speed-up ours / theirs"], rows, [
                    f"Ingest, ours: {ours['report']:.1f}s reporting, {ours['flush']:.1f}s in "
                    f"Task.close (sending the rest), {ours['read']:.1f}s reading back; "
                    f"MLflow: {theirs['log']:.1f}s in log_batch (1000 per call), "
                    f"{theirs['read']:.1f}s reading back. "
                    + (f"The server held {ours['stored'] - points:,} points more than were "
                       "reported: the SDK re-sent batches. " if ours["stored"] > points else "")
                    + "compare.json draws at most 500 points per curve (all are read from the "
                    "database); MLflow returns all of them. MLflow: `mlflow server --workers 1`."])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about a tenth of the sizes")
    args = parser.parse_args()
    print(json.dumps(run(args.quick), indent=1))


if __name__ == "__main__":
    main()
