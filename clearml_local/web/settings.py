"""Settings: the logged-in user's key pairs, made and revoked as in ClearML's web UI
(Settings → Workspace → Create new credentials), with the clearml.conf a new one goes in."""
from .. import errors
from ..settings import api_section, client_environment
from . import csrf, dispatch, render, session

MAX_LABEL = 255
# A page that shows a secret is kept by no cache and no history.
NO_STORE = {"Cache-Control": "no-store"}


def settings_page(server, identity, created=None, problem=""):
    """The user, their key pairs (never a secret), and the pair just created, if any: its
    secret and clearml.conf, shown this once."""
    keys = server.storage.keys_of(identity["user"])
    for key in keys:
        key["server"] = key["access_key"] == server.credentials.access_key
    environment = client_environment(server.settings, server.credentials)
    return {"title": "Settings",
            "user": {"id": identity["user"], "name": identity["user_name"],
                     "role": identity["role"]},
            "credentials": keys, "created": created, "error": problem,
            "urls": {"api": environment["CLEARML_API_HOST"],
                     "web": environment["CLEARML_WEB_HOST"],
                     "files": environment["CLEARML_FILES_HOST"]}}


def _respond(request, answer):
    """The page (its dict, a render.Shown or a render.Done), kept by no cache."""
    response = render.respond(request, "settings.html", answer)
    response.headers.update(NO_STORE)
    return response


def _page(request, created=None, problem=""):
    server = request.app.state.server
    return server.storage.run("web /settings", settings_page, server, session.identity(request),
                              created, problem)


def show(request):
    """GET: the settings page (or its JSON twin)."""
    request.state.json = request.url.path.endswith(".json")
    return _respond(request, _page(request))


def create(request):
    """POST: new credentials through auth.create_credentials; the answer shows the secret."""
    request.state.json = request.url.path.endswith(".json")
    form = dispatch.form(request)
    csrf.check(request, form)
    label = str(form.get("label") or "").strip() or None
    if label and len(label) > MAX_LABEL:
        return _respond(request, render.Shown(_page(
            request, problem=f"A label has {MAX_LABEL} characters at most.")))
    made = dispatch.call(request, "auth.create_credentials", label=label)["credentials"]
    server = request.app.state.server
    made["conf"] = api_section(client_environment(server.settings, server.credentials),
                               made["access_key"], made["secret_key"])
    return _respond(request, _page(request, created=made))


def revoke(request):
    """POST: revoke one of the user's key pairs through auth.revoke_credentials."""
    request.state.json = request.url.path.endswith(".json")
    form = dispatch.form(request)
    csrf.check(request, form)
    access_key = request.path_params["access_key"]
    try:
        result = dispatch.call(request, "auth.revoke_credentials", access_key=access_key)
    except errors.Unauthorized:
        raise
    except errors.APIError as exc:
        return _respond(request, render.Done({"revoked": 0, "error": exc.message}, "/settings",
                                             exc.message, "error"))
    return _respond(request, render.Done(result, "/settings", f"Revoked {access_key}: it and "
                                         "its logins no longer work."))
