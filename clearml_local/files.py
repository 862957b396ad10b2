"""The file server: artifacts and models uploaded by the SDK, stored under the data folder."""
import logging
import os
import shutil
import tempfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from . import errors
from .datafolder import FILES, UPLOADING
from .envelope import error_envelope, http_error

log = logging.getLogger("clearml_local.files")
NAME_MAX, PATH_MAX = 255, 4096  # Bytes in a file name and in a whole path, on Linux.


def safe_path(root, name):
    """The file for object path name under root; raises BadRequest if it would escape root,
    holds a NUL character or is longer than the file system allows."""
    text = unquote(name).replace("\\", "/")
    parts = PurePosixPath("/" + text).parts[1:]
    if not parts or any(part in ("..", ".", "") for part in parts) or "\x00" in text:
        raise errors.BadRequest(f"invalid file path {name!r}")
    if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in parts):
        raise errors.BadRequest(f"invalid file path {name[:80]!r}...: a name in it is longer "
                                f"than {NAME_MAX} bytes")
    path = root.joinpath(*parts)
    if len(bytes(path)) >= PATH_MAX:
        raise errors.BadRequest(f"invalid file path {name[:80]!r}...: longer than {PATH_MAX} "
                                "bytes with the data folder")
    if root.resolve() not in path.resolve().parents:
        raise errors.BadRequest(f"invalid file path {name!r}")
    return path


def store(part, path):
    """Write an uploaded part to path at once: a failed write leaves neither a partial file
    nor its temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=UPLOADING, delete=False) as tmp:
        try:
            shutil.copyfileobj(part.file, tmp)
            tmp.flush()
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    try:
        os.replace(tmp.name, path)
    except BaseException:
        os.unlink(tmp.name)
        raise


def _error(exc, action):
    """The API's envelope for a file server failure, with the same status code."""
    return error_envelope(f"files.{action}", "", exc)


def create_files_app(server):
    root = server.settings.data_dir / FILES
    root.mkdir(parents=True, exist_ok=True)

    async def authorized(request):
        # Off the event loop: checking a token reads its session in the database.
        await run_in_threadpool(server.credentials.authenticate,
                                request.headers.get("authorization"))

    async def upload(request):
        """POST /: each multipart part is stored at the path its field name gives."""
        try:
            await authorized(request)
            form = await _form(request)
            parts = [(name, part) for name, part in form.multi_items() if hasattr(part, "read")]
            if not parts:
                raise errors.BadRequest("no file in upload: send multipart/form-data whose "
                                        "field names are the files' paths")
            paths = [safe_path(root, name) for name, _ in parts]
            for (_, part), path in zip(parts, paths):
                await run_in_threadpool(store, part, path)  # Off the event loop.
            return JSONResponse({"uploaded": [name for name, _ in parts]})
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the envelope.
            return _error(exc, "upload")

    async def fetch(request):
        try:
            await authorized(request)
            path = safe_path(root, request.url.path)
            if not path.is_file():
                raise errors.FileNotFound(f"file not found: {request.url.path}")
            if request.method == "DELETE":
                path.unlink()
                return JSONResponse({"deleted": request.url.path})
            return FileResponse(path)
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the envelope.
            return _error(exc, request.method.lower())

    async def root_get(request):
        return Response("ClearML-compatible file server", media_type="text/plain")

    return Starlette(routes=[
        Route("/", upload, methods=["POST"]),
        Route("/", root_get, methods=["GET", "HEAD"]),
        Route("/{path:path}", fetch, methods=["GET", "HEAD", "DELETE"]),
    ], exception_handlers={HTTPException: http_error})


async def _form(request):
    try:
        return await request.form(max_files=1000, max_fields=1000)
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body.
        raise errors.BadRequest(f"malformed upload: {exc.detail}") from None


def file_of_url(server, url):
    """The stored file behind a URL of this file server, or None when the URL is elsewhere."""
    return stored_file(server.settings.data_dir, server.settings.files_url, url)


def stored_file(data_dir, files_url, url):
    """The file under data_dir's files behind url, when url names the file server files_url
    answers at and the file exists; else None.

    The port is not compared: URLs recorded before a restart on other ports still resolve.
    """
    parsed, ours = urlsplit(url or ""), urlsplit(files_url)
    if parsed.scheme not in ("http", "https") or parsed.hostname != ours.hostname:
        return None
    try:
        path = safe_path(data_dir / FILES, parsed.path)
    except errors.APIError:
        return None
    return path if path.is_file() else None
