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
           "A clone is three HTTP round trips (about 1 ms of server CPU each, see the latency "
           "table); an Optuna trial is three in-process SQLite transactions."),
    Target("ingest server-only >= 10x MLflow's server", "ingest_server_points_per_s",
           "mlflow_server_points_per_s", 10, True,
           "Storage.add_events costs about 35 us a point in-process: one events row per point "
           "holding the event again as JSON (json.dumps ~7 us), upserted into three indexes "
           "(executemany ~13 us); 10x MLflow needs about 3x fewer per point: scalars packed per "
           "series and batch, without the JSON copy (a schema change)."),
    Target("compare read ahead of MLflow's bulk-interval read at the same sampling",
           "compare_read_s", "mlflow_bulk_interval_read_s", 1, False,
           "The page's data request reads every point of the overlaid curves (fetchall of "
           "300,000 rows: three quarters of its time) and keeps 500 a curve."),
    Target("compare read within 2x of our floor (SQLite read + JSON encoding)",
           "compare_read_s", "compare_floor_s", 2, False,
           "Besides the curves, /compare.json ranks the experiments and builds the parallel "
           "coordinates and table; both read every point (curves stored packed would cut both)."),
    Target("API p50 <= 2x the hello-world floor, same client", "api_p50_ms", "floor_p50_ms", 2,
           False, "server.info costs as much as tasks.get_by_id (about 0.8 ms of server CPU "
           "against 0.2): the per-call path, not SQLite: a new connection each call "
           "(Connection: close, ~0.2 ms), a thread-pool hop, token check, envelope."),
    Target("per-clone overhead <= 1.5x the bare import floor", "clone_overhead_s",
           "bare_import_s", 1.5, False,
           "Besides the imports, each clone pays clearml-agent execute's own start, the "
           "template's data loading and model building, TensorFlow's teardown and 1 s polls."),
    Target("compare page interactive within 1 s", "compare_page_interactive_s", None, 1, False,
           "Chromium spends it in Plotly: evaluating the full bundle (4.6 MB, ~2 s cold here), "
           "the WebGL parallel coordinates (software GL without a GPU, 2-5 s) and 300 SVG "
           "traces; a partial bundle and an SVG parallel-coordinates chart would close it."),
    Target("experiments page interactive within 1 s", "experiments_page_interactive_s", None, 1,
           False, "4.6 MB of HTML: the server renders all 5,000 rows (~1 s, half of it the "
           "template), chromium lays out a 5,000-row table; a page of rows would close it."),
    Target("disk per point <= MLflow's", "disk_bytes_per_point", "mlflow_disk_bytes_per_point",
           1, False, "Each point is one events row holding its event again as JSON, with the "
           "task id and names repeated in three indexes; MLflow keeps a narrow row and two."),
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
