"""Which events a request selects: by metric and variant, and by pages of iterations."""
import base64
import binascii
import json

from .. import errors


def page(storage, task_id, wanted, iters, earlier, position):
    """A task's debug image events (of the wanted {metric: variants}) in the iters iterations
    after position: the earlier ones when earlier is set, newest first; else the later ones."""
    events = [e for e in storage.get_events(task_id, "training_debug_image")
              if selected(e, wanted)]
    if position is not None:
        events = [e for e in events if ((e.get("iter") or 0) < position if earlier
                                        else (e.get("iter") or 0) > position)]
    kept = sorted({e.get("iter") or 0 for e in events}, reverse=earlier)[:iters]
    return [e for e in events if (e.get("iter") or 0) in kept]


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
