"""Who is asking: the API's own credentials, as a login cookie or an Authorization header."""
import re

from .. import errors

COOKIE = "clearml_local_token"
HOME = "/projects"


def identity(request):
    """The identity behind the request's Authorization header or login cookie, checked once
    per request (the pages, actions and the API calls they make all ask).

    Raises errors.Unauthorized (or a subclass) when neither holds valid credentials: the web
    UI answers exactly the clients the API answers.
    """
    known = getattr(request.state, "identity", None)
    if known is None:
        known = request.state.identity = _check(request)
    return known


def _check(request):
    credentials = request.app.state.server.credentials
    header = request.headers.get("authorization")
    if header:
        return credentials.authenticate(header)
    token = request.cookies.get(COOKIE)
    if not token:
        raise errors.Unauthorized()
    return credentials.verify(token)


def safe_next(target):
    """target when it is a path on this site, else the home page (no open redirects).

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so that
    "/<tab>/evil.example" leads to another site: like "//", control characters and backslashes
    are refused.
    """
    if (isinstance(target, str) and target.startswith("/") and not target.startswith("//")
            and not _UNSAFE.search(target)):
        return target
    return HOME


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
