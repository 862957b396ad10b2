"""How values read on the pages: times, durations, numbers, sizes, links (Jinja filters)."""
from urllib.parse import urlencode

from .summary import parse_time

# ClearML's web UI names: "Draft", "Pending", "Running", "Aborted".
STATUS_LABELS = {"in_progress": "running", "created": "draft", "queued": "pending",
                 "stopped": "aborted"}


def when(stamp):
    """An ISO time as 'YYYY-MM-DD HH:MM:SS' (UTC), or '' for none."""
    moment = parse_time(stamp) if isinstance(stamp, str) else None
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def duration(seconds):
    if seconds is None:
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def num(value):
    """A metric value with four significant digits; other values as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else value
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def filesize(size):
    if not isinstance(size, (int, float)):
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


def status(value):
    return STATUS_LABELS.get(value, value)


def query(current, **changes):
    """A "?…" link to this page with the current query changed; empty values are left out."""
    merged = {**current, **changes}
    return "?" + urlencode({key: value for key, value in merged.items() if value})


FILTERS = {"when": when, "duration": duration, "num": num, "filesize": filesize,
           "status": status, "query": query}
