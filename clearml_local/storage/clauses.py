"""The SQL of each kind of get_all filter (list, range, date, pattern, `_any_`/`_all_`, text)
and of order_by, from clearml-server's GetMixin (apiserver/database/model/base.py); and the SQL
functions that SQL calls, which Database registers on every connection."""
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .. import errors
from .lists import in_values, none_missing
from .text_search import text_match

DATE_FIELDS = ("created", "started", "completed", "last_update", "last_change",
               "status_changed")
NUMERIC_ORDER = ("hyperparams.", "last_metrics.", "metadata.")  # _field_collation_overrides
MULTI_FIELD = {"_any_": " OR ", "_or_": " OR ", "_all_": " AND ", "_and_": " AND "}


def _matches(pattern, key):
    """Wildcard patterns such as "hyperparams.*" match any key below the prefix."""
    return key == pattern or (pattern.endswith("*") and key.startswith(pattern[:-1])
                              and len(key) > len(pattern) - 1)


class Compiler:
    """The SQL (text and arguments) of one table's filters and order_by."""

    def __init__(self, table, kind, columns):
        self.table, self.kind, self.columns = table, kind, columns

    def clause(self, key, value):
        kind = self.kind
        if key in MULTI_FIELD:
            return self.multi_field(key, value)
        if key in kind.pattern:
            return self.pattern(key, value) if value else None
        for patterns, build in ((kind.lists, self.list_field), (kind.ranges, self.range_field),
                                (kind.equals, self.equals)):
            if any(_matches(p, key) for p in patterns):
                return build(key, value)
        if key in kind.dates:
            return self.dates(key, value)
        if key == "filters":
            raise errors.ValidationError(
                f"the 'filters' form of {self.table}.get_all is not supported by this server: "
                "use the field's list with __$all/__$any/__$not", field="filters")
        raise errors.ValidationError(
            f"unknown filter {key!r} for {self.table}.get_all: not supported by this server",
            field=key)

    # Field values: every field is read as a set of values, so that list fields (tags), lists
    # of objects (models.input.model) and scalars follow one rule, as in MongoDB.

    def values(self, key):
        """(FROM clause of a subquery yielding `value`, or None) and a scalar expression."""
        head, _, rest = key.partition(".")
        if head not in self.columns:
            raise errors.ValidationError(
                f"field {key!r} of {self.table} is not stored by this server", field=key)
        column = f"{self.table}.{head}"  # Qualified: json_each has columns named id, path, ...
        if not rest:
            if self.columns[head] and head in ("tags", "system_tags", "path"):
                return f"json_each({column})", None
            return None, column
        if not self.columns[head]:
            raise errors.ValidationError(f"field {head!r} of {self.table} has no sub-fields",
                                         field=key)
        if key in ("models.input.model", "models.output.model"):
            part = key.split(".")[1]
            return (f"(SELECT json_extract(value, '$.model') AS value"
                    f" FROM json_each({column}, '$.{part}'))"), None
        return None, f"json_extract({column}, {_json_path(rest, key)})"

    def list_field(self, key, value):
        """clearml-server GetMixin.get_list_field_query: OR by default, '-' and __$ operators."""
        global_and, actions, allow_empty = _list_terms(key, value)
        source, expr = self.values(key)
        parts = []
        for action, items in actions.items():
            if items:
                parts.append(_list_sql(action, items, source, expr))
        sql = (" AND " if global_and else " OR ").join(f"({s})" for s, _ in parts)
        args = [a for _, part_args in parts for a in part_args]
        if allow_empty:
            empty = (f"NOT EXISTS (SELECT 1 FROM {source} WHERE value IS NOT NULL)" if source
                     else f"{expr} IS NULL")
            sql = f"({sql}) OR {empty}" if sql else empty
        return (sql, args) if sql else None

    def range_field(self, key, value):
        """GetMixin.get_range_field_query: [min, max], both included; min None takes empties."""
        if not isinstance(value, list) or len(value) != 2:
            raise errors.ValidationError(
                f"Min and max values should be specified for range field {key}", field=key)
        low, high = value
        if low is None and high is None:
            raise errors.ValidationError(
                f"At least one of min or max values should be provided for field {key}",
                field=key)
        _, expr = self.values(key)
        clauses, args = [], []
        for bound, operator, up in ((low, ">=", True), (high, "<=", False)):
            if bound is not None:
                clauses.append(f"{expr} {operator} ?")
                args.append(self.range_value(key, bound, up))
        sql = " AND ".join(clauses)
        if low is None:
            sql = f"({sql}) OR {expr} IS NULL"
        return sql, args

    def range_value(self, key, bound, up):
        if key in DATE_FIELDS:
            return _stamp(parse_date(key, bound), up)
        if isinstance(bound, str):  # base.py _try_convert_to_numeric, for last_metrics.*
            try:
                return float(bound)
            except ValueError:
                pass
        if isinstance(bound, bool) or not isinstance(bound, (int, float, str)):
            raise errors.FieldsValueError(f"invalid bound {bound!r} for {key}", field=key)
        return bound

    def dates(self, key, value):
        """GetMixin._get_dates_query: "[>=|>|<=|<]date" conditions, or a [from, to] range."""
        value = value if isinstance(value, list) else [value]
        if len(value) == 2 and not any(isinstance(v, str) and v.startswith(("<", ">"))
                                       for v in value):
            return self.range_field(key, value)
        _, expr = self.values(key)
        clauses, args = [], []
        for item in value:
            if not isinstance(item, str):
                raise errors.FieldsValueError(f"{key} conditions must be strings", field=key)
            operator = re.match(r"(>=|>|<=|<)?", item).group(0)
            moment = parse_date(key, item[len(operator):])
            if operator:
                clauses.append(f"{expr} {operator} ?")
                args.append(_stamp(moment, up=operator in (">=", "<")))
            else:
                clauses.append(f"{expr} = ?")
                args.append(_stamp(moment, exact=True))
        return " AND ".join(clauses), args

    def equals(self, key, value):
        """Plain equality fields (runtime.* of tasks, ready of models)."""
        if isinstance(value, (list, dict)):
            raise errors.FieldsValueError(f"{key} takes a single value", field=key)
        if key == "ready":
            if not isinstance(value, bool):
                raise errors.FieldsTypeError("ready must be a boolean", field=key)
            value = int(value)
        _, expr = self.values(key)
        return f"{expr} = ?", [value]

    def pattern(self, key, value):
        """Pattern fields: a case-sensitive regular expression search (base.py RegexWrapper)."""
        if not isinstance(value, str):
            raise errors.FieldsTypeError(f"{key} must be a string (a regular expression)",
                                         field=key)
        compile_pattern(value, 0)
        _, expr = self.values(key)
        return f"REGEXP(?, {expr})", [value]

    def multi_field(self, key, value):
        """`_any_`/`_all_` (and `_or_`/`_and_`): {fields, pattern} or {fields, datetime}."""
        if not isinstance(value, dict) or set(value) - {"fields", "pattern", "datetime"} \
                or ("pattern" in value) == ("datetime" in value) \
                or not isinstance(value.get("fields"), list) \
                or not all(isinstance(f, str) for f in value["fields"]):
            raise errors.ValidationError(
                f"{key} must be {{fields: [...], pattern: ...}} or "
                "{fields: [...], datetime: ...}", field=key)
        if not value["fields"]:
            return None
        if "datetime" in value:
            not_dates = [f for f in value["fields"] if f not in self.kind.dates]
            if not_dates:
                raise errors.ValidationError(
                    f"{key}: {not_dates} are not date fields of {self.table}", field=key)
            parts = [self.dates(f, value["datetime"]) for f in value["fields"]]
        else:
            if not isinstance(value["pattern"], str):
                raise errors.FieldsTypeError(f"{key}.pattern must be a string", field=key)
            compile_pattern(value["pattern"], re.IGNORECASE)
            parts = [self.any_value(f, value["pattern"]) for f in value["fields"]]
        return (MULTI_FIELD[key].join(f"({sql})" for sql, _ in parts),
                [a for _, args in parts for a in args])

    def any_value(self, key, pattern):
        """Some text value of the field (an element, for lists) matches pattern, ignoring case;
        as in MongoDB, numbers and objects never match a regular expression."""
        source, expr = self.values(key)
        if source is not None:
            text = "type = 'text'" if source.startswith("json_each") else "typeof(value) = 'text'"
            return f"EXISTS (SELECT 1 FROM {source} WHERE {text} AND IREGEXP(?, value))", [pattern]
        head, _, rest = key.partition(".")
        if not rest:
            return f"typeof({expr}) = 'text' AND IREGEXP(?, {expr})", [pattern]
        column, path = f"{self.table}.{head}", _json_path(rest, key)
        return (f"json_type({column}, {path}) IN ('text', 'array') AND EXISTS (SELECT 1 FROM"
                f" json_each({column}, {path}) WHERE type = 'text' AND IREGEXP(?, value))",
                [pattern])

    def text_search(self, text):
        """search_text as MongoDB's text index reads it: any of the words, all "phrases"."""
        if not isinstance(text, str):
            raise errors.FieldsTypeError("search_text must be a string", field="search_text")
        if not self.kind.text:
            raise errors.ValidationError(f"{self.table}.get_all has no text search",
                                         field="search_text")
        fields = []
        for key in self.kind.text:
            if key.partition(".")[0] in self.columns:
                source, expr = self.values(key)
                fields.append(expr or f"(SELECT group_concat(value, ' ') FROM {source})")
        return f"TEXT_MATCH(?, {', '.join(fields)})", [text]

    def order(self, order_by):
        """ORDER BY of order_by (base.py validate_order_by): empties last, then id."""
        if order_by is None:
            return (f"{self.table}.created, {self.table}.rowid" if "created" in self.columns
                    else f"{self.table}.rowid"), []
        order_by = order_by if isinstance(order_by, list) else [order_by]
        if not all(isinstance(k, str) and k.lstrip("-+") for k in order_by):
            raise errors.FieldsTypeError("order_by must be a list of field names",
                                         field="order_by")
        parts = []
        for index, key in enumerate(order_by):
            name = key.lstrip("-+")
            if name == "@text_score":
                raise errors.ValidationError("ordering by @text_score is not supported",
                                             field="order_by")
            if name.startswith("execution.parameters."):
                name = "hyperparams.Args." + name[len("execution.parameters."):]
            source, expr = self.values(name)
            expr = expr or f"{self.table}.{name.partition('.')[0]}"
            if name.startswith(NUMERIC_ORDER):
                expr = f"SORTKEY({expr})"
            if index == 0:
                parts.append(f"({expr} IS NULL OR {expr} IN ('', '[]'))")
            parts.append(f"{expr} {'DESC' if key.startswith('-') else 'ASC'}")
        if not {"id", "-id", "+id"} & set(order_by):
            parts.append(f"{self.table}.id")
        return ", ".join(parts), []


