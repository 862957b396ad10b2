"""How cost grows with size: the compare read (/compare.json) and the compare page (chromium) at
1x, 10x and 100x the experiments (10 to 1,000, 3 curves of 100 points each) and the points per
curve (100 to 10,000, 10 experiments), and the experiments page at 50 to 5,000 experiments.
The log-log slope between sizes says where cost is flat (about 0) and where linear (about 1).

Run alone with
    .venv/bin/python benchmarks/bench_scaling.py [--rounds 3] [--quick]
"""
import math
import time

import scale_seed
import web_pages
from bench_pages import compare_page, experiments_page
from bench_reads import compare_params
from figures import rotated, standalone
from plain_http import ClearMLHTTP
from servers import print_table, start_clearml_local

BASE = {"experiments": 10, "points": 100, "table": 50, "series": 3}
SIZES, QUICK = (1, 10, 100), (1, 10)  # Factors of BASE.


def cases(factors):
    """(axis, factor, experiments, points) of every compare set, and the table sizes."""
    compare = [("experiments", f, BASE["experiments"] * f, BASE["points"]) for f in factors]
    compare += [("points", f, BASE["experiments"], BASE["points"] * f) for f in factors if f > 1]
    return compare, [BASE["table"] * f for f in factors]


def key(kind, experiments, points=None):
    return f"scale.{kind}.e{experiments}" + (f".p{points}" if points else "")


def json_read(web, template, experiments, points):
    start = time.perf_counter()
    page = web.get_json("/compare.json", compare_params(template, experiments))
    elapsed = time.perf_counter() - start
    curves = [line for chart in page["scalars"] for line in chart["series"]]
    if len(curves) != experiments * BASE["series"] or any(c["points"] != points for c in curves):
        raise RuntimeError(f"compare.json at {experiments} x {points}: not as seeded")
    return elapsed


def measure(figures, factors, rounds, tmp):
    compare, tables = cases(factors)
    with start_clearml_local(tmp / "ours") as server:
        api = ClearMLHTTP(server)
        templates = {(e, p): scale_seed.compare_set(api, f"scale {e} x {p}", e, BASE["series"], p)
                     for _, _, e, p in compare}
        projects = {n: scale_seed.project_of(api, f"table {n}", n) for n in tables}
        with web_pages.launch() as browser:
            jobs = _jobs(server, api, browser, templates, projects)
            warmed = set()
            for name, job in jobs.items():  # Untimed warm-up: the smallest of each kind.
                if name.split(".")[1] not in warmed:
                    warmed.add(name.split(".")[1])
                    job()
            for round_number in range(rounds):
                for name in rotated(list(jobs), round_number):
                    figures.add(name, jobs[name]())
    figures.details["scaling"] = {"base": BASE, "factors": list(factors),
                                  "series": scaling_series(figures, factors)}


def _jobs(server, api, browser, templates, projects):
    """{figure key: measure once} of every size, smallest first within each kind."""
    web, jobs = ClearMLHTTP(server, web=True), {}
    for e, p in templates:
        jobs[key("compare_read_s", e, p)] = lambda e=e, p=p: json_read(web, templates[e, p], e, p)
        jobs[key("compare_page_s", e, p)] = lambda e=e, p=p: compare_page(
            browser, server, api.token, templates[e, p], e, BASE["series"])["interactive"]
    for n in projects:
        jobs[key("experiments_page_s", n)] = lambda n=n: experiments_page(
            browser, server, api.token, projects[n], n)["interactive"]
    return jobs


def scaling_series(figures, factors):
    """{line label: [[size, median seconds], ...]} for the table and the log-log plot."""
    e0, p0, n0 = BASE["experiments"], BASE["points"], BASE["table"]
    lines = {}
    for kind, label in (("compare_read_s", "compare.json"), ("compare_page_s", "compare page")):
        lines[f"{label} vs experiments ({p0} points a curve)"] = [
            [e0 * f, figures.median(key(kind, e0 * f, p0))] for f in factors]
        lines[f"{label} vs points a curve ({e0} experiments)"] = [
            [p0 * f, figures.median(key(kind, e0, p0 * f))] for f in factors]
    lines["experiments page vs experiments"] = [
        [n0 * f, figures.median(key("experiments_page_s", n0 * f))] for f in factors]
    return lines


def slopes(points):
    """Log-log slopes between consecutive [size, seconds] points."""
    return [math.log(b[1] / a[1]) / math.log(b[0] / a[0]) for a, b in zip(points, points[1:])]


def shape(slope):
    return "flat" if slope < 0.3 else "linear" if slope < 1.3 else "worse than linear"


def print_tables(figures):
    series = figures.details["scaling"]["series"]
    rows = [[label, " / ".join(f"{size:,}: {seconds:.3f}" for size, seconds in points),
             ", ".join(f"{s:.2f} ({shape(s)})" for s in slopes(points))]
            for label, points in series.items()]
    print_table("Scaling: seconds at 1x, 10x, 100x (median of the rounds)",
                ["what", "size: seconds", "log-log slope between sizes"], rows,
                ["The compare read and page overlay every experiment's 3 curves; the pages are "
                 "timed to interactive in chromium on a cold cache. Plot: scaling.png."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
