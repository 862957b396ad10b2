"""The compare view's read, side by side: our compare page's data request (/compare.json, at most
500 points a curve, fewer when a chart overlays many) against MLflow's get-history-bulk-interval
(what MLflow's UI reads with, up to 100 runs a call) at the same sampling; both at full
resolution; and our floor, those points read straight from the SQLite file and encoded as JSON.
One plain http.client connection each.

Run alone with
    .venv/bin/python benchmarks/bench_reads.py [--rounds 3] [--quick]
"""
import contextlib
import json
import sqlite3
import subprocess
import time
from collections import Counter

import scale_seed
from figures import rotated, standalone
from plain_http import ClearMLHTTP, PlainHTTP
from servers import (MLFLOW_PYTHON, WORKLOADS, clean_environment, print_table,
                     start_clearml_local, start_mlflow)

from clearml_local.web.compare import points_per_line  # noqa: E402  (servers sets the path)

SIZES = {"experiments": 100, "series": 3, "iterations": 1000}
QUICK = {"experiments": 10, "series": 3, "iterations": 1000}
BULK_RUNS = 100  # MLflow's get-history-bulk-interval takes at most 100 runs a call.
METRICS = sorted({metric for metric, _ in scale_seed.CURVES})
KEYS = [f"{metric}/{variant}" for metric, variant in scale_seed.CURVES]


def kept(sizes):
    """{metric: points a curve of it keeps on the compare page}: its chart's share of points
    (web/compare.py points_per_line), every point of a shorter curve."""
    variants = Counter(metric for metric, _ in scale_seed.CURVES[:sizes["series"]])
    return {metric: min(sizes["iterations"], points_per_line(sizes["experiments"] * count))
            for metric, count in variants.items()}


def compare_params(template, experiments):
    return {"parent": template, "lines": experiments, "metric": "evaluate/accuracy",
            "scalar": METRICS}


def compare_read(web, template, sizes):
    """Seconds of one /compare.json of every clone, its curves checked whole."""
    start = time.perf_counter()
    page = web.get_json("/compare.json", compare_params(template, sizes["experiments"]))
    elapsed = time.perf_counter() - start
    lines = [line for chart in page["scalars"] for line in chart["series"]]
    drawn = kept(sizes)
    if len(lines) != sizes["experiments"] * sizes["series"] or any(
            line["points"] != sizes["iterations"] or len(line["x"]) != drawn[chart["metric"]]
            for chart in page["scalars"] for line in chart["series"]):
        raise RuntimeError(f"compare.json: {len(lines)} curves, not as seeded")
    return elapsed


def full_read(api, clones, sizes):
    """Seconds to read every point of every clone: events.scalar_metrics_iter_histogram each."""
    start = time.perf_counter()
    got = [api.call("events.scalar_metrics_iter_histogram", {"task": task}) for task in clones]
    elapsed = time.perf_counter() - start
    points = sum(len(line["x"]) for answer in got for metric, variants in answer.items()
                 if metric in METRICS for line in variants.values())
    _expect(points, len(clones) * sizes["series"] * sizes["iterations"], "our full read")
    return elapsed


def bulk_interval(client, run_ids, max_results):
    """Seconds of MLflow's get-history-bulk-interval over every run and key, as its UI calls it
    (ajax-api, 100 runs a call), max_results[metric] a curve; points counted: at least that
    many per curve. Also the most points a curve was answered."""
    start = time.perf_counter()
    answers = [client.get_json("/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", {
        "run_ids": run_ids[first:first + BULK_RUNS], "metric_key": key,
        "max_results": max_results[key.split("/")[0]]}) for key in KEYS
        for first in range(0, len(run_ids), BULK_RUNS)]
    elapsed = time.perf_counter() - start
    per_curve = {}
    for answer in answers:
        for metric in answer.get("metrics", []):
            curve = (metric["run_id"], metric["key"])
            per_curve[curve] = per_curve.get(curve, 0) + 1
    if len(per_curve) != len(run_ids) * len(KEYS) or any(
            count < max_results[key.split("/")[0]] for (_, key), count in per_curve.items()):
        raise RuntimeError(f"bulk interval: {len(per_curve)} curves, "
                           f"{min(per_curve.values(), default=0)} points in the smallest")
    return elapsed, max(per_curve.values())


def floor(db, clones, keep):
    """Seconds to read the same points from the SQLite file over db, a read-only connection
    kept open as a server keeps its own (each curve's length, then every point from the
    covering index of the scalars, in its order), keep keep[metric] a curve as the page does and
    encode them as JSON: the least any server must do for this answer."""
    where = (f"task IN ({', '.join('?' for _ in clones)}) AND type = 'training_stats_scalar' "
             f"AND metric IN ({', '.join('?' for _ in METRICS)})")
    table = "events INDEXED BY events_scalars"
    start = time.perf_counter()
    counts = db.execute(f"SELECT task, metric, variant, count(*) FROM {table} WHERE {where} "
                        "GROUP BY task, metric, variant ORDER BY task, metric, variant",
                        [*clones, *METRICS]).fetchall()
    points = db.execute(f"SELECT iter, value, timestamp FROM {table} WHERE {where} "
                        "ORDER BY task, metric, variant, iter, key", [*clones, *METRICS]).fetchall()
    curves, first = [], 0
    for task, metric, variant, count in counts:
        chosen = [points[first + i] for i in _kept(count, keep[metric])]
        curves.append({"task": task, "metric": metric, "variant": variant,
                       "x": [p[0] for p in chosen], "y": [p[1] for p in chosen],
                       "t": [p[2] for p in chosen]})
        first += count
    encoded = json.dumps(curves, separators=(",", ":"))
    elapsed = time.perf_counter() - start
    return elapsed, sum(len(curve["x"]) for curve in curves), len(encoded)


