"""The users.* service: the calling user and the others, as clearml-server's
apiserver/services/users.py answers (schema/services/users.conf)."""
from .. import errors
from ..storage.database import _regexp
from ..storage.query import projection
from ._request import field, id_list, only

# users.get_all's own filters (database/model/user.py: list_fields id; name as a pattern).
GET_ALL_FIELDS = ("id", "name", "only_fields", "projection")


def get_current_user(call):
    """The caller with their company as an object, as users.get_current_user answers."""
    user = call.storage.get_user(call.identity["user"])
    return {"user": {"id": user["id"], "name": user["name"], "role": call.identity["role"],
                     "company": {"id": user["company"], "name": call.identity["company_name"]},
                     "created": user["created"], "preferences": {}},
            "getting_started": {}, "settings": {"max_download_items": 1000}}


def get_by_id(call):
    return {"user": call.storage.get_user(field(call, "user"))}


def get_all(call):
    """Every user (or those of id), whose name matches name when given; 400 naming any other
    filter, which this server does not read."""
    unknown = sorted(key for key in call.data if key not in GET_ALL_FIELDS
                     and not key.startswith("_"))
    if unknown:
        raise errors.ValidationError(f"users.get_all does not support the field {unknown[0]}",
                                     field=unknown[0])
    ids = id_list(call, "id", required=False)
    pattern = field(call, "name", required=False)
    users = [user for user in call.storage.list_users(ids)
             if pattern is None or _name_matches(pattern, user["name"])]
    return {"users": [only({k: v for k, v in user.items() if k != "key_pairs"},
                           projection(call.data)) for user in users]}


def _name_matches(pattern, name):
    """Whether name matches the regular expression; InvalidRegex or ValidationError if not one
    that can be matched within a second."""
    try:
        return _regexp(pattern, name, timeout=1.0)
    except TimeoutError:
        raise errors.ValidationError(f"regular expression {pattern!r} took over 1 s to match: "
                                     "simplify it", field="name") from None


def get_preferences(call):
    return {"preferences": {}}


def get_vaults(call):
    return {"enabled": False, "vaults": [], "total": 0}
