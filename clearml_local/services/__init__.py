"""Request field helpers shared by the service modules."""
import re

from .. import errors
from ..jsonio import MAX_LONG, MIN_LONG

_TYPES = {str: "a string", bool: "a boolean", int: "an integer", list: "a list", dict: "an object",
          (int, float): "a number"}


def field(call, name, kind=str, required=True, default=None):
    """The request field name, checked to be of kind.

    Raises MissingRequiredFields when it is required and absent, FieldsTypeError when it is of
    another type.
    """
    value = call.data.get(name)
    if value is None:
        if required:
            raise errors.MissingRequiredFields(f"missing required field: {name}", fields=[name])
        return default
    # Query string values arrive as text.
    if kind is int and isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value)
    if kind is bool and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if not isinstance(value, kind) or (kind in (int, (int, float)) and isinstance(value, bool)):
        raise errors.FieldsTypeError(f"field {name} must be {_TYPES.get(kind, kind)}",
                                     field=name)
    if kind is int and not MIN_LONG <= value <= MAX_LONG:
        raise errors.ValidationError(f"field {name} is out of the 64-bit integer range",
                                     field=name)
    return value


_INTEGER = re.compile(r"[-+]?[0-9]{1,30}")


# The type of every object field a client may set, for tasks, models, projects and queues.
TEXT_FIELDS = ("name", "comment", "project", "parent", "type", "uri", "framework", "task",
               "description", "default_output_destination")
OBJECT_FIELDS = ("script", "execution", "hyperparams", "configuration", "models", "output",
                 "runtime", "container", "labels", "design", "metadata")
REQUIRED_TEXT = ("name", "type")


def object_fields(call, editable):
    """The editable fields present in the request, each checked to be of its type.

    Raises FieldsTypeError for a field of the wrong type, ValidationError for an empty name.
    """
    fields = {key: call.data[key] for key in editable if key in call.data}
    for key, value in fields.items():
        if key in TEXT_FIELDS and not (isinstance(value, str) or value is None
                                       and key not in REQUIRED_TEXT):
            raise errors.FieldsTypeError(f"field {key} must be a string", field=key)
        if key in OBJECT_FIELDS and not isinstance(value, dict):
            raise errors.FieldsTypeError(f"field {key} must be an object", field=key)
        if key in ITEM_MAPS:
            _check_items(key, value, ITEM_MAPS[key])
        if key in ("tags", "system_tags") and not (
                isinstance(value, list) and all(isinstance(t, str) for t in value)):
            raise errors.FieldsTypeError(f"field {key} must be a list of strings", field=key)
        if key == "ready" and not isinstance(value, bool):
            raise errors.FieldsTypeError("field ready must be a boolean", field=key)
        if key == "last_iteration" and (not isinstance(value, int) or isinstance(value, bool)):
            raise errors.FieldsTypeError("field last_iteration must be an integer", field=key)
    if "name" in fields and not fields["name"].strip():
        raise errors.ValidationError("name must not be empty", field="name")
    return fields


# Sections of ClearML's task schema (_tasks_common.conf): hyperparams map section → name →
# params_item, configuration maps name → configuration_item; their fields are strings.
ITEM_MAPS = {"hyperparams": 2, "configuration": 1}
ITEM_TEXT = ("section", "name", "value", "type", "description")


def _check_items(path, value, levels):
    """Raise FieldsTypeError unless value maps levels of names to items of string fields."""
    for name, inner in value.items():
        if levels > 1:
            _check_object(f"{path}.{name}", inner)
            _check_items(f"{path}.{name}", inner, levels - 1)
        else:
            check_item(f"{path}.{name}", inner)


def _check_object(path, value):
    if not isinstance(value, dict):
        raise errors.FieldsTypeError(f"field {path} must be an object", field=path)


def check_item(path, item):
    """Raise FieldsTypeError unless item is a params or configuration item: an object whose
    section, name, value, type and description are strings when present."""
    _check_object(path, item)
    for text in ITEM_TEXT:
        if item.get(text) is not None and not isinstance(item[text], str):
            raise errors.FieldsTypeError(f"field {path}.{text} must be a string",
                                         field=f"{path}.{text}")


def id_list(call, name, required=True):
    """A field that may hold one id or a list of ids, as a list of strings."""
    value = call.data.get(name)
    if value is None:
        if required:
            raise errors.MissingRequiredFields(f"missing required field: {name}", fields=[name])
        return None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise errors.FieldsTypeError(f"field {name} must be an id or a list of ids", field=name)
    return values


def only(obj, only_fields):
    """obj reduced to only_fields (dotted paths allowed); 'id' is always kept."""
    if not only_fields:
        return obj
    result = {"id": obj.get("id")}
    for path in only_fields:
        if not isinstance(path, str):
            continue
        source, target = obj, result
        keys = path.split(".")
        for key in keys[:-1]:
            if not isinstance(source, dict) or key not in source:
                break
            source = source[key]
            target = target.setdefault(key, {})
        else:
            if isinstance(source, dict) and keys[-1] in source:
                target[keys[-1]] = source[keys[-1]]
    return result


# Filters that take one value of a fixed type; the others are checked by Storage.query.
FILTER_TYPES = {"search_text": str, "search_hidden": bool, "name": str}


def query(call, table, filter_names, expand=None):
    """The objects of table that a get_all request asks for: filtered by the request's fields
    among filter_names, ordered, paged, each completed by expand (when given) and reduced to
    the request's only_fields."""
    filters = {name: call.data[name] for name in filter_names if call.data.get(name) is not None}
    for name, kind in FILTER_TYPES.items():
        if name in filters:
            field(call, name, kind)
    page, page_size = _paging(call)
    objects = call.storage.query(table, filters, field(call, "order_by", list, required=False),
                                 page, page_size)
    only_fields = field(call, "only_fields", list, required=False)
    return [only(expand(obj) if expand else obj, only_fields) for obj in objects]


def _paging(call):
    page = field(call, "page", int, required=False)
    page_size = field(call, "page_size", int, required=False)
    if page_size is None:
        page_size = field(call, "size", int, required=False)
    if page is not None and page < 0 or page_size is not None and page_size < 1:
        raise errors.ValidationError("page must be >= 0 and page_size >= 1")
    if (page or 0) * (page_size or 0) > MAX_LONG:
        raise errors.ValidationError("page * page_size is beyond the 64-bit integer range")
    if page is not None and page_size is None:
        page_size = 500
    return page, page_size
