"""The auth.*, users.* and server.* services: who the caller is and what this server is."""
from .. import credentials
from ._request import field


def login(call):
    return {"token": call.server.credentials.login(
        call.data.get("_authorization"), field(call, "expiration_sec", int, required=False))}


def logout(call):
    return {}


def get_current_user(call):
    identity = call.identity
    return {"user": {"id": identity["user"], "name": identity["user_name"],
                     "company": {"id": identity["company"], "name": identity["company_name"]},
                     "role": identity["role"], "preferences": {}},
            "getting_started": {}, "settings": {}}


def get_all_users(call):
    identity = call.identity
    return {"users": [{"id": identity["user"], "name": identity["user_name"],
                       "company": identity["company"], "role": identity["role"]}]}


def get_preferences(call):
    return {"preferences": {}}


def get_vaults(call):
    return {"enabled": False, "vaults": [], "total": 0}


def server_info(call):
    return {"version": credentials.SERVER_VERSION, "build": "local",
            "api_version": credentials.API_VERSION,
            "uid": "clearml-local", "files_server": call.server.settings.files_url}


def ping(call):
    return {"msg": "ClearML server"}
