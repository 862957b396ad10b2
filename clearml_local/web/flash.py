"""One-shot messages shown on the page an action redirects to (a short-lived cookie)."""
import json
from urllib.parse import quote, unquote

COOKIE = "clearml_local_flash"


def remember(response, text, kind="done"):
    """Show text (kind: done or error) on the next page this browser opens."""
    value = quote(json.dumps({"text": text, "kind": kind}))
    response.set_cookie(COOKIE, value, max_age=60, httponly=True, samesite="lax")
    return response


def take(request):
    """The message waiting for this request, or None (forget() it on the response)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        message = json.loads(unquote(raw))
        return {"text": str(message["text"]), "kind": str(message.get("kind", "done"))}
    except (ValueError, KeyError, TypeError):
        return None


def forget(response):
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
