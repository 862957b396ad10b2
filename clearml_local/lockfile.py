"""One server per data folder: a lock its server holds while it runs, in a file naming it."""
import fcntl
import json
import os

from .datafolder import LOCK


def hold(data_dir):
    """Take data_dir's lock for as long as this process lives (the kernel drops it when the
    process ends, even by kill -9); returns the lock file's descriptor.

    SystemExit with one line naming the server holding it already (pid and ports).
    """
    try:
        fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise SystemExit(f"cannot use data folder {data_dir}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise SystemExit(f"data folder {data_dir} is in use by another server ({holder}): "
                         "stop that one first, or choose another --data-dir") from None
    _write(fd, {"pid": os.getpid()})
    return fd


def record(fd, settings):
    """Name this server's ports in the lock file, for a second server's message."""
    _write(fd, {"pid": os.getpid(), "api_port": settings.api_port,
                "web_port": settings.web_port, "files_port": settings.files_port})


def _write(fd, holder):
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)


def _holder(fd):
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        holder = {}
    if not isinstance(holder, dict) or "pid" not in holder:
        return "pid unknown"
    ports = ", ".join(f"{name} port {holder[key]}" for name, key in (
        ("API", "api_port"), ("web", "web_port"), ("files", "files_port")) if key in holder)
    return f"pid {holder['pid']}" + (f", {ports}" if ports else ", still starting")
