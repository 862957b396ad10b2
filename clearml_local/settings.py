"""Where the server listens and keeps its data, and the CLEARML_* settings that reach it."""
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path.home() / ".clearml-local"
DEFAULT_PORTS = {"api": 8008, "web": 8080, "files": 8081}  # ClearML Server's ports.


@dataclass
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    api_port: int = DEFAULT_PORTS["api"]
    web_port: int = DEFAULT_PORTS["web"]
    files_port: int = DEFAULT_PORTS["files"]
    max_body: int = 64 * 1024 * 1024
    # What all request bodies in flight may take in memory at once (bodies.py).
    max_body_memory: int = 256 * 1024 * 1024
    public_host: str = field(default="")
    # ClearML Server's non-responsive tasks watchdog (services/tasks.conf): threshold_sec and
    # watch_interval_sec. A task_timeout of 0 turns it off.
    task_timeout: float = 7200
    task_check_interval: float = 900
    # A connection whose client sends nothing for this long, while the server waits on it,
    # is closed; at SIGTERM, calls in flight get shutdown_timeout seconds to finish.
    idle_timeout: float = 30
    shutdown_timeout: float = 5

    def url(self, port):
        host = self.public_host or ("127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host)
        return f"http://{host}:{port}"

    @property
    def api_url(self):
        return self.url(self.api_port)

    @property
    def web_url(self):
        return self.url(self.web_port)

    @property
    def files_url(self):
        return self.url(self.files_port)


def client_environment(settings, credentials):
    """The CLEARML_* variables that point the SDK and clearml-agent at this server."""
    return {
        "CLEARML_API_HOST": settings.api_url,
        "CLEARML_WEB_HOST": settings.web_url,
        "CLEARML_FILES_HOST": settings.files_url,
        "CLEARML_API_ACCESS_KEY": credentials.access_key,
        "CLEARML_API_SECRET_KEY": credentials.secret_key,
    }


def parse_client_environment(text):
    """The CLEARML_* variables of `export NAME=value` lines, as in clearml.env or what
    `serve` prints; other lines are skipped."""
    exports = (line.strip()[len("export "):] for line in text.splitlines()
               if line.strip().startswith("export CLEARML_"))
    return dict(export.partition("=")[::2] for export in exports)


def api_section(environment, access_key=None, secret_key=None):
    """The api section of a clearml.conf for the CLEARML_* settings of client_environment
    (with another key pair when given): what ClearML's web UI shows for new credentials, to
    paste into clearml-init or a clearml.conf."""
    access_key = access_key or environment["CLEARML_API_ACCESS_KEY"]
    secret_key = secret_key or environment["CLEARML_API_SECRET_KEY"]
    return f"""api {{
    web_server: {environment["CLEARML_WEB_HOST"]}
    api_server: {environment["CLEARML_API_HOST"]}
    files_server: {environment["CLEARML_FILES_HOST"]}
    credentials {{
        "access_key" = "{access_key}"
        "secret_key" = "{secret_key}"
    }}
}}
"""


def clearml_conf(settings, credentials):
    """A clearml.conf for the SDK and clearml-agent, in ClearML's own format."""
    return f"""# Written by clearml_local: points the ClearML SDK and clearml-agent at the local server.
{api_section(client_environment(settings, credentials))}sdk {{
    development {{
        # Report from a thread, not a subprocess: Task.close() then takes well under a second
        # instead of waiting several seconds for the reporting subprocess to flush.
        report_use_subprocess: false
    }}
}}
"""


def write_client_files(settings, credentials):
    """Write clearml.conf and clearml.env into the data folder; return their paths."""
    conf = settings.data_dir / "clearml.conf"
    write_private(conf, clearml_conf(settings, credentials))
    env = settings.data_dir / "clearml.env"
    write_private(env, "".join(f"export {k}={v}\n"
                               for k, v in client_environment(settings, credentials).items())
                  + f"export CLEARML_CONFIG_FILE={conf}\n")
    return conf, env


def write_private(path, text):
    """Replace path's content with text at once, readable by its owner only from the start."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    # O_EXCL with mode 0600: the file never exists with wider permissions, whatever the umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def prepare_data_dir(path):
    """Create the data folder (0700) or tighten an existing one to 0700; SystemExit with one
    line when it cannot be written."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        raise SystemExit(f"cannot use data folder {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise SystemExit(f"cannot use data folder {path}: it is read-only; "
                         "choose another with --data-dir")


def is_loopback(host):
    """Whether host only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
