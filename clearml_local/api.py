"""The REST API: parses ClearML calls, authenticates them, dispatches them and wraps answers."""
import re
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Route

from . import bodies, errors, jsonio
from .envelope import envelope, error_envelope, http_error
from .routes import ROUTES

# Events refuse NaN and Infinity one by one, as Elasticsearch does under ClearML Server.
EVENT_INPUT = ("events.add", "events.add_batch")
PATH = re.compile(r"^/(?:v(?P<version>\d+\.\d+)/)?(?P<endpoint>[a-z_]+\.[a-z_0-9]+)/?$")


@dataclass
class Call:
    """One API call as handlers see it."""

    endpoint: str
    data: object
    identity: dict
    server: object

    @property
    def storage(self):
        return self.server.storage


def parse_body(raw, batch, allow_nonfinite=False):
    """A JSON object, or for batch endpoints the body's JSON lines (a JSON array is accepted)
    as jsonio.Lines, parsed while the handler stores them.

    Raises BadRequest for invalid JSON and for what jsonio.check refuses; NaN and Infinity
    only pass when allow_nonfinite is set (events, which refuse them one by one).
    """
    if batch:
        return jsonio.Lines(raw, allow_nonfinite)
    text = raw.decode("utf-8", errors="replace").strip()
    data = jsonio.loads(text, allow_nonfinite) if text else {}
    if not isinstance(data, dict):
        raise errors.BadRequest("request body must be a JSON object")
    data.pop("method", None)  # The SDK adds its request method to every body.
    return data


def answer(route, call, version, raw, given):
    """Parse the call's body into its data (after the query string's fields, which it holds
    so far, and before the fields the server gives it), run its handler as one storage unit
    (Storage.run) and wrap its result. On a worker thread: a large body or a slow call holds
    up no other."""
    data = parse_body(raw, route.batch, call.endpoint in EVENT_INPUT)
    call.data = data if route.batch else {**call.data, **data, **given}
    result = call.storage.run(call.endpoint, route.handler, call)
    return envelope(call.endpoint, version, 200, 0, "OK", result if result is not None else {})


def client_of(request):
    """Where a call comes from, as ClearML Server records a key's last use: the worker the
    call names, else its address (service_repo/auth/auth.py authorize_credentials)."""
    return request.headers.get("x-clearml-worker") or (request.client.host if request.client
                                                        else "")


def create_api_app(server):
    budget = bodies.Budget(server.settings.max_body_memory)

    async def dispatch(request):
        match = PATH.match(request.url.path)
        version = (match and match["version"]) or "2.23"
        endpoint = match["endpoint"] if match else request.url.path.strip("/")
        try:
            if not match or endpoint not in ROUTES:
                raise errors.NotSupported(f"endpoint is not supported: {endpoint}")
            route = ROUTES[endpoint]
            authorization = request.headers.get("authorization")
            # Callers without credentials get no further than this: their bodies are not read.
            # Off the event loop: checking a token reads its session in the database.
            identity = None if route.public else await run_in_threadpool(
                server.credentials.authenticate, authorization)
            call = Call(endpoint, dict(request.query_params), identity, server)
            # auth.login checks its own credentials, and records where they are used from.
            given = ({"_authorization": authorization, "_client": client_of(request)}
                     if route.public else {})
            async with bodies.held(request, budget, server.settings.max_body,
                                   route.batch) as raw:
                return await run_in_threadpool(answer, route, call, version, raw, given)
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the envelope.
            return error_envelope(endpoint, version, exc)

    return Starlette(routes=[
        Route("/{path:path}", dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])],
        exception_handlers={HTTPException: http_error})

