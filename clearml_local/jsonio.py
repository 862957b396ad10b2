"""Strict JSON in and out: the limits every request body keeps, and answers without NaN."""
import json
import math
import re

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


class Lines:
    """The JSON lines of a body (or one JSON array), parsed and checked with loads() while
    they are iterated, as lists of about `piece` bytes of values: what a large body holds is
    never all parsed at once. Iterable again from the start."""

    def __init__(self, raw, allow_nonfinite=False, piece=1024 * 1024):
        self.raw, self.allow_nonfinite, self.piece = raw, allow_nonfinite, piece

    def __iter__(self):
        if ARRAY.match(self.raw):
            values = loads(self.raw.decode("utf-8", errors="replace"), self.allow_nonfinite)
            step = max(1, len(values) * self.piece // len(self.raw))
            yield from (values[start:start + step] for start in range(0, len(values), step))
            return
        values, size = [], 0
        for line in self._lines():
            values.append(loads(line.decode("utf-8", errors="replace"), self.allow_nonfinite))
            size += len(line)
            if size >= self.piece:
                yield values
                values, size = [], 0
        if values:
            yield values

    def _lines(self):
        """The body's lines that hold more than white space (split at newlines only: JSON
        strings may hold the other line separators Unicode knows)."""
        raw, start = self.raw, 0
        while start < len(raw):
            end = raw.find(b"\n", start)
            end = len(raw) if end < 0 else end
            line = raw[start:end]
            if line.strip():
                yield line
            start = end + 1


# A body that is one JSON array: white space, then "[".
ARRAY = re.compile(rb"\s*\[")


def check(data, allow_nonfinite=False):
    """Raise BadRequest, naming the place, for what no endpoint stores: nesting deeper than
    MAX_DEPTH, integers beyond 64 bits and (unless allowed) NaN, Infinity or a float out of
    range."""
    if _fine(data, 1, allow_nonfinite):
        return
    path, problem = _problem(data, allow_nonfinite, _join)
    path = path if not path or len(path) < 80 else path[:76] + "..."
    raise errors.BadRequest(f"{problem} at {path or 'body'}" + (
        ": JSON numbers must be finite" if "NaN" in problem else ""))


def _join(path, key):
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key


def _problem(data, allow_nonfinite, join):
    """(path, problem) of the first value check() refuses, or None; join builds paths (the
    first pass skips them, for speed)."""
    stack = [(data, 1, None)]
    while stack:
        value, depth, path = stack.pop()
        kind = type(value)
        if kind is str:
            if not _is_unicode(value):
                return path, "string holds a lone surrogate, which is not Unicode"
            continue
        if kind is bool or value is None:
            continue
        if depth > MAX_DEPTH:
            return path, f"JSON nested deeper than {MAX_DEPTH} levels"
        if kind is dict:
            if not all(_is_unicode(key) for key in value):
                return path, "a key holds a lone surrogate, which is not Unicode"
            stack.extend((v, depth + 1, join(path, k)) for k, v in value.items())
        elif kind is list:
            stack.extend((v, depth + 1, join(path, i)) for i, v in enumerate(value))
        elif kind is int and not MIN_LONG <= value <= MAX_LONG:
            return path, "integer out of the 64-bit range"
        elif kind is float and not allow_nonfinite and not math.isfinite(value):
            return path, "number is NaN, Infinity or beyond ±1.8e308"
    return None


def _fine(value, depth, allow_nonfinite):
    """Whether _problem finds nothing in value: the same rules, checked without its stack and
    paths (every event of a batch passes here)."""
    kind = type(value)
    if kind is str:
        return value.isascii() or _is_unicode(value)
    if kind is bool or value is None:
        return True
    if depth > MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if not (key.isascii() or _is_unicode(key)) or not _fine(item, depth + 1,
                                                                    allow_nonfinite):
                return False
        return True
    if kind is list:
        for item in value:
            if not _fine(item, depth + 1, allow_nonfinite):
                return False
        return True
    if kind is int:
        return MIN_LONG <= value <= MAX_LONG
    if kind is float:
        return allow_nonfinite or math.isfinite(value)
    return True


def _is_unicode(text):
    """Whether text can be stored and answered as UTF-8 (JSON's \\ud800 escapes cannot)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
