"""The target side of a push: a ClearML server reached only through the clearml SDK (its
Session for the REST API, StorageManager for the file server), named by a clearml.conf."""
import os
from pathlib import Path
from urllib.parse import unquote

from .remap import Hosts

PAGE = 500  # ClearML Server's largest get_all page.
EVENTS_PER_CALL = 200
# What would make the SDK talk to another server than the clearml.conf names.
OVERRIDES = ("HOST", "WEB_HOST", "FILES_HOST", "API_HOST", "API_ACCESS_KEY",
             "API_SECRET_KEY", "API_USERNAME", "API_PASSWORD", "OFFLINE_MODE")


class TargetError(Exception):
    """A call the target refused or could not answer; the message names the call."""


class Target:
    """The ClearML server a clearml.conf names.

    connect() points this process's clearml SDK at that server alone: CLEARML_CONFIG_FILE is
    set to the file, and the CLEARML_* (and legacy TRAINS_*) variables that would override it
    are removed from the environment. Raises TargetError when the server cannot be reached or
    refuses the credentials, SystemExit when the clearml package is not installed.
    """

    def __init__(self, session, hosts):
        self.session, self.hosts = session, hosts

    @classmethod
    def connect(cls, conf):
        conf = Path(conf).expanduser().resolve()
        if not conf.is_file():
            raise TargetError(f"no clearml.conf at {conf}")
        _use_only(conf)
        try:
            from clearml.backend_api import Session
        except ImportError:
            raise SystemExit("push needs the clearml SDK: pip install 'clearml-local[push]' "
                             "(or clearml)") from None
        try:
            session = Session()
            hosts = Hosts(Session.get_api_server_host(), Session.get_app_server_host(),
                          Session.get_files_server_host())
        except Exception as exc:  # noqa: BLE001 - the SDK raises many kinds; all say why.
            raise TargetError(f"cannot reach the server {conf} names: {exc}") from None
        return cls(session, hosts)

    def call(self, endpoint, **data):
        """The data of a successful call; TargetError naming the call otherwise."""
        service, action = endpoint.split(".")
        try:
            response = self.session.send_request(service, action, method="post", json=data)
            return _answer(endpoint, response)
        except TargetError:
            raise
        except Exception as exc:  # noqa: BLE001 - connection errors, bad JSON answers.
            raise TargetError(f"{endpoint}: {exc}") from None

    def get_all(self, endpoint, key, **data):
        """Every object a get_all call finds, a page at a time."""
        found, page = [], 0
        while True:
            batch = self.call(endpoint, page=page, page_size=PAGE, **data)[key]
            found += batch
            if len(batch) < PAGE:
                return found
            page += 1

    def add_events(self, events):
        """Send events with events.add_batch, EVENTS_PER_CALL at a time."""
        for start in range(0, len(events), EVENTS_PER_CALL):
            chunk = events[start:start + EVENTS_PER_CALL]
            try:
                responses = self.session.send_request_batch("events", "add_batch", json=chunk)
            except Exception as exc:  # noqa: BLE001 - connection errors.
                raise TargetError(f"events.add_batch: {exc}") from None
            for response in responses or []:
                _answer("events.add_batch", response)

    def upload(self, local, path):
        """Upload a local file to path (as a URL quotes it) on the target's file server;
        returns its URL there, quoted as the SDK records it. ClearML's file server stores a
        file under the name it is sent, so the path goes unquoted, as the SDK sends it."""
        from clearml import StorageManager
        url = f"{self.hosts.files.rstrip('/')}/{unquote(path).lstrip('/')}"
        try:
            uploaded = StorageManager.upload_file(str(local), url, wait_for_upload=True,
                                                  retries=3)
        except Exception as exc:  # noqa: BLE001 - storage drivers raise many kinds.
            raise TargetError(f"upload of {local} to {url}: {exc}") from None
        if not uploaded:
            raise TargetError(f"upload of {local} to {url} failed")
        return uploaded


def _use_only(conf):
    for prefix in ("CLEARML_", "TRAINS_"):
        for name in OVERRIDES:
            os.environ.pop(prefix + name, None)
    os.environ["CLEARML_CONFIG_FILE"] = str(conf)


def _answer(endpoint, response):
    body = response.json()
    meta = body.get("meta") or {}
    if meta.get("result_code") != 200:
        raise TargetError(f"{endpoint}: {meta.get('result_code')}/{meta.get('result_subcode')} "
                          f"{meta.get('result_msg')}")
    return body.get("data") or {}
