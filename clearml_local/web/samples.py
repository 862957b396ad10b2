"""Debug samples: the images and media a task reported (report_image, report_media)."""
from urllib.parse import unquote, urlsplit

from ..services.event_selection import shown_images
from . import downloads

EVENT_TYPE = "training_debug_image"  # The SDK reports images and media alike as this type.
PER_VARIANT = 10
KINDS = {"image": ("png", "jpg", "jpeg", "gif", "webp", "bmp", "svg"),
         "video": ("mp4", "webm", "ogv", "mov"), "audio": ("wav", "mp3", "ogg", "m4a", "flac"),
         "html": ("html", "htm")}


def web_url(server, uri):
    """This web app's address of a file the file server holds, an http(s) address as it is,
    else None: any key holder reports samples, and a javascript: or data: URL as a link or a
    source would run their script in this site."""
    ours = downloads.link(server, uri)
    if ours:
        return ours
    return uri if urlsplit(uri).scheme.lower() in ("http", "https") else None


def kind(uri):
    extension = urlsplit(uri or "").path.rsplit(".", 1)[-1].lower()
    return next((name for name, extensions in KINDS.items() if extension in extensions), "file")


def sample(server, event):
    uri = event.get("url") if isinstance(event.get("url"), str) else ""
    return {"iter": event.get("iter") or 0, "url": web_url(server, uri), "kind": kind(uri),
            "name": unquote(urlsplit(uri).path.rsplit("/", 1)[-1])}


def by_variant(server, events, limit=PER_VARIANT):
    """[{metric, variant, samples}] with each variant's newest iterations first: those
    events.debug_images shows (a file overwritten since is not shown under its old iteration)."""
    grouped = {}
    for event in shown_images(events):
        key = (str(event.get("metric") or ""), str(event.get("variant") or ""))
        grouped.setdefault(key, []).append(event)
    return [{"metric": metric, "variant": variant, "samples": [
        sample(server, event) for event in sorted(
            found, key=lambda e: (e.get("iter") or 0, e.get("timestamp") or 0), reverse=True)
        [:limit]]} for (metric, variant), found in sorted(grouped.items())]


def side_by_side(server, rows):
    """For compare: per metric and variant, each experiment's newest sample, in rows' order."""
    table = {}
    for row in rows:
        events = server.storage.get_events(row["id"], EVENT_TYPE)
        for entry in by_variant(server, events, limit=1):
            table.setdefault((entry["metric"], entry["variant"]), {})[row["id"]] = \
                entry["samples"][0]
    return [{"metric": metric, "variant": variant,
             "experiments": [{"id": row["id"], "name": row["name"], "url": row["url"],
                              "sample": found.get(row["id"])} for row in rows]}
            for (metric, variant), found in sorted(table.items())]
