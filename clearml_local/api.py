"""The REST API: parses ClearML calls, authenticates them, dispatches them and wraps answers."""
import re
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Route

from . import errors, jsonio
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


async def read_body(request, limit):
    """The request body; PayloadTooLarge past limit bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise errors.PayloadTooLarge(f"request body of {declared} bytes exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.PayloadTooLarge(f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(raw, batch, allow_nonfinite=False):
    """A JSON object, or for batch endpoints a list of JSON lines (a JSON array is accepted).

    Raises BadRequest for invalid JSON and for what jsonio.check refuses; NaN and Infinity
    only pass when allow_nonfinite is set (events, which refuse them one by one).
    """
    text = raw.decode("utf-8", errors="replace").strip()
    if batch:
        if text.startswith("["):
            return jsonio.loads(text, allow_nonfinite)
        return [jsonio.loads(line, allow_nonfinite) for line in text.splitlines() if line.strip()]
    data = jsonio.loads(text, allow_nonfinite) if text else {}
    if not isinstance(data, dict):
        raise errors.BadRequest("request body must be a JSON object")
    data.pop("method", None)  # The SDK adds its request method to every body.
    return data


def answer(route, call, version):
    """Run the call's handler as one storage unit (Storage.run) and wrap its result."""
    result = call.storage.run(call.endpoint, route.handler, call)
    return envelope(call.endpoint, version, 200, 0, "OK", result if result is not None else {})


def client_of(request):
    """Where a call comes from, as ClearML Server records a key's last use: the worker the
    call names, else its address (service_repo/auth/auth.py authorize_credentials)."""
    return request.headers.get("x-clearml-worker") or (request.client.host if request.client
                                                        else "")


def create_api_app(server):
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
            raw = await read_body(request, server.settings.max_body)
            data = parse_body(raw, route.batch, endpoint in EVENT_INPUT)
            if not route.batch:
                data = {**request.query_params, **data}
            if route.public:
                data["_authorization"] = authorization
                data["_client"] = client_of(request)
            call = Call(endpoint, data, identity, server)
            # Off the event loop, so that a large or slow call holds up no other.
            return await run_in_threadpool(answer, route, call, version)
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the envelope.
            return error_envelope(endpoint, version, exc)

    return Starlette(routes=[
        Route("/{path:path}", dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])],
        exception_handlers={HTTPException: http_error})

