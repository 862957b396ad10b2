"""Timestamps of a process's phases for the clone-overhead breakdown (on PYTHONPATH only there).

Every Python process started with BENCH_TIMELINE set appends JSON lines to that file: when the
process started (from /proc), when the interpreter reached this module, and at exit; in a task
script also Task.init's start and end and Keras' fit and evaluate, and in the agent when it
sees a child exit. Nothing else is changed.
"""
import atexit
import importlib.abc
import importlib.machinery
import json
import os
import sys
import time

TIMELINE = os.environ.get("BENCH_TIMELINE")


def mark(event, **extra):
    with open(TIMELINE, "a") as out:
        out.write(json.dumps({"pid": os.getpid(), "event": event, "t": time.time(),
                              "argv": sys.argv[:4], **extra}) + "\n")


def process_start():
    """Wall-clock time the kernel started this process (10 ms resolution), or None.

    Both the process's start and CLOCK_BOOTTIME count from the host's boot (/proc/uptime and
    btime may be a container's own).
    """
    try:
        ticks = int(open(f"/proc/{os.getpid()}/stat").read().rpartition(")")[2].split()[19])
        since = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - since
    except (OSError, ValueError, IndexError):
        return None


def timed(function, begin, end):
    def wrapper(*args, **kwargs):
        mark(begin)
        try:
            return function(*args, **kwargs)
        finally:
            mark(end)
    return wrapper


def patch_clearml(module):
    init = module.Task.init.__func__
    module.Task.init = classmethod(timed(init, "init_begin", "init_end"))


def patch_keras(module):
    module.Model.fit = timed(module.Model.fit, "fit_begin", "fit_end")
    module.Model.evaluate = timed(module.Model.evaluate, "evaluate_begin", "evaluate_end")


def patch_subprocess(module):
    """Mark when a parent (the agent daemon) first sees a child's exit."""
    poll = module.Popen.poll

    def watched(self):
        code = poll(self)
        if code is not None and not getattr(self, "_timeline_seen", False):
            self._timeline_seen = True
            mark(f"child_exit:{self.pid}")
        return code
    module.Popen.poll = watched


PATCHES = {"clearml.task": patch_clearml, "keras.src.models.model": patch_keras,
           "subprocess": patch_subprocess}


class Hook(importlib.abc.MetaPathFinder):
    """Patches a few modules right after they are first executed."""

    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            PATCHES[name](module)
        spec.loader.exec_module = exec_module
        return spec


if TIMELINE:
    mark("started", at=process_start(), command=sys.argv)
    mark("interpreter")
    atexit.register(mark, "exit")  # Registered first, so it runs after every other exit handler.
    sys.meta_path.insert(0, Hook())
