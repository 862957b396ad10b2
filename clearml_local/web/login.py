"""Logging in and out of the web UI: a name and password or a key pair in a form, a token in
a cookie; logging out ends the token's session."""
import base64

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from .. import errors
from ..api import client_of
from ..credentials import TOKEN_LIFETIME
from . import csrf, session
from .session import COOKIE, safe_next


async def login(request):
    """GET: the login form; POST: check the access key pair, set the token cookie, go next.

    A POST another site sends is refused (login CSRF: it would log the user in as someone else).
    """
    templates = request.app.state.templates
    if request.method == "GET":
        target = safe_next(request.query_params.get("next"))
        return templates.TemplateResponse(request, "login.html", {"next": target, "error": ""})
    csrf.check_origin(request)
    form = await request.form()
    target = safe_next(form.get("next") or request.query_params.get("next"))
    pair = f"{form.get('access_key', '').strip()}:{form.get('secret_key', '').strip()}"
    try:
        token = await run_in_threadpool(  # It reads and writes the database.
            request.app.state.server.credentials.login,
            "Basic " + base64.b64encode(pair.encode()).decode(), None, client_of(request))
    except errors.Unauthorized:
        return templates.TemplateResponse(
            request, "login.html", {"next": target, "error":
                                    "Wrong name and password, or access key and secret key."},
            status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=TOKEN_LIFETIME, httponly=True, samesite="lax")
    csrf.new_session(request)
    return csrf.keep(request, response)


async def logout(request):
    """POST with this session's token: forget the login cookie and the form token."""
    if request.cookies.get(COOKIE):
        csrf.check(request, await request.form())
        await run_in_threadpool(_end_session, request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    csrf.forget(response)
    return response


def _end_session(request):
    """Revoke the login's token, as the API's auth.logout does; an ended one is ended."""
    try:
        identity = session.identity(request)
    except errors.Unauthorized:
        return
    request.app.state.server.credentials.end_session(identity.get("session"))
