"""The REST API: parses ClearML calls, authenticates them, dispatches them and wraps answers."""
import json
import logging
import re
import traceback
import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import errors
from .routes import ROUTES

log = logging.getLogger("clearml_local.api")
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


def envelope(endpoint, version, code, subcode, message, data, error_data=None, stack=""):
    meta = {"id": uuid.uuid4().hex, "trx": uuid.uuid4().hex,
            "endpoint": {"name": endpoint, "requested_version": version,
                         "actual_version": version},
            "result_code": code, "result_subcode": subcode, "result_msg": message,
            "error_stack": stack, "error_data": error_data or {}}
    # ClearML's SDK forks its reporting subprocess with its connection pool: on a kept-alive
    # connection shared by two processes, answers reach the wrong caller. So close each one.
    return JSONResponse({"meta": meta, "data": data}, status_code=code,
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


def parse_body(raw, batch):
    """A JSON object, or for batch endpoints a list of JSON lines (a JSON array is accepted)."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        if batch:
            if text.startswith("["):
                return json.loads(text)
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise errors.BadRequest(f"invalid JSON in request body: {exc}") from None
    if not isinstance(data, dict):
        raise errors.BadRequest("request body must be a JSON object")
    data.pop("method", None)  # The SDK adds its request method to every body.
    return data


def answer(route, call, version):
    """Run the call's handler as one storage unit (Storage.run) and wrap its result."""
    result = call.storage.run(call.endpoint, route.handler, call)
    return envelope(call.endpoint, version, 200, 0, "OK", result if result is not None else {})


def create_api_app(server):
    async def dispatch(request):
        match = PATH.match(request.url.path)
        version = (match and match["version"]) or "2.23"
        endpoint = match["endpoint"] if match else request.url.path.strip("/")
        try:
            if not match or endpoint not in ROUTES:
                raise errors.NotSupported(f"endpoint is not supported: {endpoint}")
            route = ROUTES[endpoint]
            raw = await read_body(request, server.settings.max_body)
            data = parse_body(raw, route.batch)
            if not route.batch:
                data = {**request.query_params, **data}
            authorization = request.headers.get("authorization")
            if route.public:
                identity = None
                data["_authorization"] = authorization
            else:
                identity = server.credentials.authenticate(authorization)
            call = Call(endpoint, data, identity, server)
            # Off the event loop, so that a large or slow call holds up no other.
            return await run_in_threadpool(answer, route, call, version)
        except errors.APIError as exc:
            log.info("%s: %s/%s %s", endpoint, exc.code, exc.subcode, exc.message)
            return envelope(endpoint, version, exc.code, exc.subcode, exc.message, {}, exc.data)
        except Exception as exc:  # A bug must answer 500 (reported, not retried) and keep serving.
            log.exception("%s failed", endpoint)
            return envelope(endpoint, version, 500, 0, f"general server error: {exc}", {},
                            stack=traceback.format_exc())

    return Starlette(routes=[
        Route("/{path:path}", dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])
