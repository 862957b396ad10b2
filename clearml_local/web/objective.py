"""A search's objective: what its controller searches and for which scalar, as random_search.py
records it, and each searched parameter against that scalar over the finished clones."""
import json

from .importance import MINIMUM_POINTS, importances
from .summary import metric_key, number, params

# clearml-param-search's --objective-metric-sign -> the compare page's value and goal: the last
# value, or the extreme of every value reported (clearml/automation/optimization.py Objective).
SIGNS = {"max": ("last", "max"), "min": ("last", "min"), "max_global": ("max", "max"),
         "min_global": ("min", "min")}
# The Keras example's space, searched when the controller has no params_search.
KERAS_SPACE = ("batch_size", "layer_1", "layer_2")
FINISHED = ("completed", "published")


def of_controller(controller):
    """{"metric" (the compare page's "title/series" key), "value", "goal", "params" (the
    searched names, with their section), "log" (those drawn log-uniformly)} of a
    random_search.py controller task; None for a task that records no objective."""
    general = {key.split("/", 1)[1]: value for key, value in params(controller).items()
               if key.startswith("General/")}
    title, series, sign = (general.get(f"objective_metric_{part}")
                           for part in ("title", "series", "sign"))
    if not title or not series or sign not in SIGNS:
        return None
    specs = _specs(general.get("params_search"))
    names = [_with_section(spec["name"]) for spec in specs] or [
        f"General/{name}" for name in KERAS_SPACE if general.get(name)]
    value, goal = SIGNS[sign]
    return {"metric": metric_key(title, series), "value": value, "goal": goal, "params": names,
            "log": [_with_section(spec["name"]) for spec in specs
                    if spec.get("type") == "LogUniformParameterRange"]}


def _specs(text):
    """The parameters of a stored params_search that carry a name; none when it is not JSON (an
    edit in a web UI, say)."""
    try:
        specs = json.loads(text or "[]")
    except ValueError:
        return []
    return [spec for spec in specs if isinstance(spec, dict) and isinstance(spec.get("name"), str)
            ] if isinstance(specs, list) else []


def _with_section(name):
    # A bare name is in General, as Task.set_parameters takes it.
    return name if "/" in name else f"General/{name}"


def panel(rows, search, choice):
    """Each searched parameter of `search` (of_controller's) against the ranked rows' score (the
    leaderboard's `choice`), over the finished clones: the points of a scatter plot, log-scaled
    for a log-uniform parameter, and the parameter's fANOVA importance; with how many clones
    they rest on."""
    finished = [row for row in rows if row["status"] in FINISHED and row["score"] is not None]
    found = importances([(row["params"], row["score"]) for row in finished], search["params"],
                        search["log"])
    return {"count": len(finished), "minimum": MINIMUM_POINTS,
            "label": f"{choice['label']} ({choice['value']})",
            "reverse": choice["goal"] == "min", "parameters": [
        {"name": name, "log": name in search["log"], "importance": found.get(name),
         "x": _axis_values([row["params"].get(name) for row in finished]),
         "y": [row["score"] for row in finished], "names": [row["name"] for row in finished],
         "urls": [row["url"] for row in finished]}
        for name in search["params"]]}


def _axis_values(values):
    """Numbers when every value reads as one, else the values as text (a category axis)."""
    numbers = [number(value) for value in values]
    if all(n is not None for n in numbers):
        return numbers
    return ["" if value is None else str(value) for value in values]
