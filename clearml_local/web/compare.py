"""Comparing experiments: parallel coordinates, overlaid scalars, a table ranked best first."""
import re

from . import samples, summary

VALUES = ("last", "min", "max")
GOALS = ("max", "min")
LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|rmse|perplexity", re.IGNORECASE)
PREFERRED = re.compile(r"acc", re.IGNORECASE)
DEFAULT_LINES = 20
POINTS_PER_SERIES = 500
# Points one overlay chart draws in all: a chart of many curves draws fewer of each, so that
# 100 overlaid experiments do not send and draw 150,000 points (benchmarks/bench_pages.py); the
# default 20 lines keep their 500 each. A curve keeps at least MIN_POINTS_PER_SERIES.
POINTS_PER_CHART = 20_000
MIN_POINTS_PER_SERIES = 100


def compare(server, query):
    """Experiments given as ids=a,b,c (repeatable), parent=<id> (all clones of a template) or
    search=<controller id> (the clones that search controller made).

    Query: metric ("metric/variant" key), value (last, min, max), goal (max, min), scalar
    (repeatable metric names to overlay), lines (how many of the best to overlay).
    """
    storage = server.storage
    ids = [i.strip() for value in query.getlist("ids") for i in value.split(",") if i.strip()]
    parent_id, search_id = query.get("parent") or None, query.get("search") or None
    if search_id:
        search = storage.get_task(search_id)
        tasks = summary.clones_of_search(storage, search)
    elif parent_id:
        tasks = storage.query("tasks", {"parent": parent_id, "system_tags": ["-hidden"]})
    else:
        tasks = storage.tasks_by_id(ids)
    board = leaderboard(storage, tasks, query)
    rows, metrics, choice, ranked = board["rows"], board["metrics"], board["choice"], board[
        "experiments"]
    differing, same = board["differing"], board["same"]
    overlaid = ranked[:choice["lines"]]
    return {
        "title": "Compare experiments",
        "selection": {"ids": [row["id"] for row in rows], "parent": _parent(storage, parent_id),
                      "search": ({"id": search["id"], "name": search["name"],
                                  "url": summary.task_url(search)} if search_id else None)},
        "choice": choice,
        "choices": {"metrics": list(metrics.values()), "value_kinds": VALUES, "goals": GOALS,
                    "scalars": sorted({m["metric"] for m in metrics.values()}, key=str.lower)},
        "experiments": ranked,
        "params": {"differing": differing, "same": same},
        "parcoords": _parcoords(ranked, differing, choice),
        "scalars": _overlay(storage, overlaid, choice["scalars"]),
        "overlay": {"shown": len(overlaid), "of": len(ranked)},
        "debug_samples": samples.side_by_side(server, overlaid),
    }


def leaderboard(storage, tasks, query):
    """The tasks' summary rows ranked best first by the metric the query chooses (or a default),
    with the hyperparameters that differ between them."""
    rows = summary.rows(storage, tasks)
    metrics = _metric_choices(rows)
    choice = _choice(query, metrics, rows)
    ranked = _ranked(rows, choice)
    differing, same = _params(ranked)
    return {"rows": rows, "metrics": metrics, "choice": choice, "experiments": ranked,
            "differing": differing, "same": same}


def _parent(storage, parent_id):
    if not parent_id:
        return None
    found = storage.tasks_by_id([parent_id])
    return ({"id": parent_id, "name": found[0]["name"], "url": summary.task_url(found[0])}
            if found else {"id": parent_id, "name": parent_id, "url": None})


def _metric_choices(rows):
    metrics = {}
    for row in rows:
        for key, entry in row["metrics"].items():
            if summary.is_result(entry["metric"]):
                metrics.setdefault(key, {"key": key, "metric": entry["metric"],
                                         "variant": entry["variant"], "curve": False})
                metrics[key]["curve"] |= entry["count"] > 1
    return dict(sorted(metrics.items(), key=lambda item: item[0].lower()))


def _choice(query, metrics, rows):
    """The metric to rank by and the scalars to overlay: asked for, or sensible defaults."""
    key = query.get("metric")
    if key not in metrics:
        preferred = [k for k in metrics if PREFERRED.search(k) and not metrics[k]["curve"]]
        key = (preferred or [k for k in metrics if not metrics[k]["curve"]] or list(metrics)
               or [None])[0]
    value = query.get("value") if query.get("value") in VALUES else "last"
    goal = query.get("goal")
    if goal not in GOALS:
        goal = "min" if key and LOWER_IS_BETTER.search(key) else "max"
    names = {m["metric"] for m in metrics.values()}
    scalars = [name for name in query.getlist("scalar") if name in names]
    if not scalars:
        curves = {m["metric"] for m in metrics.values() if m["curve"]}
        scalars = sorted(curves or names, key=str.lower)
    try:
        lines = max(1, int(query.get("lines") or DEFAULT_LINES))
    except ValueError:
        lines = DEFAULT_LINES
    label = f"{metrics[key]['metric']} / {metrics[key]['variant']}" if key else ""
    return {"metric": key, "label": label, "value": value, "goal": goal, "scalars": scalars,
            "lines": min(lines, len(rows)) if rows else lines}


def _ranked(rows, choice):
    """rows best first by the chosen metric; rows without it come last, in their order."""
    for row in rows:
        entry = row["metrics"].get(choice["metric"]) if choice["metric"] else None
        row["score"] = summary.number(entry.get(choice["value"])) if entry else None
    scored = sorted((row for row in rows if row["score"] is not None), key=lambda r: r["score"],
                    reverse=choice["goal"] == "max")
    ranked = scored + [row for row in rows if row["score"] is None]
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    best = ranked[0]["params"] if ranked else {}
    for row in ranked:
        row["differs"] = sorted(key for key, value in row["params"].items()
                                if best.get(key) != value)
    return ranked


def _params(rows):
    """Hyperparameter keys whose values differ across rows, and the ones that do not."""
    keys = list(dict.fromkeys(key for row in rows for key in row["params"]))
    differing, same = [], []
    for key in keys:
        values = {row["params"].get(key) for row in rows}
        if len(values) > 1:
            differing.append(key)
        else:
            same.append({"key": key, "value": values.pop()})
    return sorted(differing, key=str.lower), same


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
