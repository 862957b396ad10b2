"""Check this machine's ClearML set-up against the server (run it where the SDK or an agent runs).

It reads clearml.conf as the ClearML SDK does (CLEARML_CONFIG_FILE, else ~/clearml.conf, with
the CLEARML_* variables over it), then checks, one line each: that the API, the web UI and the
file server answer at the configured URLs; that the credentials log in; that a file goes up to
the file server and comes back the same. It warns about every URL that names loopback
(localhost, 127.0.0.1, ::1), configured here or handed out and stored by the server: on another
machine such a URL reaches that machine itself, not the server. Exits 1 when a check fails.
"""
import hashlib
import os
import secrets
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..settings import is_loopback

# Where each URL is configured: the clearml.conf key and the variable that overrides it.
URLS = {"api": ("api.api_server", "CLEARML_API_HOST"),
        "web": ("api.web_server", "CLEARML_WEB_HOST"),
        "files": ("api.files_server", "CLEARML_FILES_HOST")}
TIMEOUT = 10
ROUND_TRIP_BYTES = 256 * 1024


@dataclass
class Report:
    """The lines printed so far, and whether a check failed."""

    failed: bool = False
    lines: list = field(default_factory=list)

    def say(self, kind, text):
        self.failed |= kind == "FAIL"
        self.lines.append(f"{kind:<5} {text}")
        print(self.lines[-1], flush=True)


def add_arguments(parser):
    parser.add_argument("--config", help="the clearml.conf to check (default: as the ClearML "
                        "SDK finds it: CLEARML_CONFIG_FILE, else ~/clearml.conf)")


def run(args):
    if args.config:
        os.environ["CLEARML_CONFIG_FILE"] = args.config
    config = read_config()
    report = Report()
    report.say("ok", f"configuration {config['file']}")
    for name in URLS:
        warn_if_loopback(report, config["urls"][name], config["source"][name],
                         "set it to the server's address as this machine reaches it")
    import requests
    try:
        token = check_api(report, config)
        check_web(report, config)
        if token:
            check_files(report, config, token)
            check_stored(report, config["urls"]["api"], token)
    except (requests.RequestException, ValueError, KeyError) as exc:
        report.say("FAIL", f"the server answered what a ClearML server does not, or stopped "
                   f"answering ({type(exc).__name__}: {exc})")
    print("doctor: " + ("a check FAILED" if report.failed else "all checks passed"))
    return 1 if report.failed else 0


def read_config():
    """The URLs and key pair this machine's ClearML SDK would use, and where each came from."""
    try:
        from clearml.backend_api.session import Session
        from clearml.backend_config.defs import get_config_file
        from clearml.config import ConfigWrapper
    except ImportError:
        raise SystemExit("doctor reads clearml.conf with the ClearML SDK: pip install clearml")
    path = get_config_file()
    if not os.path.isfile(path):
        raise SystemExit(f"no clearml.conf at {path}: run clearml-init, or paste the "
                         "configuration the server's web UI shows under Settings there")
    config = ConfigWrapper._init()
    urls = {"api": Session.get_api_server_host(config), "web": Session.get_app_server_host(config),
            "files": Session.get_files_server_host(config)}
    source = {name: (variable if os.environ.get(variable) else f"{key} in {path}")
              for name, (key, variable) in URLS.items()}
    return {"file": path, "urls": urls, "source": source,
            "access_key": os.environ.get("CLEARML_API_ACCESS_KEY")
            or config.get("api.credentials.access_key", None),
            "secret_key": os.environ.get("CLEARML_API_SECRET_KEY")
            or config.get("api.credentials.secret_key", None)}


def names_loopback(url):
    host = urlsplit(url or "").hostname or ""
    return is_loopback(host) or host.endswith(".localhost")


def warn_if_loopback(report, url, where, change):
    if names_loopback(url):
        report.say("warn", f"{where} is {url}, which names loopback: on any other machine it "
                   f"reaches that machine itself, not the server; {change}")


def _get(url, **kwargs):
    import requests
    return requests.get(url, timeout=TIMEOUT, **kwargs)


def _unreachable(report, what, url, exc, where):
    report.say("FAIL", f"{what} does not answer at {url} ({type(exc).__name__}: {exc}); check "
               f"{where}, and that the server listens on an address this machine reaches "
               "(serve --host 0.0.0.0 --public-host NAME)")


