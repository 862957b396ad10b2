"""The one place the web UI changes anything: the API's own handler, with the API's checks."""
from ..api import Call
from ..routes import ROUTES
from . import auth


def call(request, endpoint, **data):
    """Run the API endpoint's handler with data, as the user behind the request; its data.

    Raises what the handler raises (an errors.APIError the API would answer with the same
    codes), and errors.Unauthorized when the request holds no valid credentials.
    """
    server = request.app.state.server
    identity = auth.identity(request)
    return ROUTES[endpoint].handler(Call(endpoint, data, identity, server))
