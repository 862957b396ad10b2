"""ClearML's task status machine: which status changes are allowed without force."""
from . import errors

# From ClearML Server's bll/task/utils.py; a task may also stay in its own status.
TRANSITIONS = {
    "created": {"queued", "in_progress"},
    "queued": {"created", "in_progress"},
    "in_progress": {"stopped", "failed", "created", "completed"},
    "stopped": {"closed", "created", "failed", "in_progress", "published", "publishing",
                "completed"},
    "closed": {"created", "failed", "published", "publishing", "stopped"},
    "failed": {"created", "stopped", "published"},
    "completed": {"published", "in_progress", "created"},
    "publishing": {"published"},
    "published": set(),
}


def check_transition(current, new):
    """Raise InvalidTaskStatus when a task in status current may not move to new."""
    if new not in TRANSITIONS:
        raise errors.ValidationError(f"unknown task status {new!r}")
    if new != current and new not in TRANSITIONS.get(current, set()):
        raise errors.InvalidTaskStatus(
            f"invalid status change: {current} -> {new}", current_status=current, new_status=new)
