"""Start the server: ClearML's API, file server and web UI, on the data folder.

At first start it generates an access key pair and keeps it in the data folder with the
database and the uploaded files; it prints the CLEARML_* settings that point the ClearML SDK
and clearml-agent at it, and writes them there as clearml.conf and clearml.env.
"""
import asyncio
import logging
import sqlite3
import sys

from . import add_data_dir
from .. import lockfile
from ..server import Server, open_sockets, serve
from ..settings import DEFAULT_PORTS, Settings, client_environment, is_loopback
from ..settings import prepare_data_dir, write_client_files


def add_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORTS["api"],
                        help="API port (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--web-port", type=int, default=DEFAULT_PORTS["web"],
                        help="web UI port (default: %(default)s)")
    parser.add_argument("--files-port", type=int, default=DEFAULT_PORTS["files"],
                        help="file server port (default: %(default)s)")
    add_data_dir(parser)
    parser.add_argument("--access-key", help="API access key (default: generated at first start)")
    parser.add_argument("--secret-key", help="API secret key (default: generated at first start)")
    parser.add_argument("--public-host", default="",
                        help="host name clients use to reach this server, if not --host")
    parser.add_argument("--max-body", type=int, default=64 * 1024 * 1024,
                        help="largest API request body in bytes (default: %(default)s)")
    parser.add_argument("--max-body-memory", type=int, default=256 * 1024 * 1024,
                        metavar="BYTES",
                        help="memory all API request bodies in flight may take at once, "
                        "counting a body parsed whole at 9 times its size and JSON lines at "
                        "their size plus 8 MB; more wait their turn (default: %(default)s)")
    parser.add_argument("--task-timeout", type=float, default=7200, metavar="SECONDS",
                        help="stop a task left in_progress without any update for this long, as "
                        "ClearML Server's non-responsive tasks watchdog does (default: "
                        "%(default)s; 0: never)")
    parser.add_argument("--task-check-interval", type=float, default=900, metavar="SECONDS",
                        help="how often to look for such tasks (default: %(default)s)")
    parser.add_argument("--idle-timeout", type=float, default=30, metavar="SECONDS",
                        help="close a connection whose client sends nothing for this long while "
                        "the server waits on it (default: %(default)s)")
    parser.add_argument("--shutdown-timeout", type=float, default=5, metavar="SECONDS",
                        help="at SIGTERM or Ctrl-C, how long calls in flight may take to "
                        "finish; the server has exited 2 s later at the latest, and at once on "
                        "a second Ctrl-C (default: %(default)s)")
    parser.add_argument("--log-level", default="warning",
                        choices=["debug", "info", "warning", "error"])


def run(args):
    if bool(args.access_key) != bool(args.secret_key):
        args.parser.error("--access-key and --secret-key go together")
    for name in ("task_check_interval", "idle_timeout"):
        if getattr(args, name) <= 0:
            args.parser.error(f"--{name.replace('_', '-')} must be above 0 seconds")
    if args.shutdown_timeout < 0:
        args.parser.error("--shutdown-timeout must be 0 seconds or more")
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    settings = Settings(data_dir=args.data_dir, host=args.host, api_port=args.port,
                        web_port=args.web_port, files_port=args.files_port,
                        public_host=args.public_host, max_body=args.max_body,
                        max_body_memory=args.max_body_memory, task_timeout=args.task_timeout,
                        task_check_interval=args.task_check_interval,
                        idle_timeout=args.idle_timeout, shutdown_timeout=args.shutdown_timeout)
    prepare_data_dir(settings.data_dir)
    # Before anything is written (or migrated): a second server on this folder exits here.
    lock = lockfile.hold(settings.data_dir)
    sockets = open_sockets(settings)
    lockfile.record(lock, settings)
    server, (conf, env) = start(settings, args)
    warn_if_exposed(settings, server.credentials)
    print(f"ClearML local server, data in {settings.data_dir}\n"
          f"  API:   {settings.api_url}\n  Web:   {settings.web_url}\n"
          f"  Files: {settings.files_url}\n"
          f"Point the ClearML SDK and clearml-agent at it with either\n"
          f"  export CLEARML_CONFIG_FILE={conf}\nor these variables (also in {env}):")
    for key, value in client_environment(settings, server.credentials).items():
        print(f"  export {key}={value}")
    sys.stdout.flush()
    asyncio.run(serve(server, sockets, args.log_level))


def start(settings, args):
    """The Server on its (prepared and locked) data folder, with the client files written;
    SystemExit with one line when the folder cannot be used."""
    try:
        server = Server(settings, args.access_key, args.secret_key)
        return server, write_client_files(settings, server.credentials)
    except (OSError, sqlite3.Error) as exc:
        raise SystemExit(f"cannot use data folder {settings.data_dir}: {exc}") from None


def warn_if_exposed(settings, credentials):
    if is_loopback(settings.host) or not credentials.generated:
        return
    print(f"WARNING: listening on {settings.host}, reachable from other machines, with "
          "generated credentials that are printed below and stored in the data folder; "
          "requests, keys and tokens travel as plain HTTP. Anyone on the network who reads "
          "them controls every task and file: pass your own --access-key and --secret-key, "
          "and keep this server behind a firewall or TLS proxy.", file=sys.stderr)
