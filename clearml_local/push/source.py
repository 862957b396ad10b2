"""The source side of a push: a local server's data folder, read through its own storage."""
import sqlite3
from pathlib import Path

from ..datafolder import DATABASE
from ..files import stored_file
from ..settings import parse_client_environment
from ..storage import Storage
from .remap import Hosts


class SourceError(Exception):
    """The data folder cannot be read as a local server's."""


class Source:
    """A local server's data folder, read only: its objects, events and stored files.

    Raises SourceError when the folder holds no server database of this version or no
    clearml.env (the file the server writes at every start, which says at which URLs its
    stored links point). The server may be running meanwhile: this only reads.
    """

    def __init__(self, data_dir):
        self.data_dir = Path(data_dir).expanduser().resolve()
        database = self.data_dir / DATABASE
        if not database.is_file():
            raise SourceError(f"{self.data_dir} holds no local server database ({DATABASE})")
        self.hosts = _hosts(self.data_dir)
        try:
            self.storage = Storage(database, read_only=True)
        except (RuntimeError, sqlite3.Error) as exc:
            raise SourceError(f"cannot read {database}: {exc}") from None

    def close(self):
        self.storage.close()

    def projects(self):
        """Every project, hidden ones too, each after the projects above it."""
        return self.storage.every_project()

    def queues(self):
        return self.storage.every_queue()

    def tasks(self):
        """Every task, hidden and archived ones too, oldest first."""
        return self.storage.every_task()

    def models(self):
        return self.storage.every_model()

    def event_counts(self, task_id):
        """{type: how many} of the task's events."""
        return self.storage.event_counts(task_id)

    def event_pages(self, task_id, page=1000):
        """The task's events as they were reported, a page of one type at a time:
        (type, events) pairs."""
        for kind in sorted(self.storage.event_counts(task_id)):
            events, after = self.storage.events_page(task_id, kind, None, page)
            yield kind, _reported(events)
            while after is not None:
                events, after = self.storage.events_page(task_id, kind, after, page)
                yield kind, _reported(events)

    def stored_file(self, url):
        """The file behind a URL of this server's file server, or None."""
        return stored_file(self.data_dir, self.hosts.files, url)


def _reported(events):
    return [{key: value for key, value in event.items() if key != "_seq"} for event in events]


def _hosts(data_dir):
    env = data_dir / "clearml.env"
    if not env.is_file():
        raise SourceError(f"{data_dir} has no clearml.env: start the local server on it once, "
                          "so that it records the URLs its stored links name")
    settings = parse_client_environment(env.read_text())
    return Hosts(settings["CLEARML_API_HOST"], settings["CLEARML_WEB_HOST"],
                 settings["CLEARML_FILES_HOST"])
