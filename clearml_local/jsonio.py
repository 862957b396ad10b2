"""Strict JSON in and out: the limits every request body keeps, and answers without NaN."""
import json
import math

from starlette.responses import JSONResponse

from . import errors

# MongoDB, ClearML Server's store, refuses documents nested deeper than 100 levels.
MAX_DEPTH = 100
# ClearML Server keeps integers as MongoDB / Elasticsearch longs (event_bll.py: MAX_LONG).
MAX_LONG, MIN_LONG = 2**63 - 1, -(2**63)


def loads(text, allow_nonfinite=False):
    """Parse text, then check it with check(); BadRequest when it is not valid JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.BadRequest(f"invalid JSON in request body: {exc}") from None
    except RecursionError:
        raise errors.BadRequest(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    check(data, allow_nonfinite)
    return data


def check(data, allow_nonfinite=False):
    """Raise BadRequest, naming the place, for what no endpoint stores: nesting deeper than
    MAX_DEPTH, integers beyond 64 bits and (unless allowed) NaN, Infinity or a float out of
    range."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise errors.BadRequest(f"JSON nested deeper than {MAX_DEPTH} levels at {path}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1, f"{path}.{k}" if path else k) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif isinstance(value, int) and not MIN_LONG <= value <= MAX_LONG:
            raise errors.BadRequest(f"integer out of the 64-bit range at {path or 'body'}")
        elif isinstance(value, float) and not allow_nonfinite and not math.isfinite(value):
            raise errors.BadRequest(f"number at {path or 'body'} is NaN, Infinity or beyond "
                                    "±1.8e308: JSON numbers must be finite")


def finite(value):
    """value with every NaN and Infinity replaced by None (JSON null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def dumps(content, **options):
    """Strict JSON text: NaN or Infinity stored before they were refused read as null."""
    options = {"ensure_ascii": False, "separators": (",", ":"), **options, "allow_nan": False}
    try:
        return json.dumps(content, **options)
    except ValueError:
        return json.dumps(finite(content), **options)


class StrictJSONResponse(JSONResponse):
    """A JSON answer that is always strict JSON."""

    def render(self, content):
        return dumps(content).encode("utf-8")
