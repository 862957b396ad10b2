"""Logging in and out of the web UI: the API's key pair in a form, a token in a cookie."""
import base64

from starlette.responses import RedirectResponse

from .. import errors
from ..credentials import TOKEN_LIFETIME
from . import csrf
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
        token = request.app.state.server.credentials.login(
            "Basic " + base64.b64encode(pair.encode()).decode())
    except errors.Unauthorized:
        return templates.TemplateResponse(
            request, "login.html", {"next": target, "error": "Wrong access key or secret key."},
            status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=TOKEN_LIFETIME, httponly=True, samesite="lax")
    csrf.new_session(request)
    return csrf.keep(request, response)


async def logout(request):
    """POST with this session's token: forget the login cookie and the form token."""
    if request.cookies.get(COOKIE):
        csrf.check(request, await request.form())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    csrf.forget(response)
    return response