def _json_path(rest, key):
    """A JSON path literal for SQLite from the dotted keys rest (of the field path key), each
    unescaped as clearml-server escapes them; a key with a double quote cannot be addressed
    and is refused, naming the whole path."""
    keys = [_unescape(part) for part in rest.split(".")]
    if any('"' in k or not k for k in keys):
        raise errors.ValidationError(f"invalid field path {key!r}", field=key)
    return "'$" + "".join('."' + k.replace("'", "''") + '"' for k in keys) + "'"


def _unescape(key):
    """utilities/parameter_key_escaper.py: '%2E' is '.', '%24' is '$', '%%' is '%'."""
    return "%".join(part.replace("%2E", ".").replace("%24", "$").replace("%_%_", "__")
                    for part in key.split("%%"))


def _list_terms(key, value):
    """(AND between groups?, {"in"|"all"|"nin": values}, None present?) of a list filter.

    apiserver/database/model/base.py NewListFieldBucketHelper: plain values are OR'ed ("in");
    "__$all"/"__$and" switch to AND ("all") and "__$any"/"__$or" back to OR for what follows;
    the first operator also decides how the groups combine (AND when a value comes first);
    "__$not" excludes the next value, as does a leading "-" until an operator is seen;
    "__$nop" resets; None also matches empty or missing values.
    """
    values = value if isinstance(value, list) else [value]
    context_and, global_and, legacy, negate = False, None, True, False
    # Each an ordered set: a value given twice is looked for once (and 260,000 ids stay fast).
    actions, allow_empty = {"in": {}, "all": {}, "nin": {}}, False
    for item in values:
        if item is not None and not isinstance(item, str):
            raise errors.FieldsValueError(f"invalid value type in {key}, string expected",
                                          field=key, value=str(item))
        if item == "__$nop":
            context_and, legacy, negate = False, True, False
            global_and = True if global_and is None else global_and
            continue
        if isinstance(item, str) and item.startswith("__$") and negate:
            raise errors.FieldsValueError(f"{key}: a value is expected after __$not", field=key)
        if item == "__$not":
            negate = True
            continue
        if isinstance(item, str) and item.startswith("__$"):
            if item not in ("__$all", "__$and", "__$any", "__$or"):
                raise errors.FieldsValueError(
                    f"unsupported operator {item!r} in {key}", field=key, operator=item)
            context_and, legacy = item in ("__$all", "__$and"), False
            global_and = context_and if global_and is None else global_and
            continue
        global_and = True if global_and is None else global_and
        if item is None:
            allow_empty, negate = True, False
            continue
        include = not negate
        if legacy and not negate and item.startswith("-"):
            item, include = item[1:], False
            if not item:
                raise errors.FieldsValueError(f"missing value after '-' in {key}", field=key)
        negate = False
        action = "nin" if not include else ("all" if context_and else "in")
        actions[action][item] = None
    if negate:
        raise errors.FieldsValueError(f"{key}: a value is expected after __$not", field=key)
    return (global_and is not False, {action: list(items) for action, items in actions.items()},
            allow_empty)


