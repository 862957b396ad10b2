"""What stored points cost: disk bytes per scalar point and the server's resident memory after
1M points sent over HTTP (our events.add_batch), against `mlflow server` on SQLite fed the same
points with runs/log-batch (a tenth of them: see SIZES). Sizes, not times: one round.

Run alone with
    .venv/bin/python benchmarks/bench_storage.py [--quick]
"""
import sqlite3

from bench_ingest import BATCH, clearml_lines, mlflow_metrics, points
from figures import standalone
from plain_http import ClearMLHTTP, MLflowHTTP
from servers import print_table, group_rss_mb, start_clearml_local, start_mlflow

# MLflow's server takes in about 5,000-10,000 points a second here, so 1M would take minutes of
# the 20 that `make bench` may run; bytes per point of a SQLite table hardly change with its
# size, and the table says at how many points each side was measured.
SIZES = {"series": 20, "iterations": 50_000, "mlflow_iterations": 5_000}
QUICK = {"series": 20, "iterations": 5_000, "mlflow_iterations": 500}


def database_bytes(path):
    """Bytes of a SQLite database once its write-ahead log (if any) is checkpointed into it."""
    db = sqlite3.connect(path, timeout=60)
    try:
        if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        pages, size = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count",
                                                                          "page_size"))
    finally:
        db.close()
    return pages * size


def fill_ours(api, all_points):
    task = api.call("tasks.create", {"name": "storage", "type": "training"})["id"]
    added = sum(api.add_batch(clearml_lines(task, all_points[first:first + BATCH]))
                for first in range(0, len(all_points), BATCH))
    if added != len(all_points):
        raise RuntimeError(f"events.add_batch: {added} of {len(all_points)} added")


def fill_mlflow(client, all_points):
    experiment = client.post_json("/experiments/create", {"name": "storage"})["experiment_id"]
    run_id = client.post_json("/runs/create", {"experiment_id": experiment})["run"]["info"][
        "run_id"]
    for first in range(0, len(all_points), BATCH):
        client.post_json("/runs/log-batch", {
            "run_id": run_id, "metrics": mlflow_metrics(all_points[first:first + BATCH])})


def measure_side(server, client, fill, all_points):
    """(bytes per point, RSS MB after) of sending all_points to a freshly started server."""
    empty = database_bytes(server.database)
    fill(client, all_points)
    return ((database_bytes(server.database) - empty) / len(all_points),
            group_rss_mb(server.process.pid))


def measure(figures, sizes, rounds, tmp):
    """One round whatever rounds says: these are sizes, not times."""
    ours_points = points(sizes["series"], sizes["iterations"])
    theirs_points = points(sizes["series"], sizes["mlflow_iterations"])
    with start_clearml_local(tmp / "ours") as ours:
        per_point, rss = measure_side(ours, ClearMLHTTP(ours), fill_ours, ours_points)
    figures.add("disk_bytes_per_point", per_point, points=len(ours_points))
    figures.add("server_rss_mb_1m_points", rss, points=len(ours_points))
    with start_mlflow(tmp / "mlflow", workers=1) as mlflow:
        per_point, rss = measure_side(mlflow, MLflowHTTP(mlflow), fill_mlflow, theirs_points)
    figures.add("mlflow_disk_bytes_per_point", per_point, points=len(theirs_points))
    figures.add("mlflow_server_rss_mb", rss, points=len(theirs_points))


def print_tables(figures):
    rows = [[label, f"{figures.sizes[disk]['points']:,}", f"{figures.median(disk):.0f}",
             f"{figures.median(rss):.0f}"] for label, disk, rss in (
        ("clearml_local (events.add_batch)", "disk_bytes_per_point", "server_rss_mb_1m_points"),
        ("mlflow server --workers 1 (runs/log-batch)", "mlflow_disk_bytes_per_point",
         "mlflow_server_rss_mb"))]
    print_table("Storage: disk per scalar point and server memory (lower is better)",
                ["server", "points sent", "disk bytes / point", "server RSS MB after"], rows,
                ["Disk: the SQLite file's growth (write-ahead log checkpointed first) over the "
                 "points sent, in 20 series, 1000 points a request. RSS: every process of "
                 "the server's process group (MLflow's CLI, its uvicorn worker and job runner)."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
