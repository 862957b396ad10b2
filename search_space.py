"""The random search's space: the original's lists and ranges, or clearml-param-search's JSON
parameters read with ClearML's own classes; and distinct random draws from it."""
import inspect
import json
import math
import random
from pathlib import Path

from clearml.automation.parameters import (DiscreteParameterRange, LogUniformParameterRange,
                                           Parameter, RandomSeed, UniformIntegerParameterRange,
                                           UniformParameterRange)

# The four types of clearml-param-search's --params-search (clearml/cli/hpo/__main__.py).
PARAMETER_TYPES = {kind.__name__: kind for kind in (
    DiscreteParameterRange, UniformParameterRange, UniformIntegerParameterRange,
    LogUniformParameterRange)}
# The original example's space, drawn unless a search has a params_search: batch sizes from a
# list, layer sizes from range(start, stop, step).
KERAS_SPACE = {'batch_size': [64, 96, 128, 160, 192], 'layer_1': [128, 512, 32],
               'layer_2': [128, 512, 32]}
# Values a clone's parameter can take and give back as the same text.
SCALARS = (str, int, float, bool)
# How many more draws than asked for a space with continuous parameters may take to find
# distinct configurations before it gives up.
DRAWS_PER_CONFIGURATION = 100


class SearchSpaceError(ValueError):
    """A search space, or a request to draw from it, that cannot be satisfied."""


def value_list(name, values):
    """Return the distinct values of a list such as [64, 96, 128], in their order.

    Raises SearchSpaceError if `values` is not a non-empty list.
    """
    if not isinstance(values, (list, tuple)) or not values:
        raise SearchSpaceError(f"{name} must be a non-empty list of values, such as [64, 96, 128]; "
                               f"got {values!r}")
    return list(dict.fromkeys(values))


def value_range(name, start_stop_step):
    """Return range(start, stop, step) from a list such as [128, 512, 32], as in ClearML's original.

    Raises SearchSpaceError unless given three integers that make a non-empty range.
    """
    if (not isinstance(start_stop_step, (list, tuple)) or len(start_stop_step) != 3
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in start_stop_step)):
        raise SearchSpaceError(f"{name} must be [start, stop, step], three integers such as "
                               f"[128, 512, 32]; got {start_stop_step!r}")
    start, stop, step = start_stop_step
    if step <= 0 or start >= stop:
        raise SearchSpaceError(f"{name} = [{start}, {stop}, {step}] holds no values: it needs "
                               f"start < stop and step > 0")
    return range(start, stop, step)


def section_name(name):
    """The parameter's name with its section: a bare name is in General, as Task.set_parameters
    takes it."""
    return name if '/' in name else f'General/{name}'


def json_objects(option, texts):
    """The JSON objects of an option such as --params-search: each text is one object, or
    @file.json, a file holding a list of them. Raises SearchSpaceError naming the bad one."""
    objects = []
    for text in texts:
        if text.startswith('@'):
            try:
                found = json.loads(Path(text[1:]).read_text())
            except (OSError, ValueError) as error:
                raise SearchSpaceError(f'{option} {text}: cannot read a JSON list from it '
                                       f'({error})') from None
            found = found if isinstance(found, list) else [found]
        else:
            try:
                found = [json.loads(text)]
            except ValueError as error:
                raise SearchSpaceError(f'{option}: not JSON ({error}): {text}') from None
        for item in found:
            if not isinstance(item, dict):
                raise SearchSpaceError(f'{option}: each parameter is a JSON object such as '
                                       f'{{"name": "Args/lr", ...}}; got {json.dumps(item)}')
        objects += found
    return objects


def sdk_parameter(spec):
    """ClearML's Parameter object for one of clearml-param-search's JSON objects, such as
    {"name": "Args/lr", "type": "LogUniformParameterRange", "min_value": -4, "max_value": -1},
    built by the type's own constructor as clearml-param-search builds it, so that its defaults
    mean what they mean in ClearML. (Parameter.from_dict restores the SDK's own to_dict form
    without running the constructor, so it would leave those defaults out.) Raises
    SearchSpaceError naming the parameter and its bad name, type or field."""
    name = spec.get('name')
    if not isinstance(name, str) or not name.strip('/ '):
        raise SearchSpaceError(f'each parameter needs a "name", such as "Args/lr"; got '
                               f'{json.dumps(spec)}')
    name = section_name(name)
    kind = PARAMETER_TYPES.get(spec.get('type'))
    if kind is None:
        raise SearchSpaceError(f"{name}: unknown type {spec.get('type')!r}; the types are "
                               f"{', '.join(PARAMETER_TYPES)}")
    fields = {key: value for key, value in spec.items() if key not in ('name', 'type')}
    _check_field_names(name, kind, fields)
    for key, value in fields.items():
        accepts, what = FIELDS[key]
        if not accepts(value):
            raise SearchSpaceError(f'{name}: {key} must be {what}; got {json.dumps(value)}')
    return kind(name=name, **fields)