def _list_sql(action, items, source, expr):
    if action == "all":  # Every value among the field's (a scalar holds one: equal to each).
        return none_missing(items, f"wanted.value IS NOT {expr}" if source is None
                            else f"wanted.value NOT IN (SELECT value FROM {source})")
    if source is None:  # A scalar: MongoDB's $nin also matches a missing value.
        listed, args = in_values(expr, items)
        return (listed if action == "in" else f"{expr} IS NULL OR NOT ({listed})"), args
    listed, args = in_values("value", items)
    test = f"EXISTS (SELECT 1 FROM {source} WHERE {listed})"
    return (test if action == "in" else f"NOT {test}"), args


def parse_date(key, text):
    """The UTC moment a request's date text names (field key); FieldsValueError otherwise."""
    if not isinstance(text, str):
        raise errors.FieldsValueError(f"{key}: a date must be a string", field=key)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise errors.FieldsValueError(f"{key}: cannot read {text!r} as a date", field=key,
                                      value=text) from None
    if moment.tzinfo is None:  # ClearML Server reads dates without a zone as UTC.
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _stamp(moment, up=False, exact=False):
    """moment in the stored form (UTC, milliseconds); sub-millisecond parts rounded up or down
    so that comparing with stored times gives the answer exact times would."""
    rest = moment.microsecond % 1000
    if rest and exact:
        return moment.isoformat(timespec="microseconds")
    if rest and up:
        moment += timedelta(microseconds=1000 - rest)
    return moment.isoformat(timespec="milliseconds")


@lru_cache(maxsize=256)
def compile_pattern(pattern, flags):
    """A compiled regular expression; InvalidRegex (400) when pattern is malformed."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise errors.InvalidRegex(f"malformed regular expression {pattern!r}: {exc}") from None


def sortkey(value):
    """Numbers (and numeric strings) before other text, in numeric order (ICU numericOrdering)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


# name: (number of arguments, function); REGEXP and IREGEXP are Database's, bounded in time.
SQL_FUNCTIONS = {"SORTKEY": (1, sortkey), "TEXT_MATCH": (-1, text_match)}
