"""Headers on every answer of the web UI: no other site may frame its pages, and no browser
reads an answer as another type than it says."""

HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
           (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every HTTP answer of app, its error pages included
    (it wraps Starlette's own error middleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)
