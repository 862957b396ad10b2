"""Compile a ClearML get_all request into one parameterised SQLite WHERE and ORDER BY.

The rules are clearml-server's (`apiserver/database/model/base.py` GetMixin: pattern, list,
range, datetime and equality fields, `_any_`/`_all_`; `apiserver/services/*.py` get_all: hidden
objects, `include_subprojects`). Where ClearML Server silently drops what it cannot use (an
unparsable date, a non-date field in a datetime `_any_`, an unknown key) this module answers 400
naming it instead: never an answer that looks right and isn't. The SQL of each kind of filter is
clauses.py's.
"""
import re
from dataclasses import dataclass

from .. import errors
from ..jsonio import MAX_LONG
from .clauses import Compiler

# Keys of a get_all request that are not filters; paging and projection are read by paging().
COMMON_OPTIONS = ("only_fields", "projection", "order_by", "page", "page_size", "size",
                  "scroll_id", "refresh_scroll", "search_text", "allow_public")
MAX_PAGE_SIZE = 500  # clearml-server config/default/services/_mongo.conf max_page_size



@dataclass(frozen=True)
class Kind:
    """How one table's get_all reads its filter keys (clearml-server get_all_query_options)."""

    pattern: tuple = ("name",)
    lists: tuple = ("id", "tags", "system_tags")
    ranges: tuple = ()
    dates: tuple = ()
    equals: tuple = ()
    options: tuple = ()
    hidden_tags: tuple = ()
    text: tuple = ()
    # Keys the SDK sends that ClearML Server does not read; answered as it answers them.
    ignored: tuple = ()


KINDS = {
    # database/model/task/task.py; services/tasks.py (_hidden_query, process_include_subprojects)
    "tasks": Kind(
        pattern=("name", "comment", "report"),
        lists=("id", "user", "tags", "system_tags", "type", "status", "project", "parent",
               "hyperparams.*", "execution.queue", "models.input.model"),
        ranges=("created", "started", "active_duration", "last_metrics.*", "last_iteration"),
        dates=("status_changed", "last_update", "last_change"),
        equals=("runtime.*",), options=("search_hidden", "include_subprojects"),
        hidden_tags=("hidden",),
        text=("name", "id", "comment", "report", "models.input.model", "models.output.model",
              "script.repository", "script.entry_point"),
        # PipelineController.get sends pipeline_project and DatasetTrigger sends task_types;
        # clearml-server reads neither (not in get_all_query_options), so neither narrows.
        ignored=("pipeline_project", "task_types")),
    # database/model/model.py; services/models.py get_all
    "models": Kind(
        pattern=("name", "comment"),
        lists=("tags", "system_tags", "framework", "uri", "id", "user", "project", "task",
               "parent", "metadata.*"),
        ranges=("created", "last_metrics.*", "last_iteration"),
        dates=("last_update", "last_change"), equals=("ready",),
        options=("include_subprojects",),
        text=("name", "id", "comment", "parent", "task", "project")),
    # database/model/project.py; services/projects.py get_all (_adjust_search_parameters)
    "projects": Kind(
        pattern=("name", "basename", "description"),
        lists=("tags", "system_tags", "id", "parent", "path"), ranges=("last_update",),
        options=("search_hidden", "shallow_search"), hidden_tags=("hidden",),
        text=("name", "id", "description")),
    # database/model/queue.py; services/queues.py (_hidden_query, config queues.hidden_tags)
    "queues": Kind(options=("search_hidden", "max_task_entries"), hidden_tags=("k8s-glue",),
                   lists=("tags", "system_tags", "id", "metadata.*")),
}


@dataclass
class Query:
    where: str
    args: list
    order: str


