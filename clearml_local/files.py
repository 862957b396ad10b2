"""The file server: artifacts and models uploaded by the SDK, stored under the data folder."""
import os
import shutil
import tempfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from . import errors


def safe_path(root, name):
    """The file for object path name under root; raises BadRequest if it would escape root."""
    parts = PurePosixPath("/" + unquote(name).replace("\\", "/")).parts[1:]
    if not parts or any(part in ("..", ".", "") for part in parts) or "\x00" in name:
        raise errors.BadRequest(f"invalid file path {name!r}")
    path = root.joinpath(*parts)
    if root.resolve() not in path.resolve().parents:
        raise errors.BadRequest(f"invalid file path {name!r}")
    return path


def _error(exc):
    return JSONResponse({"error": exc.message, "code": exc.code}, status_code=exc.code)


def create_files_app(server):
    root = server.settings.data_dir / "files"
    root.mkdir(parents=True, exist_ok=True)

    def authorized(request):
        server.credentials.authenticate(request.headers.get("authorization"))

    async def upload(request):
        """POST /: each multipart part is stored at the path its field name gives."""
        try:
            authorized(request)
            form = await request.form(max_files=1000, max_fields=1000)
            stored = []
            for name, part in form.multi_items():
                if not hasattr(part, "read"):
                    continue
                path = safe_path(root, name)
                path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                    shutil.copyfileobj(part.file, tmp)
                os.replace(tmp.name, path)
                stored.append(name)
            if not stored:
                raise errors.BadRequest("no file in upload: send multipart/form-data whose "
                                        "field names are the files' paths")
            return JSONResponse({"uploaded": stored})
        except errors.APIError as exc:
            return _error(exc)

    async def fetch(request):
        try:
            authorized(request)
            path = safe_path(root, request.url.path)
            if request.method == "DELETE":
                if not path.is_file():
                    return JSONResponse({"error": "file not found"}, status_code=404)
                path.unlink()
                return JSONResponse({"deleted": request.url.path})
            if not path.is_file():
                return JSONResponse({"error": "file not found"}, status_code=404)
            return FileResponse(path)
        except errors.APIError as exc:
            return _error(exc)

    async def root_get(request):
        return Response("ClearML-compatible file server", media_type="text/plain")

    return Starlette(routes=[
        Route("/", upload, methods=["POST"]),
        Route("/", root_get, methods=["GET", "HEAD"]),
        Route("/{path:path}", fetch, methods=["GET", "HEAD", "DELETE"]),
    ])


def file_of_url(server, url):
    """The stored file behind a URL of this file server, or None when the URL is elsewhere.

    The port is not compared: URLs recorded before a restart on other ports still resolve.
    """
    parsed, ours = urlsplit(url or ""), urlsplit(server.settings.files_url)
    if parsed.scheme not in ("http", "https") or parsed.hostname != ours.hostname:
        return None
    try:
        path = safe_path(server.settings.data_dir / "files", parsed.path)
    except errors.APIError:
        return None
    return path if path.is_file() else None
