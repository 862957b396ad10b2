"""The web UI (being built): for now only a landing page."""
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route


def create_web_app(server):
    async def index(request):
        return HTMLResponse("<h1>ClearML local server</h1>")

    return Starlette(routes=[Route("/", index)])