def _kept(count, limit):
    """The positions of the limit points the page keeps of a curve of count points."""
    if count <= limit:
        return range(count)
    step = count / (limit - 1)
    return [int(i * step) for i in range(limit - 1)] + [count - 1]


def _expect(got, expected, what):
    if got != expected:
        raise RuntimeError(f"{what}: {got} points, expected {expected}")


def seed_mlflow(mlflow_env, tmp, sizes):
    """Untimed: the same curves on MLflow (run alongside our seeding); returns a Popen."""
    return subprocess.Popen(
        [str(MLFLOW_PYTHON), WORKLOADS / "mlflow_scale.py", "seed", str(sizes["experiments"]),
         str(sizes["series"]), str(sizes["iterations"])],
        cwd=tmp, env=mlflow_env, stdout=open(tmp / "mlflow-seeded.json", "w"),
        stderr=open(tmp / "mlflow-seed.log", "w"), stdin=subprocess.DEVNULL)


def measure(figures, sizes, rounds, tmp):
    with start_clearml_local(tmp / "ours") as ours, \
            start_mlflow(tmp / "mlflow", workers=1) as mlflow:
        seeding = seed_mlflow({**clean_environment(), **mlflow.env}, tmp, sizes)
        api = ClearMLHTTP(ours)
        template = scale_seed.compare_set(api, "compare", sizes["experiments"], sizes["series"],
                                          sizes["iterations"])
        clones = [t["id"] for t in api.call("tasks.get_all", {
            "parent": [template], "only_fields": ["id"], "order_by": ["name"]})["tasks"]]
        if seeding.wait() != 0:
            raise RuntimeError(f"seeding MLflow failed: see {tmp / 'mlflow-seed.log'}")
        runs = json.loads((tmp / "mlflow-seeded.json").read_text())["runs"]
        with contextlib.closing(sqlite3.connect(f"file:{ours.database}?mode=ro",
                                                uri=True)) as database:
            detail = {}
            sides = _sides(ours, mlflow, database, template, clones, runs, sizes, detail)
            for warm_up in sides.values():  # Untimed: first calls pay for imports and caches.
                warm_up(True)
            for round_number in range(rounds):
                for key in rotated(list(sides), round_number):
                    figures.add(key, sides[key](False), **sizes,
                                sampled=kept(sizes))
    figures.details["compare_read"] = detail


def _sides(ours, mlflow, database, template, clones, runs, sizes, detail):
    """{figure: read(warm_up)}; a warm-up reads MLflow's first 10 runs only (its full reads
    take seconds), ours whole."""
    web, api, client = ClearMLHTTP(ours, web=True), ClearMLHTTP(ours), PlainHTTP(mlflow.url)
    sampled = kept(sizes)
    full = {metric: sizes["iterations"] for metric in sampled}

    def mlflow_read(max_results, name, warm_up):
        elapsed, detail[name] = bulk_interval(client, runs[:10] if warm_up else runs,
                                              max_results)
        return elapsed

    def our_floor(warm_up):
        elapsed, points, detail["floor_bytes"] = floor(database, clones, sampled)
        expected = sum(sampled[metric] for metric, _ in scale_seed.CURVES[:sizes["series"]])
        _expect(points, len(clones) * expected, "the floor")
        return elapsed
    return {
        "compare_read_s": lambda warm_up: compare_read(web, template, sizes),
        "mlflow_bulk_interval_read_s": lambda warm_up: mlflow_read(sampled, "mlflow_sampled_most",
                                                                   warm_up),
        "compare_full_read_s": lambda warm_up: full_read(api, clones, sizes),
        "mlflow_full_read_s": lambda warm_up: mlflow_read(full, "mlflow_full_most", warm_up),
        "compare_floor_s": our_floor,
    }


ROWS = [
    ("sampled as the page draws: /compare.json / get-history-bulk-interval, max_results "
     "the same", "compare_read_s", "mlflow_bulk_interval_read_s"),
    ("full resolution: events.scalar_metrics_iter_histogram per experiment / "
     "get-history-bulk-interval max_results=every step", "compare_full_read_s",
     "mlflow_full_read_s"),
]


def print_tables(figures):
    rows = [[label, *_cell(figures, ours), *_cell(figures, theirs),
             f"{figures.median(theirs) / figures.median(ours):.1f}"]
            for label, ours, theirs in ROWS]
    rows.append(["our floor: the same points from the SQLite file, sampled alike, JSON-encoded",
                 *_cell(figures, "compare_floor_s"), "", "", ""])
    size, detail = figures.sizes["compare_read_s"], figures.details.get("compare_read", {})
    print_table("Compare read: seconds (median of the rounds; lower is better)",
                ["read", "ours s", "range", "MLflow s", "range", "MLflow / ours"], rows,
                [f"{size['experiments']} experiments x {size['series']} curves x "
                 f"{size['iterations']} points. /compare.json also ranks the experiments and "
                 "builds the parallel coordinates and table. MLflow's bulk-interval answered up to "
                 f"{detail.get('mlflow_sampled_most')} points a curve sampled (it keeps each "
                 "curve's first and last steps besides), "
                 f"{detail.get('mlflow_full_most')} at full resolution. MLflow: "
                 "`mlflow server --workers 1`."])


def _cell(figures, key):
    return [f"{figures.median(key):.3f}", "{:.3f} to {:.3f}".format(*figures.range(key))]


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