def _check_field_names(name, kind, fields):
    accepted = {key: field for key, field in inspect.signature(kind).parameters.items()
                if key != 'name'}
    unknown = [key for key in fields if key not in accepted]
    missing = [key for key, field in accepted.items()
               if field.default is inspect.Parameter.empty and key not in fields]
    if unknown or missing:
        problem = f"has no field {unknown[0]!r}" if unknown else f"needs {missing[0]!r}"
        raise SearchSpaceError(f"{name}: {kind.__name__} {problem} (its fields: "
                               f"{', '.join(accepted)})")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# What each field of clearml-param-search's objects accepts; the SDK's constructors convert
# without asking (float("1e-3"), bool("false") is True).
FIELDS = {
    'min_value': (_is_number, 'a number'),
    'max_value': (_is_number, 'a number'),
    'base': (lambda value: _is_number(value) and value > 0 and value != 1,
             'a positive number other than 1'),
    'step_size': (lambda value: value is None or _is_number(value) and value > 0,
                  'a positive number'),
    'include_max_value': (lambda value: isinstance(value, bool), 'true or false'),
    'values': (lambda value: isinstance(value, list) and bool(value)
               and all(isinstance(item, SCALARS) for item in value),
               'a non-empty list of numbers, strings or booleans'),
}


def is_continuous(parameter):
    """Whether the parameter is a uniform or log-uniform range without a step: drawn from the
    whole interval rather than from a list of values."""
    return isinstance(parameter, UniformParameterRange) and not parameter.step_size


def parameter_values(parameter):
    """The distinct values the parameter can take, as ClearML lists them (Parameter.to_list),
    or the parameter itself when it is continuous. Raises SearchSpaceError if it holds none."""
    name = parameter.name
    if isinstance(parameter, (UniformParameterRange, UniformIntegerParameterRange)):
        low, high = parameter.min_value, parameter.max_value
        if low > high or (low == high and (is_continuous(parameter) or not parameter.include_max)):
            raise SearchSpaceError(f'{name}: min_value {low:g} .. max_value {high:g} holds no '
                                   f'values')
    if isinstance(parameter, UniformIntegerParameterRange) and parameter.step_size < 1:
        raise SearchSpaceError(f'{name}: step_size must be at least 1; got {parameter.step_size}')
    if is_continuous(parameter):
        return parameter
    values = list(dict.fromkeys(value[name] for value in parameter.to_list()))
    if not values and isinstance(parameter, DiscreteParameterRange):
        raise SearchSpaceError(f'{name}: DiscreteParameterRange needs "values", a non-empty list')
    if not values:
        raise SearchSpaceError(f'{name}: no step of {parameter.step_size:g} from min_value '
                               f'{parameter.min_value:g} lies below max_value '
                               f'{parameter.max_value:g}, and include_max_value is false')
    return values


def parse_space(text):
    """The space of a stored --params-search (a JSON list of clearml-param-search's objects): a
    dict of parameter name (with its section) -> its values, or the continuous parameter.
    Raises SearchSpaceError."""
    try:
        specs = json.loads(text)
    except ValueError as error:
        raise SearchSpaceError(f'params_search is not JSON ({error}): {text}') from None
    if not isinstance(specs, list) or not specs or not all(isinstance(s, dict) for s in specs):
        raise SearchSpaceError(f'params_search must be a non-empty JSON list of parameters; '
                               f'got {text}')
    space = {}
    for parameter in map(sdk_parameter, specs):
        if parameter.name in space:
            raise SearchSpaceError(f'{parameter.name} is searched twice')
        space[parameter.name] = parameter_values(parameter)
    return space


