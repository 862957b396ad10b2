"""The one place the web UI changes anything: the API's own handler, with the API's checks."""
from anyio import from_thread

from ..api import Call
from ..routes import ROUTES
from . import session


def call(request, endpoint, **data):
    """Run the API endpoint's handler with data, as the user behind the request; its data.

    Raises what the handler raises (an errors.APIError the API would answer with the same
    codes), and errors.Unauthorized when the request holds no valid credentials.
    """
    server = request.app.state.server
    identity = session.identity(request)
    # One storage unit, as an API call is (Storage.run).
    return server.storage.run(endpoint, ROUTES[endpoint].handler,
                              Call(endpoint, data, identity, server))


def form(request, **limits):
    """The request's form. The routes that call handlers are plain functions, which Starlette
    runs on a worker thread, off the event loop: this reads the form from there."""
    return from_thread.run(lambda: request.form(**limits))
