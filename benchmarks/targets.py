"""The issue's targets, each a ratio of figures measured in one run, met only when the whole
range of every sample meets it (the worst of ours against the best of the peer)."""
from dataclasses import dataclass

from servers import print_table


@dataclass(frozen=True)
class Target:
    """ours / peer (or ours alone against a bound), ours_up: whether ours should be higher."""

    name: str
    ours: str
    peer: str  # A figure, or None for a fixed bound.
    factor: float
    ours_up: bool
    why: str

    def figures(self):
        return [self.ours] + ([self.peer] if self.peer else [])

    def met(self, figures):
        """Whether every sample meets it: ours at its worst against the peer at its best."""
        low, high = figures.range(self.ours)
        if self.peer is None:
            return (low >= self.factor) if self.ours_up else (high <= self.factor)
        peer_low, peer_high = figures.range(self.peer)
        if self.ours_up:
            return low >= self.factor * peer_high
        return high <= self.factor * peer_low


TARGETS = [
    Target("launch through the server's API >= Optuna at equal durability",
           "launch_api_clones_per_s", "optuna_wal_trials_per_s", 1, True,
           "A clone is three HTTP round trips, each a token check, a SQLite transaction and an "
           "envelope; an Optuna trial is in-process SQLite."),
    Target("ingest server-only >= 10x MLflow's server", "ingest_server_points_per_s",
           "mlflow_server_points_per_s", 10, True,
           "Each event is parsed from its JSON line, validated and upserted one row each (with "
           "two indexes); a packed row per series and batch would write far less."),
    Target("compare read ahead of MLflow's bulk-interval read at the same sampling",
           "compare_read_s", "mlflow_bulk_interval_read_s", 1, False,
           "The page's data request reads every point of the overlaid curves and keeps 500."),
    Target("compare read within 2x of our floor (SQLite read + JSON encoding)",
           "compare_read_s", "compare_floor_s", 2, False,
           "Besides the curves, /compare.json ranks the experiments and builds the parallel "
           "coordinates, table and debug samples; a downsampled read would cut both."),
    Target("API p50 <= 2x the hello-world floor, same client", "api_p50_ms", "floor_p50_ms", 2,
           False, "Each call closes its connection (Connection: close), verifies a token, reads "
           "the task's JSON columns from SQLite and builds ClearML's envelope."),
    Target("per-clone overhead <= 1.5x the bare import floor", "clone_overhead_s",
           "bare_import_s", 1.5, False,
           "Besides the imports, each clone pays clearml-agent execute's own start, the "
           "template's data loading and model building, TensorFlow's teardown and 1 s polls."),
    Target("compare page interactive within 1 s", "compare_page_interactive_s", None, 1, False,
           "The page embeds 500 points x 3 arrays per curve as JSON and draws them as SVG with "
           "the full Plotly bundle (about 4.6 MB of JavaScript to parse)."),
    Target("experiments page interactive within 1 s", "experiments_page_interactive_s", None, 1,
           False, "The server renders all 5,000 rows as HTML, each with its actions and "
           "hyperparameter cells."),
    Target("disk per point <= MLflow's", "disk_bytes_per_point", "mlflow_disk_bytes_per_point",
           1, False, "Each point is one row holding its event as JSON, plus a covering index of "
           "the scalar columns and the identity index."),
]


def verdicts(figures):
    """[{name, figures, met, why}] of every target; met None when a figure was not measured."""
    result = []
    for target in TARGETS:
        measured = figures.has(*target.figures())
        met = target.met(figures) if measured else None
        result.append({"name": target.name, "figures": target.figures(), "met": met,
                       "why": "" if met else target.why if measured else "not measured"})
    return result


def report(figures):
    """Print each target's verdict with its figures; return the verdicts."""
    found = verdicts(figures)
    rows = [[v["name"], {True: "met", False: "MISSED", None: "not measured"}[v["met"]],
             "; ".join(_figure(figures, key) for key in v["figures"]) if v["met"] is not None
             else "", v["why"]] for v in found]
    print_table("The issue's targets (met only when the whole range meets them)",
                ["target", "result", "figures (median [min, max])", "why missed"], rows)
    return found


def _figure(figures, key):
    low, high = figures.range(key)
    return f"{key} {figures.median(key):.3g} [{low:.3g}, {high:.3g}]"
