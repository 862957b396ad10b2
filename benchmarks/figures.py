"""What a benchmark run measured and on what: raw samples per figure, workload sizes, the run's
facts (commit, load, versions), and results.json (whole runs) or results-partial.json."""
import datetime
import json
import os
import platform
import statistics
import subprocess
from importlib import metadata

from servers import BENCHMARKS, MLFLOW_PYTHON, ROOT, require_mlflow

RESULTS = BENCHMARKS / "results.json"
PARTIAL = BENCHMARKS / "results-partial.json"
PACKAGES = ("clearml", "clearml-agent", "starlette", "uvicorn", "tensorflow", "tensorflow-cpu",
            "keras", "playwright")
PEER_PACKAGES = ("mlflow", "optuna", "sqlalchemy")


class Figures:
    """Samples of each figure (one per round), the workload each was measured on, and details
    (tables' rows) that the README shows beside them."""

    def __init__(self):
        self.samples, self.sizes, self.details = {}, {}, {}

    def add(self, key, value, **size):
        """One more sample of key; size: the workload it was measured on (the same each time)."""
        self.samples.setdefault(key, []).append(value)
        if size:
            self.sizes[key] = size

    def median(self, key):
        return statistics.median(self.samples[key])

    def range(self, key):
        return [min(self.samples[key]), max(self.samples[key])]

    def has(self, *keys):
        return all(self.samples.get(key) for key in keys)

    def table(self, keys=None):
        """{key: median, key_range: [min, max]} of the figures (all, or those of keys that
        were measured), rounded for reading."""
        result = {}
        for key in (self.samples if keys is None else [k for k in keys if self.has(k)]):
            result[key] = _round(self.median(key))
            result[f"{key}_range"] = [_round(value) for value in self.range(key)]
        return result


def _round(value):
    return round(value, 4 if abs(value) < 1 else 3)


def rotated(sides, round_number):
    """sides with the first one rotating each round, so no side always runs first."""
    shift = round_number % len(sides)
    return sides[shift:] + sides[:shift]


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def _git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True).stdout.strip()


def _version(package, python=None):
    if python is None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None
    code = f"from importlib import metadata; print(metadata.version({package!r}))"
    found = subprocess.run([str(python), "-c", code], text=True, capture_output=True)
    return found.stdout.strip() or None


def run_facts(rounds, quick):
    """The facts a reader needs to weigh the figures: commit, dirty tree, date, machine,
    versions, rounds and the load average now (load_after is added by finish())."""
    versions = {"python": platform.python_version(), "sqlite": _sqlite_version(),
                **{name: _version(name) for name in PACKAGES},
                **{name: _version(name, MLFLOW_PYTHON) for name in PEER_PACKAGES},
                "chromium": _chromium_version()}
    return {"commit": _git("rev-parse", "HEAD") or "unknown",
            "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}",
            "load_before": load_average(), "rounds": rounds, "quick": quick,
            "versions": versions}


def _sqlite_version():
    import sqlite3
    return sqlite3.sqlite_version


def _chromium_version():
    from web_pages import CHROMIUM
    try:
        found = subprocess.run([CHROMIUM, "--version"], text=True, capture_output=True,
                               timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() or None


def write(facts, figures, keys, verdicts, complete, started):
    """results.json for a whole run of every benchmark at full size, else results-partial.json;
    returns the path written. figures: the issue's keys; more_figures: the others measured."""
    facts = {**facts, "load_after": load_average(),
             "minutes": round((datetime.datetime.now().timestamp() - started) / 60, 1),
             "complete": complete}
    others = [key for key in figures.samples if key not in keys]
    document = {"run": facts, "figures": figures.table(keys),
                "more_figures": figures.table(others), "targets": verdicts,
                "samples": figures.samples, "sizes": figures.sizes, "details": figures.details}
    path = RESULTS if complete and not facts["quick"] else PARTIAL
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def standalone(measure, print_tables, sizes, quick_sizes, doc):
    """main() of a benchmark run alone: --rounds, --quick; prints its tables and figures."""
    import argparse
    import tempfile
    from pathlib import Path
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, to try things out")
    args = parser.parse_args()
    require_mlflow()
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        measure(figures, quick_sizes if args.quick else sizes, args.rounds, Path(tmp))
    print_tables(figures)
    print(json.dumps(figures.table(), indent=1))