def parse_overrides(text):
    """The fixed values of a stored --params-override (a JSON list of {"name": ..., "value": ...}),
    as a dict of parameter name (with its section) -> value. Raises SearchSpaceError."""
    if not text:
        return {}
    try:
        items = json.loads(text)
    except ValueError as error:
        raise SearchSpaceError(f'params_override is not JSON ({error}): {text}') from None
    overrides = {}
    for item in items if isinstance(items, list) else [items]:
        if not isinstance(item, dict) or not isinstance(item.get('name'), str) \
                or 'value' not in item:
            raise SearchSpaceError(f'each --params-override is {{"name": ..., "value": ...}}; '
                                   f'got {json.dumps(item)}')
        overrides[section_name(item['name'])] = item['value']
    return overrides


def search_overrides(params, space):
    """The fixed values of the search's params_override, parameter name (with its section) ->
    value. Raises SearchSpaceError if one is also in `space`."""
    overrides = parse_overrides(params.get('params_override'))
    searched = {section_name(name) for name in space}
    for name in overrides:
        if name in searched:
            raise SearchSpaceError(f'{name} is both searched (--params-search) and fixed '
                                   f'(--params-override)')
    return overrides


def describe(name, values):
    """The values a parameter really takes, in a line: a list, or a range with its kind."""
    if isinstance(values, Parameter):
        low, high = (values.min_value, values.max_value)
        if isinstance(values, LogUniformParameterRange):
            return (f'{name}: {values.base ** low} .. {values.base ** high}, log-uniform '
                    f'({values.base} ** {low:g} .. {values.base} ** {high:g})')
        return f'{name}: {low} .. {high}, uniform'
    shown = list(values) if len(values) <= 6 else [*values[:2], '...', values[-1]]
    return f"{name}: {', '.join(map(str, shown))} ({len(values)} values)"


def space_size(space):
    """The number of distinct configurations in `space` (a dict of parameter name -> values);
    infinite when a parameter is continuous."""
    if any(isinstance(values, Parameter) for values in space.values()):
        return math.inf
    return math.prod(len(values) for values in space.values())


def configuration_at(space, index):
    """The configuration numbered `index` in the mixed-radix numbering of `space`."""
    configuration = {}
    for name, values in reversed(space.items()):
        index, position = divmod(index, len(values))
        configuration[name] = values[position]
    return {name: configuration[name] for name in space}


def sample_configurations(space, count, seed):
    """Draw `count` distinct configurations uniformly at random; the same seed draws the same ones.

    A continuous parameter is drawn by its own Parameter.get_value, the SDK's random generator
    seeded with `seed`. Raises SearchSpaceError if `count` is not a positive integer or exceeds
    the space's size.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SearchSpaceError(f"the number of experiments must be a positive integer; "
                               f"got {count!r}")
    size = space_size(space)
    if size == math.inf:
        return _sample_continuous(space, count, seed)
    if count > size:
        sizes = " x ".join(f"{len(values)} {name}" for name, values in space.items())
        raise SearchSpaceError(f"asked for {count} experiments, but the search space holds only "
                               f"{size} distinct configurations ({sizes}); ask for at most {size} "
                               f"or widen the space")
    indexes = random.Random(seed).sample(range(size), count)
    return [configuration_at(space, index) for index in indexes]


def _sample_continuous(space, count, seed):
    RandomSeed.set_random_seed(seed)
    choose, drawn = random.Random(seed), {}
    for _ in range(count * DRAWS_PER_CONFIGURATION):
        configuration = {name: values.get_value()[name] if isinstance(values, Parameter)
                         else choose.choice(values) for name, values in space.items()}
        drawn.setdefault(tuple(configuration.values()), configuration)
        if len(drawn) == count:
            return list(drawn.values())
    raise SearchSpaceError(f'drew only {len(drawn)} distinct configurations of the {count} asked '
                           f'for; widen the space')


def search_space(params):
    """The space of --params-search when the search has one, else the space of ClearML's
    original: batch sizes from a list, layer sizes from range(start, stop, step); a dict of
    parameter name -> values. Raises SearchSpaceError."""
    if params.get('params_search'):
        return parse_space(params['params_search'])
    return {'batch_size': value_list('batch_size', params['batch_size']),
            'layer_1': value_range('layer_1', params['layer_1']),
            'layer_2': value_range('layer_2', params['layer_2'])}


def search_seed(seed):
    """The seed as an integer; a new random one when None or empty. Raises SearchSpaceError."""
    if seed in (None, ''):
        return random.SystemRandom().randrange(2 ** 32)
    try:
        return int(seed)
    except ValueError:
        raise SearchSpaceError(f'the seed must be an integer; got {seed!r}') from None
