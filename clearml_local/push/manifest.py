"""The manifest of a push: each object's old id, new id and what it carried; the totals."""
import json
import os
import time
from collections import Counter
from pathlib import Path

SAVE_EVERY = 1.0  # Seconds between saves while pushing; a kill loses no more than that.


class ManifestError(Exception):
    """The manifest file belongs to a push to another target."""


class Manifest:
    """{old id: {kind, name, new, done, carried}} for one source and one target, kept in a
    JSON file written whole and at once (a kill leaves the previous version).

    The target's objects carry their old id too (writer.MARKER), so a lost or stale manifest
    costs time, never a duplicate: it only spares a resumed push the objects already done.
    """

    def __init__(self, path, source, target, objects=None):
        self.path, self.source, self.target = Path(path), source, target
        self.objects = objects or {}
        self._saved = 0.0

    @classmethod
    def load(cls, path, source, target):
        """The manifest at path, or a new one; ManifestError if it is of another target's.
        (A data folder may have moved: its objects' ids are its own all the same.)"""
        path = Path(path)
        if not path.exists():
            return cls(path, source, target)
        data = json.loads(path.read_text())
        if data.get("target") != target:
            raise ManifestError(f"{path} is the manifest of a push to {data.get('target')}: "
                                "name another with --manifest")
        return cls(path, source, target, data.get("objects"))

    def new_id(self, old):
        entry = self.objects.get(old)
        return entry["new"] if entry else None

    def is_done(self, old, new):
        entry = self.objects.get(old)
        return bool(entry and entry["new"] == new and entry["done"])

    def record(self, kind, old, new, name):
        """Note that old was found or created on the target as new, not yet filled."""
        entry = self.objects.get(old)
        if entry is None or entry["new"] != new:
            self.objects[old] = {"kind": kind, "name": name, "new": new, "done": False}

    def done(self, old, **carried):
        """Note that old is on the target whole, with what it carried (events, files, bytes)."""
        self.objects[old].update(done=True, **carried)
        if time.monotonic() - self._saved > SAVE_EVERY:
            self.save()

    def totals(self):
        """Objects done per kind, events per type, files and bytes carried."""
        done = [entry for entry in self.objects.values() if entry["done"]]
        events = Counter()
        for entry in done:
            events.update(entry.get("events") or {})
        return {"objects": dict(Counter(entry["kind"] for entry in done)),
                "events": dict(events), "files": sum(e.get("files", 0) for e in done),
                "bytes": sum(e.get("bytes", 0) for e in done)}

    def ids(self):
        return {old: entry["new"] for old, entry in self.objects.items()}

    def save(self):
        data = {"source": self.source, "target": self.target, "totals": self.totals(),
                "ids": self.ids(), "objects": self.objects}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(temporary, self.path)
        self._saved = time.monotonic()