def compile_query(table, request, columns, descendants=None):
    """The WHERE and ORDER BY of table's get_all request.

    columns maps each column of table to True when it holds JSON. descendants(ids) gives the ids
    of all projects under the given ones (for include_subprojects and projects' parent).
    Raises ValidationError naming an unknown key or a field this server does not store,
    FieldsValueError for an unknown operator or an unreadable value, InvalidRegex for a bad
    pattern.
    """
    if not isinstance(request, dict):
        raise errors.FieldsTypeError("a get_all request must be an object")
    kind = KINDS[table]
    compiler = Compiler(table, kind, columns)
    request = _adjust(table, kind, request, descendants)
    clauses = [compiler.clause(key, value) for key, value in request.items()
               if value is not None and key not in COMMON_OPTIONS + kind.options + kind.ignored]
    clauses += _hidden(table, kind, request)
    if request.get("search_text") is not None:
        clauses.append(compiler.text_search(request["search_text"]))
    clauses = [c for c in clauses if c]
    args = [arg for _, clause_args in clauses for arg in clause_args]
    where = " AND ".join(f"({sql})" for sql, _ in clauses) or "1"
    order, order_args = compiler.order(request.get("order_by"))
    return Query(where, args + order_args, order)


def paging(request, max_page_size=MAX_PAGE_SIZE):
    """(offset, limit) of a get_all request, as clearml-server's GetMixin.validate_paging.

    Without page_size at most max_page_size objects come back, and page_size is capped by it.
    """
    page = _integer(request, "page", 0)
    page_size = _integer(request, "page_size", None)
    if page < 0:
        raise errors.ValidationError("page must be >= 0", field="page")
    if page_size is not None and page_size < 1:
        raise errors.ValidationError("page_size must be > 0", field="page_size")
    size = min(page_size or max_page_size, max_page_size)
    if page * size > MAX_LONG:
        raise errors.ValidationError("page * page_size is beyond the 64-bit integer range",
                                     field="page")
    return page * size, size


def projection(request):
    """The request's only_fields (or projection) as a list of dotted paths, or None."""
    value = request.get("projection") or request.get("only_fields")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.FieldsTypeError("only_fields must be a list of field names",
                                     field="only_fields")
    return value


def _integer(request, key, default):
    value = request.get(key)
    if value is None:
        return default
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise errors.FieldsTypeError(f"{key} must be an integer", field=key)
    return value


def flag(request, key):
    """A boolean option of the request (JSON booleans, or "true"/"false" from a query string)."""
    value = request.get(key)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if value is not None and not isinstance(value, bool):
        raise errors.FieldsTypeError(f"{key} must be a boolean", field=key)
    return bool(value)


def _adjust(table, kind, request, descendants):
    """The request as clearml-server rewrites it before building its query."""
    request = {key: value for key, value in request.items() if value is not None}
    for key in list(request):
        if key.startswith("execution.parameters."):  # bll/task/param_utils.py escape_paths
            request["hyperparams.Args." + key[len("execution.parameters."):]] = request.pop(key)
    if "include_subprojects" in kind.options and flag(request, "include_subprojects") \
            and request.get("project"):
        ids = request["project"] if isinstance(request["project"], list) else [request["project"]]
        plain = [i for i in ids if isinstance(i, str) and not i.startswith(("-", "__$"))]
        request["project"] = list(dict.fromkeys(ids + descendants(plain)))
    if table == "projects":
        if "path" in request:
            raise errors.ValidationError(
                "path is not a filter of projects.get_all: use parent", field="path")
        if not flag(request, "shallow_search"):
            if "parent" in request:  # Any project below parent, at any depth.
                request["path"] = request.pop("parent")
        elif "parent" not in request:
            request["parent"] = [None]
    return request


def _hidden(table, kind, request):
    """Hidden objects only on request or when asked for by id (services/*.py _hidden_query)."""
    if not kind.hidden_tags or flag(request, "search_hidden") or request.get("id"):
        return []
    if kind is KINDS["queues"] and request.get("name"):
        return []
    marks = ", ".join("?" for _ in kind.hidden_tags)
    return [(f"NOT EXISTS (SELECT 1 FROM json_each({table}.system_tags)"
             f" WHERE value IN ({marks}))",
             list(kind.hidden_tags))]


def json_columns(db, table, json_fields):
    """{column: holds JSON} of a table."""
    return {row[1]: row[1] in json_fields
            for row in db.execute(f"PRAGMA table_info({table})")}

