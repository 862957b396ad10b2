"""The envelope every API and file server answer comes in: ClearML's meta, then the data."""
import logging
import uuid

from . import errors, jsonio

log = logging.getLogger("clearml_local.api")


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


async def http_error(request, exc):
    """Starlette's own refusals (a method no route takes) in the envelope too."""
    return envelope(request.url.path.strip("/"), "", exc.status_code, 0,
                    f"{request.method} {request.url.path}: {exc.detail}", {})
