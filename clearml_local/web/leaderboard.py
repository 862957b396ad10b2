"""Ranking experiments by a metric: the choice of metric, value and goal, the order, and the
hyperparameters that differ; the compare page and a search's page show it."""
import re

from . import summary

VALUES = ("last", "min", "max")
GOALS = ("max", "min")
LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|rmse|perplexity", re.IGNORECASE)
PREFERRED = re.compile(r"acc", re.IGNORECASE)
DEFAULT_LINES = 20


def rank(rows, query, objective=None):
    """The summary rows ranked best first by the metric the query chooses (or a default), with
    the hyperparameters that differ between them. A search's objective (objective.of_controller)
    is the default, and its searched parameters come first, even those that do not differ.

    Query: metric ("metric/variant" key), value (last, min, max), goal (max, min), scalar
    (repeatable metric names to overlay), lines (how many of the best to overlay).
    """
    metrics = _metric_choices(rows)
    choice = _choice(query, metrics, rows, objective)
    ranked = _ranked(rows, choice)
    differing, same = _params(ranked, objective["params"] if objective else ())
    return {"metrics": metrics, "choice": choice, "experiments": ranked,
            "differing": differing, "same": same}


def _metric_choices(rows):
    metrics = {}
    for row in rows:
        for key, entry in row["metrics"].items():
            if summary.is_result(entry["metric"]):
                metrics.setdefault(key, {"key": key, "metric": entry["metric"],
                                         "variant": entry["variant"], "curve": False})
                metrics[key]["curve"] |= entry["count"] > 1
    return dict(sorted(metrics.items(), key=lambda item: item[0].lower()))


def _choice(query, metrics, rows, objective=None):
    """The metric to rank by and the scalars to overlay: asked for, else the search's objective,
    else sensible defaults."""
    key = query.get("metric")
    if key not in metrics:
        key = objective["metric"] if objective and objective["metric"] in metrics else (
            _default_metric(metrics))
    preset = objective if objective and key == objective["metric"] else {
        "value": "last", "goal": "min" if key and LOWER_IS_BETTER.search(key) else "max"}
    value = query.get("value") if query.get("value") in VALUES else preset["value"]
    goal = query.get("goal") if query.get("goal") in GOALS else preset["goal"]
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


def _default_metric(metrics):
    preferred = [k for k in metrics if PREFERRED.search(k) and not metrics[k]["curve"]]
    return (preferred or [k for k in metrics if not metrics[k]["curve"]] or list(metrics)
            or [None])[0]


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


def _params(rows, searched=()):
    """Hyperparameter keys whose values differ across rows (the searched ones first, in their
    order), and the ones that do not."""
    keys = list(dict.fromkeys(key for row in rows for key in row["params"]))
    differing, same = [], []
    for key in keys:
        values = {row["params"].get(key) for row in rows}
        if len(values) > 1:
            differing.append(key)
        elif key not in searched:
            same.append({"key": key, "value": values.pop()})
    return [*searched, *sorted((key for key in differing if key not in searched),
                               key=str.lower)], same
