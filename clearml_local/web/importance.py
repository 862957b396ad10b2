"""How much each searched parameter matters to a search's objective: Optuna's fANOVA importance
evaluator over the finished clones."""
import math

from .summary import number

# Optuna's evaluator needs at least two trials; below that the panel says how many it has.
MINIMUM_POINTS = 2


def importances(points, names, log_names=()):
    """{name: importance} of the parameters `names` for the objective, computed by
    optuna.importance.FanovaImportanceEvaluator (seed 0) over `points`, a list of (parameter
    values by name, objective value) pairs: the importances of the parameters that vary sum to
    1; one that has a single value gets None. A parameter whose values all read as numbers is a
    number axis (log-scaled when in `log_names` and positive), any other a category. Points
    whose objective is not a finite number are left out; empty when fewer than MINIMUM_POINTS
    remain."""
    points = [(values, objective) for values, objective in points
              if objective is not None and math.isfinite(objective)]
    if len(points) < MINIMUM_POINTS:
        return {}
    distributions = {name: _distribution([values.get(name) for values, _ in points],
                                         name in log_names) for name in names}
    varying = {name: d for name, d in distributions.items() if d is not None}
    found = _fanova(points, varying) if varying else {}
    return {name: found.get(name) for name in names}


def _distribution(values, log):
    """Optuna's distribution of a parameter's values, or None when it has a single value."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    numbers = [number(value) for value in values]
    if all(n is not None and math.isfinite(n) for n in numbers):
        low, high = min(numbers), max(numbers)
        return FloatDistribution(low, high, log=log and low > 0) if low < high else None
    categories = sorted({str(value) for value in values})
    return CategoricalDistribution(categories) if len(categories) > 1 else None


def _fanova(points, distributions):
    # Optuna (and scikit-learn under it) load in seconds: only when a page shows importances.
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    for values, objective in points:
        params = {name: str(values.get(name)) if isinstance(distribution, CategoricalDistribution)
                  else number(values.get(name)) for name, distribution in distributions.items()}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions,
                                                  value=objective))
    found = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0),
                                  normalize=True)
    return {name: float(value) for name, value in found.items()}
