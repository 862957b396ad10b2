"""Lists of values in SQL, of any length: SQLite takes at most 32,766 parameters in one
statement, and a list of ids in a get_all request may hold hundreds of thousands."""
import json

# Up to this many values go into a statement as parameters; more go as one JSON array.
MAX_PARAMETERS = 100


def in_values(expr, values):
    """(SQL, args) of `expr IN values`."""
    if len(values) > MAX_PARAMETERS:
        return f"{expr} IN (SELECT value FROM json_each(?))", [json.dumps(values)]
    return f"{expr} IN ({', '.join('?' for _ in values)})", list(values)


def none_missing(values, missing):
    """(SQL, args) true when no value of values is `missing`, an SQL condition on
    `wanted.value` (each value in turn)."""
    return (f"NOT EXISTS (SELECT 1 FROM json_each(?) AS wanted WHERE {missing})",
            [json.dumps(values)])
