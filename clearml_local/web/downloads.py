"""Files the pages link to: uploaded artifacts and models, and the Plotly.js bundle."""
import functools
import gzip
import importlib.util
from pathlib import Path
from urllib.parse import unquote, urlsplit

from starlette.responses import FileResponse, PlainTextResponse, Response

from ..files import file_of_url
from .session import identity

PLOTLY_JS = (Path(importlib.util.find_spec("plotly").submodule_search_locations[0])
             / "package_data" / "plotly.min.js")


def link(server, uri):
    """This web app's link (/files/...) to a file the file server holds, or None for a file
    elsewhere. It goes by the URL's path, whatever port the file server had when the URL was
    recorded (file_of_url does not compare ports either)."""
    if file_of_url(server, uri) is None:
        return None
    return "/files" + urlsplit(uri).path


def download(request):
    """A file of the file server, for a client the file server would answer too (a plain
    function: Starlette runs it off the event loop, where identity may read the database)."""
    identity(request)
    server = request.app.state.server
    # The raw path keeps the URL's own escaping, as the file server's URLs have it.
    raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    name = raw.split("?", 1)[0][len("/files/"):]
    path = file_of_url(server, server.settings.files_url.rstrip("/") + "/" + name)
    if path is None:
        return PlainTextResponse("file not found", status_code=404)
    return FileResponse(path, filename=unquote(path.name))


@functools.cache
def _plotly_gzipped():
    # 4.8 MB become 1.5 MB; compressed once, as it takes a third of a second.
    return gzip.compress(PLOTLY_JS.read_bytes(), 6)


async def plotly_js(request):
    """Plotly.js from the installed plotly package: the pages need no internet."""
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" not in request.headers.get("accept-encoding", ""):
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)
    return Response(_plotly_gzipped(), media_type="text/javascript",
                    headers=dict(headers, **{"Content-Encoding": "gzip"}))
