"""HTTP connections that close when their client leaves them idle.

uvicorn closes a kept-alive connection that stays idle after an answer, but arms no timer
before the first request nor while a request's headers or body are still arriving: a client
could hold a connection (and a file descriptor) forever by sending nothing, or half a request.
"""
from uvicorn.protocols.http.h11_impl import H11Protocol


class IdleClosingProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing the connection when the client sends nothing for
    the keep-alive timeout while the server waits on it: before a request, between requests, or
    in the middle of one. A request the server is working on, or whose body it is not reading
    yet (reading paused), is never cut."""

    def connection_made(self, transport):
        self._idle_timer = None
        super().connection_made(transport)
        self._arm()

    def data_received(self, data):
        self._arm()
        super().data_received(data)

    def connection_lost(self, exc):
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        super().connection_lost(exc)

    def _arm(self):
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = self.loop.call_later(self.timeout_keep_alive, self._on_idle)

    def _on_idle(self):
        self._idle_timer = None
        if self.transport.is_closing():
            return
        if self._waiting_for_client():
            self.transport.close()
        else:
            self._arm()

    def _waiting_for_client(self):
        cycle = self.cycle
        if self.flow.read_paused:
            return False
        return cycle is None or cycle.response_complete or cycle.more_body
