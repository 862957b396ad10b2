"""Which events a request selects: by metric and variant, and by pages of iterations."""
import base64
import binascii
import json

from .. import errors


def page(storage, task_id, wanted, iters, earlier, position):
    """A task's debug image events (of the wanted {metric: variants}) in the iters iterations
    after position: the earlier ones when earlier is set, newest first; else the later ones."""
    events = shown_images(e for e in storage.get_events(task_id, "training_debug_image")
                          if selected(e, wanted))
    if position is not None:
        events = [e for e in events if ((e.get("iter") or 0) < position if earlier
                                        else (e.get("iter") or 0) > position)]
    kept = sorted({e.get("iter") or 0 for e in events}, reverse=earlier)[:iters]
    return [e for e in events if (e.get("iter") or 0) in kept]


def _iter(event):
    return event.get("iter") or 0


def shown_images(events):
    """The image events ClearML Server's debug_images shows (bll/event/
    metric_debug_images_iterator.py, metric_events_iterator.py): those with a url, one per
    iteration, metric and variant (the greatest url), and of each variant only the iterations
    after the last one whose file was overwritten since: the SDK reuses file names past
    file_history_size, so the newest url found at an earlier iteration too marks that
    iteration and the ones before it invalid (last_invalid_iteration)."""
    events, one = list(events), {}
    for event in events:
        if isinstance(event.get("url"), str) and event["url"]:
            key = (_iter(event), event.get("metric", ""), event.get("variant", ""))
            if key not in one or event["url"] > one[key]["url"]:
                one[key] = event
    by_variant = {}
    for (_, metric, variant), event in one.items():
        by_variant.setdefault((metric, variant), []).append(event)
    shown = set()
    for found in by_variant.values():
        newest = max(found, key=_iter)
        reused = sorted({_iter(e) for e in found if e["url"] == newest["url"]}, reverse=True)
        shown.update(id(e) for e in found if len(reused) < 2 or _iter(e) > reused[1])
    return [event for event in events if id(event) in shown]


def by_iteration(events, earlier):
    """[{iter, events}] in paging order, each iteration's events by metric and variant."""
    grouped = {}
    for event in events:
        grouped.setdefault(event.get("iter") or 0, []).append(event)
    return [{"iter": iteration, "events": sorted(
                grouped[iteration], key=lambda e: (e.get("metric", ""), e.get("variant", "")))}
            for iteration in sorted(grouped, reverse=earlier)]


def scroll_id(positions):
    return base64.urlsafe_b64encode(json.dumps(positions).encode()).decode()


def positions(scroll):
    """{task: last iteration answered} from a scroll id; ValidationError when it is not one."""
    if not scroll:
        return {}
    try:
        decoded = json.loads(base64.urlsafe_b64decode(scroll.encode()))
    except (ValueError, binascii.Error):
        decoded = None
    if not isinstance(decoded, dict) or not all(isinstance(v, int) for v in decoded.values()):
        raise errors.ValidationError(f"invalid scroll id {scroll!r}")
    return decoded


def metric_variants(metrics):
    """{metric: [variants] or None (all)} from a request's [{metric, variants}], or None."""
    if not metrics:
        return None
    if not all(isinstance(m, dict) and isinstance(m.get("metric"), str) for m in metrics):
        raise errors.ValidationError("each metrics item needs a metric")
    return {m["metric"]: m.get("variants") or None for m in metrics}


def selected(event, wanted):
    """Whether the event is of a wanted {metric: variants or None}; wanted None: all are."""
    if wanted is None:
        return True
    variants = wanted.get(event.get("metric", ""), False)
    return variants is None or (variants is not False and event.get("variant", "") in variants)
