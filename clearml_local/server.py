"""One process serving the API, the file server and the web UI on their own ports."""
import asyncio
import logging
import signal
import socket
import sys

import uvicorn

from .api import create_api_app
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


async def serve(server, sockets, log_level="warning"):
    apps = {"api": create_api_app(server), "web": create_web_app(server),
            "files": create_files_app(server)}
    servers = []
    for name, app in apps.items():
        config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off",
                                timeout_keep_alive=30)
        servers.append(uvicorn.Server(config))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s in servers])
    for s in servers:
        s.install_signal_handlers = lambda: None
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
