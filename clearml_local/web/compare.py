"""Comparing experiments: parallel coordinates, overlaid scalars, a table ranked best first."""
from . import leaderboard, objective, samples, summary

POINTS_PER_SERIES = 500
# Points one overlay chart draws in all: a chart of many curves draws fewer of each, so that
# 100 overlaid experiments do not send and draw 150,000 points (benchmarks/bench_pages.py); the
# default 20 lines keep their 500 each. A curve keeps at least MIN_POINTS_PER_SERIES.
POINTS_PER_CHART = 20_000
MIN_POINTS_PER_SERIES = 100


def compare(server, query):
    """Experiments given as ids=a,b,c (repeatable), parent=<id> (all clones of a template) or
    search=<controller id> (the clones that search controller made), ranked as the query asks
    (leaderboard.rank); a search's clones by its objective unless the query asks otherwise, with
    each searched parameter against it.
    """
    storage = server.storage
    ids = [i.strip() for value in query.getlist("ids") for i in value.split(",") if i.strip()]
    parent_id, search_id = query.get("parent") or None, query.get("search") or None
    if search_id:
        search = storage.get_task(search_id)
        tasks = storage.search_clones(search_id)
    elif parent_id:
        tasks = storage.children_of(parent_id)
    else:
        tasks = storage.tasks_by_id(ids)
    rows = summary.rows(storage, tasks, storage.queue_names())
    searched = objective.of_controller(search) if search_id else None
    board = leaderboard.rank(rows, query, searched)
    metrics, choice, ranked = board["metrics"], board["choice"], board["experiments"]
    overlaid = ranked[:choice["lines"]]
    return {
        "title": "Compare experiments",
        "selection": {"ids": [row["id"] for row in rows], "parent": _parent(storage, parent_id),
                      "search": ({"id": search["id"], "name": search["name"],
                                  "url": summary.task_url(search)} if search_id else None)},
        "choice": choice,
        "choices": {"metrics": list(metrics.values()), "value_kinds": leaderboard.VALUES,
                    "goals": leaderboard.GOALS,
                    "scalars": sorted({m["metric"] for m in metrics.values()}, key=str.lower)},
        "experiments": ranked,
        "params": {"differing": board["differing"], "same": board["same"]},
        "parcoords": _parcoords(ranked, board["differing"], choice),
        "objective": objective.panel(ranked, searched, choice) if searched else None,
        "scalars": _overlay(storage, overlaid, choice["scalars"]),
        "overlay": {"shown": len(overlaid), "of": len(ranked)},
        "debug_samples": samples.side_by_side(server, overlaid),
    }


def _parent(storage, parent_id):
    if not parent_id:
        return None
    found = storage.tasks_by_id([parent_id])
    return ({"id": parent_id, "name": found[0]["name"], "url": summary.task_url(found[0])}
            if found else {"id": parent_id, "name": parent_id, "url": None})


def _parcoords(rows, differing, choice):
    """Plotly parcoords dimensions: one per differing hyperparameter, the metric last."""
    scored = [row for row in rows if row["score"] is not None]
    names = [key.split("/", 1)[-1] for key in differing]
    dimensions = [
        _dimension(name if names.count(name) == 1 else key, [row["params"].get(key) for row in scored])
        for key, name in zip(differing, names)]
    label = f"{choice['label']} ({choice['value']})"
    scores = [row["score"] for row in scored]
    if scored:
        dimensions.append({"label": label, "values": scores})
    return {"dimensions": dimensions, "color": scores, "color_label": label,
            "reverse": choice["goal"] == "min", "names": [row["name"] for row in scored],
            "ids": [row["id"] for row in scored], "missing": len(rows) - len(scored)}


def _dimension(label, values):
    """A numeric axis when every value reads as a number, else one tick per distinct value."""
    numbers = [summary.number(value) for value in values]
    if all(n is not None for n in numbers):
        return {"label": label, "values": numbers}
    texts = [str(value if value is not None else "") for value in values]
    categories = sorted(set(texts), key=summary.sort_value)
    return {"label": label, "values": [categories.index(t) for t in texts],
            "tickvals": list(range(len(categories))), "ticktext": categories}


def _overlay(storage, rows, metric_names):
    """One chart per chosen metric: a line per experiment and variant, colour per experiment;
    each line downsampled to its share of the chart's points (points_per_line)."""
    series = storage.scalar_series([row["id"] for row in rows], metric_names) if rows else {}
    charts = []
    for metric in metric_names:
        curves = [(group, row, series.get(row["id"], {}).get(metric, {}))
                  for group, row in enumerate(rows)]
        limit = points_per_line(sum(len(variants) for _, _, variants in curves))
        lines = []
        for group, row, variants in curves:
            for dash, (variant, points) in enumerate(sorted(variants.items())):
                name = row["name"] if len(variants) == 1 else f"{row['name']} · {variant}"
                lines.append(dict(summary.series(points, name, limit), group=group, dash=dash))
        charts.append({"metric": metric, "series": lines})
    return charts


def points_per_line(lines):
    """How many points each of a chart's lines keeps: POINTS_PER_CHART shared among them,
    at most POINTS_PER_SERIES and at least MIN_POINTS_PER_SERIES each."""
    share = POINTS_PER_CHART // lines if lines else POINTS_PER_SERIES
    return max(MIN_POINTS_PER_SERIES, min(POINTS_PER_SERIES, share))
