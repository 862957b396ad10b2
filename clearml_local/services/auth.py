"""The auth.* and server.* services: logging in and out, the caller's key pairs, this server.

Key pairs as clearml-server's apiserver/services/auth.py answers for them: the secret only in
create_credentials' answer, get_credentials without it, and the calling user's keys only.
"""
from .. import credentials, errors
from ._request import field


def login(call):
    return {"token": call.server.credentials.login(
        call.data.get("_authorization"), field(call, "expiration_sec", int, required=False),
        call.data.get("_client", ""))}


def logout(call):
    """Revoke this login's token, as ClearML Server's auth.logout does (revoke_auth_token)."""
    call.server.credentials.end_session(call.identity.get("session"))
    return {}


def create_credentials(call):
    label = field(call, "label", required=False)
    return {"credentials": call.server.credentials.create_key(call.identity["user"], label)}


def get_credentials(call):
    keys = call.storage.keys_of(call.identity["user"])
    return {"credentials": [{name: key[name] for name in (
        "access_key", "label", "last_used", "last_used_from")} for key in keys]}


def edit_credentials(call):
    access_key = field(call, "access_key")
    updated = call.storage.label_key(call.identity["user"], access_key,
                                     field(call, "label", required=False))
    if not updated:
        raise errors.InvalidAccessKey("invalid user or invalid access key",
                                      access_key=access_key)
    return {"updated": updated}


def revoke_credentials(call):
    """Delete one of the caller's key pairs; the tokens logged in with it stop working."""
    access_key = field(call, "access_key")
    revoked = call.server.credentials.revoke_key(call.identity["user"], access_key)
    if not revoked:
        raise errors.InvalidUser("invalid user or invalid access key", access_key=access_key)
    return {"revoked": revoked}


def server_info(call):
    return {"version": credentials.SERVER_VERSION, "build": "local",
            "api_version": credentials.API_VERSION,
            "uid": "clearml-local", "files_server": call.server.settings.files_url}


def ping(call):
    return {"msg": "ClearML server"}
