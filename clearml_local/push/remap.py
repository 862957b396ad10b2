"""Rewriting what a pushed object holds: the source's ids become the target's, and the source's
URLs (file server, web UI, API) the target's, its stored files uploaded on the way."""
import contextlib
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

# An object id as the local server makes them (uuid4 hex), not part of a longer hex string
# (a sha256 in a dataset's state holds many 32-character runs).
OBJECT_ID = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])")
# A URL in free text: up to a blank, a quote, an angle bracket or the backslash of an escaped
# quote (plots hold HTML links inside a JSON string).
URL = re.compile(r"https?://[^\s\"'<>\\]+")


@dataclass
class Hosts:
    """Where a server answers: its API, web UI and file server URLs (scheme://host:port)."""

    api: str
    web: str
    files: str

    def kind_of(self, url):
        """'api', 'web' or 'files' when url starts with one of these, else None."""
        for kind in ("files", "web", "api"):
            base = getattr(self, kind).rstrip("/")
            if url == base or url.startswith(base + "/"):
                return kind
        return None


@dataclass
class Remap:
    """Old ids to new ones, and the source's URLs to the target's.

    stored_file(url) gives the source file behind a URL of the source's file server (or None);
    upload(local path, target path) puts it on the target's file server and returns its URL
    there. Each URL is uploaded once per Remap. While dry is set nothing is uploaded: URLs are
    rewritten to where the files would go, and counted all the same.
    """

    ids: dict
    source: Hosts
    target: Hosts
    stored_file: Callable
    upload: Callable
    dry: bool = False
    uploaded: dict = field(default_factory=dict)  # old URL -> new URL
    files: int = 0  # Files uploaded (or, while dry, counted) through this Remap.
    bytes: int = 0
    missing: list = field(default_factory=list)  # URLs of source files that are not there.

    def id(self, old):
        """The new id of old, or old itself when it was not pushed."""
        return self.ids.get(old, old)

    def ids_in(self, text):
        return OBJECT_ID.sub(lambda found: self.ids.get(found.group(0), found.group(0)), text)

    def text(self, text):
        """text with every source URL rewritten (files uploaded), then every known old id."""
        return self.ids_in(URL.sub(lambda found: self.url(found.group(0)), text))

    def value(self, value):
        """A JSON value with text() applied to every string in it, dictionary keys too."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.value(item) for key, item in value.items()}
        return value

    def url(self, url):
        """The target's URL for a source URL; other URLs are left as they are."""
        if url in self.uploaded:
            return self.uploaded[url]
        local = self.stored_file(url)
        if local is not None:
            self.uploaded[url] = self.put(local, urlsplit(url).path, local.stat().st_size)
            return self.uploaded[url]
        kind = self.source.kind_of(url)
        if kind is None:
            return url
        if kind == "files" and urlsplit(url).path.strip("/"):
            self.missing.append(url)
        rest = url[len(getattr(self.source, kind).rstrip("/")):]
        return getattr(self.target, kind).rstrip("/") + self.ids_in(rest)

    @contextlib.contextmanager
    def counting(self):
        """Within the block, dry: files only counted."""
        dry, self.dry = self.dry, True
        try:
            yield
        finally:
            self.dry = dry

    def put(self, local, path, size):
        """Upload local to path (as a URL quotes it; its ids rewritten) on the target's file
        server; its new URL there."""
        path = self.ids_in(path).lstrip("/")
        self.files += 1
        self.bytes += size
        if self.dry:
            return f"{self.target.files.rstrip('/')}/{path}"
        return self.upload(local, path)
