"""Render benchmarks/README.md's results (between its results markers) and scaling.png from a
results.json, with the same table code the benchmarks print with.

Usage: .venv/bin/python benchmarks/render_readme.py [RESULTS_JSON]  (default: results.json)
"""
import contextlib
import io
import json
import sys
from pathlib import Path

import bench_ingest
import bench_latency
import bench_launch
import bench_pages
import bench_reads
import bench_scaling
import bench_search
import bench_storage
import targets
from figures import RESULTS, Figures
from servers import BENCHMARKS

README = BENCHMARKS / "README.md"
PLOT = BENCHMARKS / "scaling.png"
BEGIN, END = "<!-- results: begin (render_readme.py writes this part) -->", "<!-- results: end -->"
MODULES = (bench_launch, bench_ingest, bench_reads, bench_latency, bench_storage, bench_pages,
           bench_scaling, bench_search)


def load(path):
    document = json.loads(Path(path).read_text())
    figures = Figures()
    figures.samples, figures.sizes = document["samples"], document["sizes"]
    figures.details = document["details"]
    return document, figures


def tables(figures):
    """The Markdown the benchmarks print for these figures, and the targets'."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for module in MODULES:
            try:
                module.print_tables(figures)
            except KeyError as missing:  # A benchmark that did not run in this results file.
                print(f"\n({module.__name__}: not measured, {missing})\n")
        targets.report(figures)
    return out.getvalue()


def header(run):
    versions = ", ".join(f"{name} {version}" for name, version in run["versions"].items()
                         if version)
    return (f"Commit `{run['commit'][:10]}`{' (uncommitted changes)' if run['dirty'] else ''}, "
            f"{run['date']}, {run['machine']}; {run['rounds']} rounds; `make bench` took "
            f"{run['minutes']} minutes; load average (1, 5, 15 min) {run['load_before']} before, "
            f"{run['load_after']} after. Versions: {versions}.\n")


def plot(figures, path):
    """The scaling lines, cost against size, log-log."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=100)
    for label, points in figures.details["scaling"]["series"].items():
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("size (experiments, or points per curve)")
    axes.set_ylabel("seconds (median)")
    axes.set_title("clearml_local: cost against size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def render(results=RESULTS, readme=README, plot_path=PLOT):
    document, figures = load(results)
    if "scaling" in figures.details:
        plot(figures, plot_path)
    body = f"{BEGIN}\n{header(document['run'])}\n![scaling](scaling.png)\n{tables(figures)}{END}"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} lacks the results markers")
    before, rest = text.split(BEGIN, 1)
    readme.write_text(before + body + rest.split(END, 1)[1])


if __name__ == "__main__":
    render(sys.argv[1] if len(sys.argv) > 1 else RESULTS)
