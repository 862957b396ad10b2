"""Pages as HTML: the template, who is logged in, this session's form token, a waiting message."""
from . import csrf, flash, session


def json_url(request):
    """The address of this page's JSON twin."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}.json{query}"


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
