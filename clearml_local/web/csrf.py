"""Cross-site request forgery protection: a random token per login session in every changing
form, and the login form itself refused from other sites."""
import hashlib
import hmac
import secrets

from ..credentials import TOKEN_LIFETIME
from .session import COOKIE

FIELD = "csrf_token"
HEADER = "x-csrf-token"
# A random value drawn at each login: two logins never share a form token, even when the
# server signs the same login token for both (same keys, same second).
NONCE_COOKIE = "clearml_local_csrf"


class CrossSiteRequest(Exception):
    """A state-changing request without this session's token (or from another site)."""


def _nonce(request):
    return getattr(request.state, "csrf_nonce", None) or request.cookies.get(NONCE_COOKIE, "")


def token(request):
    """This session's token: a keyed hash of its login cookie and its random nonce."""
    session, nonce = request.cookies.get(COOKIE, ""), _nonce(request)
    key = request.app.state.server.credentials.signing_key.encode()
    return hmac.new(key, b"csrf\0" + session.encode() + b"\0" + nonce.encode(),
                    hashlib.sha256).hexdigest()


def new_session(request):
    """Draw this login session's nonce (token() uses it from now on); keep() stores it."""
    request.state.csrf_nonce = secrets.token_urlsafe(32)


def ensure(request):
    """A nonce for a logged-in browser that has none yet (logged in before nonces existed)."""
    if request.cookies.get(COOKIE) and not request.cookies.get(NONCE_COOKIE):
        new_session(request)


def keep(request, response):
    """Set the nonce cookie when this request drew a new one."""
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce:
        response.set_cookie(NONCE_COOKIE, nonce, max_age=TOKEN_LIFETIME, httponly=True,
                            samesite="lax")
    return response


def forget(response):
    response.delete_cookie(NONCE_COOKIE, httponly=True, samesite="lax")


def check_origin(request, opaque_ok=False):
    """Raise CrossSiteRequest for a browser request another site (or an opaque origin) sent.

    Browsers send Origin with every form POST and Sec-Fetch-Site with every request; scripts
    and the SDK send neither, and cannot be made to act for a user by another site. The
    opaque origin "null" (sandboxed frames, data: pages) is refused unless a token vouches.
    """
    origin = request.headers.get("origin")
    if opaque_ok and origin == "null":
        origin = None
    if origin is not None and origin.rstrip("/") != _own_origin(request):
        raise CrossSiteRequest(f"a request from {origin} cannot change anything here")
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise CrossSiteRequest("a request from another site cannot change anything here")


def check(request, form):
    """Raise CrossSiteRequest unless the form (or header) carries this session's token.

    Clients that send an Authorization header need no token: another site's page cannot
    make a browser send one. A browser's request from another origin is refused outright.
    """
    if request.headers.get("authorization") and not request.cookies.get(COOKIE):
        return
    check_origin(request, opaque_ok=True)
    given = form.get(FIELD) or request.headers.get(HEADER) or ""
    if not (request.cookies.get(COOKIE) and request.cookies.get(NONCE_COOKIE)
            # As bytes: compare_digest refuses str holding non-ASCII characters.
            and hmac.compare_digest(str(given).encode(), token(request).encode())):
        raise CrossSiteRequest("this form has expired or did not come from this site: "
                               "reload the page and try again")


def _own_origin(request):
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
