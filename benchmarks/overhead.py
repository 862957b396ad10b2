"""Where a clone's time goes between the agent pulling it and its completion, from the timeline
that workloads/timeline/sitecustomize.py writes for every Python process the agent starts, and
the floor: a fresh `python -c "import tensorflow, clearml"`."""
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

TIMELINE_DIR = Path(__file__).resolve().parent / "workloads" / "timeline"
# (label, from, to): marks of one clone, in the order they happen.
PHASES = [
    ("agent daemon: dequeue -> `clearml-agent execute` started", "dequeued", "execute"),
    ("clearml-agent execute: its start -> exec of the task's script", "execute", "script"),
    ("script: imports (TensorFlow, Keras, clearml, ...) -> Task.init", "script", "init_begin"),
    ("script: Task.init", "init_begin", "init_end"),
    ("script: data and model, Task.init -> fit", "init_end", "fit_begin"),
    ("script: training (fit + evaluate) - the clone's own work", "fit_begin", "evaluate_end"),
    ("script: after training -> its exit handlers done (reports, Task.close, flush)",
     "evaluate_end", "script_exit"),
    ("script: teardown after its exit handlers, until the agent sees it exit (1 s polls)",
     "script_exit", "exit_seen"),
    ("agent: exit seen -> completed (last log lines, tasks.completed)", "exit_seen",
     "completed"),
]


def timeline_env(path):
    """Environment that makes every Python process record its phases into path."""
    return {"BENCH_TIMELINE": str(path), "PYTHONPATH": str(TIMELINE_DIR)}


def read_timeline(path):
    """The lives of the processes in the timeline, in order: [{"pid", "command", "started",
    event: first time}]. `clearml-agent execute` exec()s the task's script in its own process, so
    one pid can have two lives; the second starts when its interpreter reports in."""
    lives, current = [], {}
    for line in Path(path).read_text().splitlines():
        record = json.loads(line)
        if record["event"] == "started":
            exec_ed = record["pid"] in current
            current[record["pid"]] = life = {
                "pid": record["pid"], "command": record.get("command") or [],
                "started": record["t"] if exec_ed else (record.get("at") or record["t"])}
            lives.append(life)
        elif record["pid"] in current:
            current[record["pid"]].setdefault(record["event"], record["t"])
    return lives


def clone_marks(lives, task_id, dequeued, completed):
    """The marks of one clone: its `clearml-agent execute --id` process and the script it ran."""
    executes = [i for i, life in enumerate(lives)
                if "execute" in life["command"] and task_id in life["command"]]
    if not executes:
        raise RuntimeError(f"no `clearml-agent execute` of {task_id} in the timeline")
    execute = lives[executes[0]]
    scripts = [life for life in lives[executes[0] + 1:]
               if life["pid"] == execute["pid"] and "init_begin" in life]
    if not scripts:
        raise RuntimeError(f"the script of {task_id} left no Task.init in the timeline")
    script = scripts[0]
    seen = [life[f"child_exit:{execute['pid']}"] for life in lives
            if f"child_exit:{execute['pid']}" in life]
    return {"dequeued": dequeued, "execute": execute["started"], "script": script["started"],
            "completed": completed, "script_exit": script.get("exit"),
            "exit_seen": seen[0] if seen else None,
            **{key: script[key] for key in ("interpreter", "init_begin", "init_end", "fit_begin",
                                            "evaluate_end") if key in script}}


def breakdown(marks_of_clones):
    """Median seconds of each phase over the clones, and the median overhead."""
    phases = {}
    for label, begin, end in PHASES:
        spans = [m[end] - m[begin] for m in marks_of_clones if m.get(begin) and m.get(end)]
        phases[label] = statistics.median(spans) if spans else None
    overheads = [(m["completed"] - m["dequeued"]) - (m["evaluate_end"] - m["fit_begin"])
                 for m in marks_of_clones]
    return phases, statistics.median(overheads)


def bare_process(env, runs=3):
    """Median seconds of a fresh `python -c "import tensorflow, clearml"` (and of `pass`)."""
    def timed(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    return (statistics.median(timed("import tensorflow, clearml") for _ in range(runs)),
            statistics.median(timed("pass") for _ in range(runs)))
