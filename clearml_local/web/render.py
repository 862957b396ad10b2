"""Answers of the pages: the HTML or its JSON twin from one dict, and what a form's POST did."""
from dataclasses import dataclass

from starlette.responses import RedirectResponse

from ..jsonio import StrictJSONResponse as JSONResponse
from . import csrf, flash, session


@dataclass(frozen=True)
class Shown:
    """A page's dict shown again with this status (a form that cannot be saved as typed)."""

    data: dict
    status_code: int = 400


@dataclass(frozen=True)
class Done:
    """What a form's POST did: a JSON client gets result, a browser goes to next_url, where
    message waits for it (kind: done or error)."""

    result: dict
    next_url: str
    message: str
    kind: str = "done"


def json_url(request):
    """The address of this page's JSON twin."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}.json{query}"


def respond(request, template, answer):
    """The answer of a page (its dict, a Shown or a Done) as HTML or, for the page's JSON twin
    (request.state.json), as JSON."""
    if isinstance(answer, Done):
        if request.state.json:
            return JSONResponse(answer.result)
        response = RedirectResponse(answer.next_url, status_code=303)
        return flash.remember(response, answer.message, answer.kind)
    data, status_code = (answer.data, answer.status_code) if isinstance(answer, Shown) else (
        answer, 200)
    if request.state.json:
        return JSONResponse(data, status_code=status_code)
    return html(request, template, data, status_code)


def html(request, template, data, status_code=200):
    """The page showing data; a message an action left for this browser is shown once."""
    identity = session.identity(request)
    message = flash.take(request)
    csrf.ensure(request)
    response = request.app.state.templates.TemplateResponse(request, template, {
        "page": data, "identity": identity, "csrf_token": csrf.token(request),
        "flash": message, "json_url": json_url(request)}, status_code=status_code)
    if message:
        flash.forget(response)
    return csrf.keep(request, response)
