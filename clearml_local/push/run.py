"""One push: every object of the selection found or created on the target (so that each has
its new id), then filled; an object that fails is named and the others go on."""
import sys
from collections import Counter
from dataclasses import dataclass, field

from . import lookup, models, plan, skeletons, tasks
from .remap import Remap


@dataclass
class Push:
    source: object
    target: object
    manifest: object
    selection: plan.Selection
    remap: Remap
    dry: bool
    out: object = sys.stdout
    err: object = sys.stderr
    failures: list = field(default_factory=list)
    created: set = field(default_factory=set)  # Old ids of the objects this push made.
    would: Counter = field(default_factory=Counter)  # With dry: what a push would carry.

    def skeletons(self):
        """Find or create each object on the target; projects and queues are then whole."""
        for project in self.selection.projects:
            self._skeleton("project", project, lambda: skeletons.project(
                self.target, self.remap, project), whole=True)
        for queue in self.selection.queues:
            self._skeleton("queue", queue, lambda: skeletons.queue(self.target, queue), True)
        for task in self.selection.tasks:
            self._skeleton("task", task, lambda: skeletons.task(self.target, self.remap, task))
        for model in self.selection.models:
            self._skeleton("model", model, lambda: skeletons.model(
                self.target, self.remap, model))

    def fill(self):
        for task in self.selection.tasks:
            self._fill("task", task, lambda new, send: tasks.fill(
                self.target, self.remap, self.source, task, new, send,
                fresh=task["id"] in self.created),
                lambda new: task["id"] not in self.created and tasks.whole_on_target(
                    self.target, task, new),
                tasks.unmapped(self.remap, task))
        for model in self.selection.models:
            self._fill("model", model, lambda new, send: models.fill(
                self.target, self.remap, self.source, model, new, send,
                fresh=model["id"] in self.created), lambda new: False,
                models.unmapped(self.remap, model))

    def _skeleton(self, kind, obj, create, whole=False):
        old = obj["id"]
        if old not in self.remap.ids:
            if self.dry:
                self.would[kind] += 1
                return
            if not self._attempt(kind, obj, lambda: self._create(kind, old, create)):
                return
        self.manifest.record(kind, old, self.remap.ids[old], obj["name"])
        if whole and not self.dry:
            self.manifest.done(old)

    def _create(self, kind, old, create):
        self.remap.ids[old] = create()
        self.created.add(old)

    def _fill(self, kind, obj, fill, whole_on_target, unmapped):
        old, new = obj["id"], self.remap.ids.get(obj["id"])
        if self.dry:
            self._count(kind, obj, lambda: fill(new or old, False))
        elif new is not None and not self.manifest.is_done(old, new):
            self._attempt(kind, obj, lambda: self._write(kind, obj, fill, whole_on_target(new)))
            for reference in unmapped:
                print(f"{kind} {obj['name']!r} ({old}): {reference} was not pushed, left out",
                      file=self.err)

    def _write(self, kind, obj, fill, whole):
        """Fill the object (only count what it carries when the target has it whole)."""
        old, new = obj["id"], self.remap.ids[obj["id"]]
        files, size, missing = self.remap.files, self.remap.bytes, len(self.remap.missing)
        self.remap.dry = whole
        try:
            events = fill(new, not whole) or {}
        finally:
            self.remap.dry = False
        for url in self.remap.missing[missing:]:
            print(f"{kind} {obj['name']!r} ({old}): no file behind {url} in the source; its "
                  "URL names the target's file server all the same", file=self.err)
        self.manifest.done(old, events=events, files=self.remap.files - files,
                           bytes=self.remap.bytes - size)
        if not whole:
            print(f"pushed {kind} {obj['name']!r} {old} -> {new}: "
                  f"{sum(events.values())} events, {self.remap.files - files} files",
                  file=self.out, flush=True)

    def _count(self, kind, obj, fill):
        """With dry: count what the object would carry, unless the target has it whole."""
        old = obj["id"]
        new = self.remap.ids.get(old)
        if new is not None and self.manifest.is_done(old, new):
            return
        events = self._attempt(kind, obj, fill)
        if isinstance(events, dict):
            self.would["events"] += sum(events.values())
        print(f"would push {kind} {obj['name']!r} {old}", file=self.out)

    def _attempt(self, kind, obj, action):
        """action(), or None with the failure named when it raises."""
        try:
            return action() or True
        except Exception as exc:  # noqa: BLE001 - one object's failure stops only that one.
            message = f"{kind} {obj['name']!r} ({obj['id']}): {type(exc).__name__}: {exc}"
            self.failures.append(message)
            print(f"FAILED {message}", file=self.err, flush=True)
            return None


def run(source, target, manifest, project_names=(), dry_run=False, out=sys.stdout,
        err=sys.stderr):
    """Push the source's objects (those of project_names only, when given) to the target,
    recording them in manifest (not with dry_run, which writes nothing to the target either);
    returns whether every object was carried."""
    selection = plan.select(source, project_names)
    remap = Remap(found(source, target, selection), source.hosts, target.hosts,
                  source.stored_file, target.upload, dry=dry_run)
    push = Push(source, target, manifest, selection, remap, dry_run, out, err)
    push.skeletons()
    push.fill()
    if dry_run:
        _report_dry(push)
    else:
        manifest.save()
        _report(push)
    return not push.failures


def found(source, target, selection):
    """{old id: new id} of what the target already has: the selection's projects and queues
    by name, and every task and model an earlier push made (references to them from the
    selection are then rewritten, even when they are not in it)."""
    ids = {}
    for kind, objects in (("projects", selection.projects), ("queues", selection.queues)):
        for obj in objects:
            new = lookup.by_name(target, kind, obj["name"])
            if new:
                ids[obj["id"]] = new
    ids.update(lookup.pushed(target, "tasks", [task["id"] for task in source.tasks()]))
    ids.update(lookup.pushed(target, "models", [model["id"] for model in source.models()]))
    return ids


def _report(push):
    totals = push.manifest.totals()
    print(f"Pushed to {push.target.hosts.api}: "
          + ", ".join(f"{count} {kind}s" for kind, count in sorted(totals["objects"].items()))
          + f"; {sum(totals['events'].values())} events, {totals['files']} files, "
          f"{totals['bytes']} bytes. Manifest: {push.manifest.path}", file=push.out)
    if push.failures:
        print(f"{len(push.failures)} objects were not pushed (above); run again to retry them",
              file=push.err)


def _report_dry(push):
    would = push.would
    print("Dry run: would create " + ", ".join(
        f"{would[kind]} {kind}s" for kind in ("project", "queue", "task", "model"))
        + f" on {push.target.hosts.api}, and carry {would['events']} events and "
        f"{push.remap.files} files ({push.remap.bytes} bytes)", file=push.out)
