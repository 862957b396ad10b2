"""Reading requests, shared by the service modules: typed fields, ids, only_fields, get_all."""
import re

from .. import errors
from ..jsonio import MAX_LONG, MIN_LONG
from ..storage.query import paging, projection

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
    """obj reduced to only_fields (dotted paths allowed); 'id' is always kept. A leading '-'
    leaves a field out instead (clearml-server base.py split_projection)."""
    if not only_fields:
        return obj
    includes = [path for path in only_fields if not path.startswith("-")]
    result = _pick(obj, includes) if includes else obj
    for path in only_fields:
        if path.startswith("-") and path != "-id":
            result = _drop(result, path[1:].split("."))
    return result


def _pick(obj, paths):
    result = {"id": obj.get("id")}
    for path in paths:
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


def _drop(obj, keys):
    """A copy of obj without the field at keys; obj itself is left as it is."""
    if not isinstance(obj, dict) or keys[0] not in obj:
        return obj
    rest = {k: v for k, v in obj.items() if k != keys[0]}
    if len(keys) > 1:
        rest[keys[0]] = _drop(obj[keys[0]], keys[1:])
    return rest


def get_all(call, table, expand=None):
    """The answer to table's get_all: the objects the request asks for (storage/query.py reads
    its filters, order and paging), each completed by expand when given and reduced to the
    request's only_fields, and the scroll_id when the request scrolls (call.server.scrolls)."""
    offset, limit = paging(call.data)
    answer = {}
    if "scroll_id" in call.data:
        offset, limit, answer["scroll_id"] = call.server.scrolls.start(call.data)
    elif "size" in call.data or "refresh_scroll" in call.data:
        raise errors.ValidationError("size and refresh_scroll are read only with scroll_id",
                                     field="size")
    only_fields = projection(call.data)
    objects = call.storage.get_all(table, call.data, offset, limit)
    if "scroll_id" in answer:
        call.server.scrolls.advance(answer["scroll_id"], offset + len(objects))
    answer[table] = [only(expand(obj) if expand else obj, only_fields) for obj in objects]
    return answer
