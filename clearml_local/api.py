"""The REST API: parses ClearML calls, authenticates them, dispatches them and wraps answers."""
import logging
import re
import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Route

from . import errors, jsonio
from .routes import ROUTES

log = logging.getLogger("clearml_local.api")
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


def envelope(endpoint, version, code, subcode, message, data, error_data=None):
    meta = {"id": uuid.uuid4().hex, "trx": uuid.uuid4().hex,
            "endpoint": {"name": endpoint, "requested_version": version,
                         "actual_version": version},
            "result_code": code, "result_subcode": subcode, "result_msg": message,
            "error_stack": "", "error_data": error_data or {}}
    # ClearML's SDK forks its reporting subprocess with its connection pool: on a kept-alive
    # connection shared by two processes, answers reach the wrong caller. So close each one.
    return jsonio.StrictJSONResponse({"meta": meta, "data": data}, status_code=code,
                                     headers={"Connection": "close"})


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


def error_envelope(endpoint, version, exc):
    """The envelope for a failed call. A disk failure gets its ClearML error; anything else
    unexpected is a bug: 500 (which the SDK reports instead of retrying), with the traceback in
    the server log and only the exception's type in the answer."""
    if not isinstance(exc, errors.APIError):
        known = errors.storage_error(exc)
        if known is None:
            log.exception("%s failed", endpoint)
            return envelope(endpoint, version, 500, 0,
                            f"general server error ({type(exc).__name__}); see the server log",
                            {})
        exc = known
    log_call = log.error if exc.code >= 500 else log.info
    log_call("%s: %s/%s %s", endpoint, exc.code, exc.subcode, exc.message)
    return envelope(endpoint, version, exc.code, exc.subcode, exc.message, {}, exc.data)


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


async def http_error(request, exc):
    """Starlette's own refusals (a method no route takes) in the envelope too."""
    return envelope(request.url.path.strip("/"), "", exc.status_code, 0,
                    f"{request.method} {request.url.path}: {exc.detail}", {})
