"""The random search's space: values from lists or ranges, and distinct random draws from it."""
import math
import random


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


def space_size(space):
    """The number of distinct configurations in `space` (a dict of parameter name -> values)."""
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

    Raises SearchSpaceError if `count` is not a positive integer or exceeds the space's size.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SearchSpaceError(f"the number of experiments must be a positive integer; "
                               f"got {count!r}")
    size = space_size(space)
    if count > size:
        sizes = " x ".join(f"{len(values)} {name}" for name, values in space.items())
        raise SearchSpaceError(f"asked for {count} experiments, but the search space holds only "
                               f"{size} distinct configurations ({sizes}); ask for at most {size} "
                               f"or widen the space")
    indexes = random.Random(seed).sample(range(size), count)
    return [configuration_at(space, index) for index in indexes]


def search_space(params):
    """The space of ClearML's original: batch sizes from a list, layer sizes from
    range(start, stop, step); a dict of parameter name -> values. Raises SearchSpaceError."""
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
