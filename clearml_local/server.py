"""One process serving the API, the file server and the web UI on their own ports."""
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import threading

import uvicorn

from .api import create_api_app
from .connections import IdleClosingProtocol
from .credentials import Credentials
from .datafolder import DATABASE
from .files import create_files_app
from .services.scrolls import Scrolls
from .storage import Storage
from .web import create_web_app

log = logging.getLogger("clearml_local")


class Server:
    """The server's shared state: settings, storage, credentials and get_all scrolls."""

    def __init__(self, settings, access_key=None, secret_key=None):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.storage = Storage(settings.data_dir / DATABASE)
        self.credentials = Credentials(settings.data_dir, self.storage, access_key, secret_key)
        self.scrolls = Scrolls()


def bind(host, port):
    """A listening socket; port 0 lets the OS choose a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # With proto 0, asyncio would not set TCP_NODELAY on accepted connections, and every
    # keep-alive request would then wait ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port}: {exc.strerror}; "
                         "choose another port with --port/--web-port/--files-port") from None
    sock.listen(256)
    sock.setblocking(False)
    return sock


def open_sockets(settings):
    """Bind the three ports and record the ones the OS chose."""
    sockets = {}
    for name in ("api", "web", "files"):
        sock = bind(settings.host, getattr(settings, f"{name}_port"))
        setattr(settings, f"{name}_port", sock.getsockname()[1])
        sockets[name] = sock
    return sockets


async def watch_tasks(server):
    """Stop tasks that stopped reporting: ClearML Server's non-responsive tasks watchdog, which
    also waits one interval before its first look."""
    timeout, interval = server.settings.task_timeout, server.settings.task_check_interval
    while timeout > 0:
        await asyncio.sleep(interval)
        try:
            stopped = await asyncio.to_thread(server.storage.run, "watchdog",
                                              server.storage.stop_non_responsive_tasks, timeout)
        except Exception:  # A failed round is logged; the next one may succeed.
            log.exception("non-responsive tasks watchdog failed")
            continue
        for task_id in stopped:
            log.warning("task %s stopped: no update for %g s (non-responsive)", task_id,
                        timeout)


class Shutdown:
    """What SIGINT and SIGTERM do. The first asks the servers to stop: they stop accepting,
    close idle connections and give the calls in flight `grace` seconds to finish, and
    whatever is left then, the process ends CLOSE_SECONDS later at the latest. A second
    signal (Ctrl-C twice) ends it at once. Every answered call is already on disk (WAL), so an
    exit without closing loses nothing a client was told is stored."""

    CLOSE_SECONDS = 2

    def __init__(self, servers, grace):
        self.servers, self.grace, self.asked = servers, grace, False

    def __call__(self):
        if self.asked:
            log.warning("asked again to stop: exiting now")
            for server in self.servers:
                server.force_exit = True
            self._exit_after(1)
            return
        self.asked = True
        for server in self.servers:
            server.should_exit = True
        self._exit_after(self.grace + self.CLOSE_SECONDS)

    @staticmethod
    def _exit_after(seconds):
        # A thread, not the event loop: a loop held up by a call still ends on time.
        def exit_now():
            log.error("the server did not stop within %g s: exiting", seconds)
            logging.shutdown()
            os._exit(1)
        timer = threading.Timer(seconds, exit_now)
        timer.daemon = True
        timer.start()


async def serve(server, sockets, log_level="warning"):
    apps = {"api": create_api_app(server), "web": create_web_app(server),
            "files": create_files_app(server)}
    settings = server.settings
    servers = []
    for name, app in apps.items():
        config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off",
                                http=IdleClosingProtocol, timeout_keep_alive=settings.idle_timeout,
                                timeout_graceful_shutdown=settings.shutdown_timeout)
        servers.append(uvicorn.Server(config))
    loop = asyncio.get_running_loop()
    shutdown = Shutdown(servers, settings.shutdown_timeout)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown)
    for s in servers:
        # uvicorn's own handlers would replace these, and raise the signal again on its way out.
        s.capture_signals = contextlib.nullcontext
    # A thread building a large answer holds the GIL for up to the switch interval at a time;
    # a short one lets the event loop answer small requests meanwhile (5 ms by default).
    sys.setswitchinterval(0.001)
    watchdog = asyncio.create_task(watch_tasks(server))
    try:
        await asyncio.gather(*(s.serve(sockets=[sockets[name]])
                               for s, name in zip(servers, apps)))
    finally:
        watchdog.cancel()
        server.storage.close()
        log.info("server stopped")
