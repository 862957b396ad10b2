"""Who is asking: the API's own credentials, as a login cookie or an Authorization header."""
import base64

from starlette.responses import RedirectResponse

from .. import errors
from ..auth import TOKEN_LIFETIME

COOKIE = "clearml_local_token"
HOME = "/projects"


def identity(request):
    """The identity behind the request's Authorization header or login cookie.

    Raises errors.Unauthorized (or a subclass) when neither holds valid credentials: the web
    UI answers exactly the clients the API answers.
    """
    credentials = request.app.state.server.credentials
    header = request.headers.get("authorization")
    if header:
        return credentials.authenticate(header)
    token = request.cookies.get(COOKIE)
    if not token:
        raise errors.Unauthorized()
    return credentials.verify(token)


def safe_next(target):
    """target when it is a path on this site, else the home page (no open redirects)."""
    if (isinstance(target, str) and target.startswith("/") and not target.startswith("//")
            and "\\" not in target):
        return target
    return HOME


async def login(request):
    """GET: the login form; POST: check the access key pair, set the token cookie, go next."""
    templates = request.app.state.templates
    form = await request.form() if request.method == "POST" else {}
    target = safe_next(form.get("next") or request.query_params.get("next"))
    if request.method == "GET":
        return templates.TemplateResponse(request, "login.html", {"next": target, "error": ""})
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
    return response


async def logout(request):
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    return response
