"""Cross-site request forgery protection: a token per login session in every changing form."""
import hashlib
import hmac

from .auth import COOKIE

FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CrossSiteRequest(Exception):
    """A state-changing request without this session's token (or from another site)."""


def token(request):
    """This session's token: a keyed hash of its login cookie, so each login gets a new one."""
    session = request.cookies.get(COOKIE, "")
    key = request.app.state.server.credentials.signing_key.encode()
    return hmac.new(key, b"csrf\0" + session.encode(), hashlib.sha256).hexdigest()


def check(request, form):
    """Raise CrossSiteRequest unless the form (or header) carries this session's token.

    Clients that send an Authorization header need no token: another site's page cannot
    make a browser send one. A browser's request from another origin is refused outright.
    """
    if request.headers.get("authorization") and not request.cookies.get(COOKIE):
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != _own_origin(request):
        raise CrossSiteRequest(f"a request from {origin} cannot change anything here")
    given = form.get(FIELD) or request.headers.get(HEADER) or ""
    if not (request.cookies.get(COOKIE) and hmac.compare_digest(str(given), token(request))):
        raise CrossSiteRequest("this form has expired or did not come from this site: "
                               "reload the page and try again")


def _own_origin(request):
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
