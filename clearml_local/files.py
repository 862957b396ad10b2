"""The file server: artifacts and models uploaded by the SDK, stored under the data folder."""
import contextlib
import errno
import logging
import os
import shutil
import tempfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from . import errors
from .datafolder import FILES, SPOOL, UPLOADING
from .envelope import error_envelope, http_error

log = logging.getLogger("clearml_local.files")
NAME_MAX, PATH_MAX = 255, 4096  # Bytes in a file name and in a whole path, on Linux.
NO_FILE = "no file in upload: send multipart/form-data whose field names are the files' paths"


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


def store(part, path, root):
    """Move an uploaded part, spooled in the data folder, to path at once: a failed move leaves
    neither a partial file nor a temporary one. FilePathTaken when a folder on the way is a
    file, or path is a folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        taken = next(up for up in reversed(path.parents) if up.is_file())
        raise errors.FilePathTaken(f"cannot store {_shown(path, root)}: "
                                   f"{_shown(taken, root)} is a file") from None
    if path.is_dir():
        raise errors.FilePathTaken(f"cannot store {_shown(path, root)}: it is a folder")
    part.file.flush()
    try:
        os.replace(part.file.name, path)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # The files folder on a disk of its own: copy there.
            raise
        _copy(part.file.name, path)


def _copy(source, path):
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=UPLOADING, delete=False) as tmp:
        try:
            with open(source, "rb") as spooled:
                shutil.copyfileobj(spooled, tmp)
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


def _shown(path, root):
    return "/" + path.relative_to(root).as_posix()


def _error(exc, action):
    """The API's envelope for a file server failure, with the same status code."""
    return error_envelope(f"files.{action}", "", exc)


def create_files_app(server):
    root = server.settings.data_dir / FILES
    root.mkdir(parents=True, exist_ok=True)
    spool = spool_folder(server.settings.data_dir)

    async def authorized(request):
        # Off the event loop: checking a token reads its session in the database.
        await run_in_threadpool(server.credentials.authenticate,
                                request.headers.get("authorization"))

    async def upload(request):
        """POST /: each multipart part is stored at the path its field name gives."""
        parser = None
        try:
            await authorized(request)
            parser = SpoolingParser(request, spool)
            form = await parser.form()
            parts = [(name, part) for name, part in form.multi_items() if hasattr(part, "read")]
            if not parts:
                raise errors.BadRequest(NO_FILE)
            paths = [safe_path(root, name) for name, _ in parts]
            for (_, part), path in zip(parts, paths):
                await run_in_threadpool(store, part, path, root)  # Off the event loop.
            return JSONResponse({"uploaded": [name for name, _ in parts]})
        except Exception as exc:  # noqa: BLE001 - every failure is answered in the envelope.
            return _error(exc, "upload")
        finally:
            if parser:
                await run_in_threadpool(parser.discard)

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


def spool_folder(data_dir):
    """The folder uploads are spooled in, inside the data folder (the system's temp folder may
    be small), emptied of what an upload cut short by a kill left behind: only one server
    uses a data folder (lockfile.py)."""
    spool = data_dir / SPOOL
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(exist_ok=True)
    return spool


class SpoolingParser(MultiPartParser):
    """Starlette's multipart parser, writing each file part straight to a file in the spool
    folder: nothing of it waits in memory or in the system's temp folder."""

    def __init__(self, request, spool):
        super().__init__(request.headers, request.stream(), max_files=1000, max_fields=1000)
        self.request, self.spool, self.spooled = request, spool, []

    async def form(self):
        """The parsed form; BadRequest for a body that is not multipart or is malformed."""
        if not self.request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise errors.BadRequest(NO_FILE)
        try:
            return await self.parse()
        except MultiPartException as exc:
            raise errors.BadRequest(f"malformed upload: {exc.message}") from None

    def on_headers_finished(self):
        super().on_headers_finished()
        upload = self._current_part.file
        if upload is not None:  # Replace Starlette's in-memory spool, not used yet.
            self._files_to_close_on_error.pop().close()
            upload.file = tempfile.NamedTemporaryFile(dir=self.spool, prefix=UPLOADING,
                                                      delete=False)
            self._files_to_close_on_error.append(upload.file)
            self.spooled.append(upload.file.name)

    def discard(self):
        """Close and remove the spooled files store() did not move."""
        for spooled in self._files_to_close_on_error:
            spooled.close()
        for name in self.spooled:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


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