def check_api(report, config):
    """Ping the API and log in; the token, or None when either failed."""
    import requests
    api = config["urls"]["api"]
    try:
        ping = _get(f"{api}/debug.ping").json()
    except (requests.RequestException, ValueError) as exc:
        _unreachable(report, "the API", api, exc, config["source"]["api"])
        return None
    report.say("ok", f"API answers at {api} ({ping.get('data', {}).get('msg', 'no message')})")
    if not (config["access_key"] and config["secret_key"]):
        report.say("FAIL", f"no credentials in {config['file']}: paste a key pair from the web "
                   "UI's Settings page (api.credentials.access_key and secret_key)")
        return None
    login = _get(f"{api}/auth.login", auth=(config["access_key"], config["secret_key"])).json()
    if login["meta"]["result_code"] != 200:
        report.say("FAIL", f"the server refuses access key {config['access_key']} "
                   f"({login['meta']['result_msg']}): create new credentials on the web UI's "
                   "Settings page and put them in the configuration")
        return None
    report.say("ok", f"credentials work: access key {config['access_key']}")
    info = _get(f"{api}/server.info",
                headers={"Authorization": f"Bearer {login['data']['token']}"}).json()
    warn_if_loopback(report, (info.get("data") or {}).get("files_server"),
                     "the file server URL the server hands out",
                     "restart the server with --public-host NAME (a name or address other "
                     "machines reach it by)")
    return login["data"]["token"]


def check_web(report, config):
    import requests
    web = config["urls"]["web"]
    try:
        page = _get(f"{web}/login")
    except requests.RequestException as exc:
        _unreachable(report, "the web UI", web, exc, config["source"]["web"])
        return
    if page.status_code != 200:
        report.say("FAIL", f"the web UI at {web} answers {page.status_code} to /login")
    else:
        report.say("ok", f"web UI answers at {web}")


def check_files(report, config, token):
    """Upload a file of random bytes, download it, compare, delete it."""
    import requests
    files = config["urls"]["files"]
    path = f"doctor/{socket.gethostname()}-{secrets.token_hex(4)}/round-trip.bin"
    payload = secrets.token_bytes(ROUND_TRIP_BYTES)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        up = requests.post(f"{files}/", files={path: ("round-trip.bin", payload)},
                           headers=auth, timeout=TIMEOUT)
        down = _get(f"{files}/{path}", headers=auth)
        requests.delete(f"{files}/{path}", headers=auth, timeout=TIMEOUT)
    except requests.RequestException as exc:
        _unreachable(report, "the file server", files, exc, config["source"]["files"])
        return
    if up.status_code != 200 or down.content != payload:
        report.say("FAIL", f"a file uploaded to {files} did not come back the same (upload "
                   f"{up.status_code}, download {down.status_code})")
        return
    digest = hashlib.sha256(payload).hexdigest()[:12]
    report.say("ok", f"file server round trip at {files}: {len(payload)} bytes up and back "
               f"(sha256 {digest}...)")


def check_stored(report, api, token):
    """Warn about stored model and artifact URLs that name loopback (the newest 500 of each)."""
    import requests
    auth = {"Authorization": f"Bearer {token}"}
    found = []
    for endpoint, key, only in (("models.get_all", "models", ["uri"]),
                                ("tasks.get_all", "tasks", ["execution.artifacts"])):
        answer = requests.post(f"{api}/{endpoint}", headers=auth, timeout=TIMEOUT, json={
            "only_fields": only, "order_by": ["-last_update"], "page": 0, "page_size": 500})
        for obj in (answer.json().get("data") or {}).get(key, []):
            urls = [obj.get("uri")] + [a.get("uri") for a in
                                       (obj.get("execution") or {}).get("artifacts") or []]
            found += [url for url in urls if names_loopback(url)]
    if found:
        report.say("warn", f"{len(found)} stored model or artifact URLs name loopback (such as "
                   f"{found[0]}): only the server's own machine can download them. They were "
                   "recorded while the server handed out loopback URLs: start it with "
                   "--public-host NAME so that new ones are reachable, and upload these again")
    else:
        report.say("ok", "no stored model or artifact URL names loopback")
