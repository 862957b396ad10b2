"""The web UI: server-rendered pages, each with a JSON twin at the same path plus '.json'."""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import errors
from ..jsonio import StrictJSONResponse as JSONResponse
from ..jsonio import dumps as strict_dumps
from . import (actions, compare, csrf, downloads, edit, experiment, login, model, projects,
               render, searches, session, settings, template_filters, workers)
from .headers import SecurityHeaders

HERE = Path(__file__).parent
NOT_FOUND = (errors.InvalidTaskId, errors.InvalidProjectId, errors.InvalidModelId)


@dataclass(frozen=True)
class Page:
    """A page: its path, the function building its dict, the template showing that dict, and
    the function answering its form's POST (a dict, a render.Shown or a render.Done)."""

    path: str
    build: Callable
    template: str
    post: Optional[Callable] = None


PAGES = [
    Page("/projects", projects.project_list, "projects.html"),
    Page("/projects/{project_id}/experiments", projects.experiments, "experiments.html"),
    Page("/projects/{project_id}/experiments/{task_id}", experiment.experiment,
         "experiment.html"),
    Page("/projects/{project_id}/models/{model_id}", model.model, "model.html"),
    Page("/projects/{project_id}/experiments/{task_id}/edit", edit.edit_page, "edit.html",
         post=edit.save),
    Page("/compare", compare.compare, "compare.html"),
    Page("/workers", workers.workers_and_queues, "workers.html"),
    Page("/searches/{task_id}", searches.search, "search.html"),
    Page("/actions/{action}", actions.form_page, "action.html", post=actions.perform),
]


def page_endpoint(page, as_json):
    # A plain function: Starlette runs it on a worker thread, off the event loop.
    def endpoint(request):
        request.state.json = as_json
        session.identity(request)
        server = request.app.state.server
        if request.method == "POST":
            answer = page.post(request)
        else:
            answer = server.storage.run(f"web {page.path}", page.build, server,
                                        request.query_params, **request.path_params)
        return render.respond(request, page.template, answer)
    return endpoint


def page_routes(page):
    # The JSON twin comes first: '{task_id}' would otherwise swallow 'abc.json'.
    methods = ["GET", "POST"] if page.post else ["GET"]
    return [Route(page.path + ".json", page_endpoint(page, as_json=True), methods=methods),
            Route(page.path, page_endpoint(page, as_json=False), methods=methods)]


def sdk_link(request):
    """The ClearML web app's experiment links (as the SDK prints them) → the experiment page."""
    session.identity(request)
    storage = request.app.state.server.storage
    task = storage.run("web sdk_link", storage.get_task, request.path_params["task_id"])
    section = experiment.section_of(request.path_params.get("section", ""))
    return RedirectResponse(f"/projects/{task.get('project') or '*'}/experiments/{task['id']}"
                            f"#{section}", status_code=302)


def clearml_compare_link(request):
    """ClearML's own compare links (compare-tasks;ids=a,b/... or compare-experiments;ids=...)."""
    session.identity(request)
    ids = request.path_params["ids"]
    return RedirectResponse(f"/compare?ids={quote(ids, safe=',')}", status_code=302)


async def project_home(request):
    return RedirectResponse(f"/projects/{request.path_params['project_id']}/experiments")


async def home(request):
    return RedirectResponse(session.HOME)


def routes():
    return [
        Route("/", home),
        Route("/login", login.login, methods=["GET", "POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        *[route for page in PAGES for route in page_routes(page)],
        Route("/queues/{queue_id}/entries/{task_id}", workers.move_entry, methods=["POST"]),
        *[Route(f"/settings{suffix}", settings.show) for suffix in (".json", "")],
        *[Route(f"/settings/credentials{suffix}", settings.create, methods=["POST"])
          for suffix in (".json", "")],
        *[Route(f"/settings/credentials/{{access_key}}/revoke{suffix}", settings.revoke,
                methods=["POST"]) for suffix in (".json", "")],
        Route("/projects/{project_id}", project_home),
        *[Route(f"/projects/{{project_id}}/{kind};ids={{ids}}{rest}", clearml_compare_link)
          for kind in ("compare-tasks", "compare-experiments") for rest in ("", "/{view:path}")],
        Route("/projects/{project_id}/experiments/{task_id}/{section:path}", sdk_link),
        Route("/projects/{project_id}/tasks/{task_id}", sdk_link),
        Route("/projects/{project_id}/tasks/{task_id}/{section:path}", sdk_link),
        Route("/files/{path:path}", downloads.download),
        Route("/static/plotly.min.js", downloads.plotly_js),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def wants_json(request):
    """Whether the request is for a page's JSON twin (its errors are answered in JSON too)."""
    return getattr(request.state, "json", False)


async def unauthorized(request, exc):
    """JSON clients get 401; people are sent to the login page, coming back here after."""
    if wants_json(request) or request.headers.get("authorization"):
        return JSONResponse({"error": exc.message}, status_code=401,
                            headers={"WWW-Authenticate": 'Bearer realm="clearml-local"'})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def error_page(request, message, code):
    """An error as the error page, or as {"error": message} for a JSON twin."""
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=code)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"message": message, "code": code}, status_code=code)


async def api_error(request, exc):
    return error_page(request, exc.message, 404 if isinstance(exc, NOT_FOUND) else exc.code)


async def cross_site(request, exc):
    return error_page(request, str(exc), 403)


def create_web_app(server):
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(template_filters.FILTERS)
    templates.env.policies["json.dumps_function"] = strict_dumps  # tojson: strict JSON too.
    app = Starlette(routes=routes(), exception_handlers={
        errors.Unauthorized: unauthorized, errors.APIError: api_error,
        csrf.CrossSiteRequest: cross_site})
    app.state.server = server
    app.state.templates = templates
    return SecurityHeaders(app)
