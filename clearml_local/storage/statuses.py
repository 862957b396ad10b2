"""ClearML's task status machine: which status changes are allowed without force."""
from .. import errors

# ClearML Server's state_machine in apiserver/bll/task/utils.py, verbatim; a task may also
# "change" to its own status (ChangeStatusRequest.allow_same_state_transition defaults to True).
TRANSITIONS = {
    "created": {"queued", "in_progress"},
    "queued": {"created", "in_progress", "stopped"},
    "in_progress": {"stopped", "failed", "created", "completed"},
    "stopped": {"closed", "created", "failed", "queued", "in_progress", "published",
                "publishing", "completed"},
    "closed": {"created", "failed", "published", "publishing", "stopped"},
    "failed": {"created", "stopped", "published", "queued"},
    "publishing": {"published"},
    "published": set(),
    "completed": {"published", "in_progress", "created"},
}


def check_transition(current, new):
    """Raise InvalidTaskStatus when a task in status current may not move to new."""
    if new not in TRANSITIONS:
        raise errors.ValidationError(f"unknown task status {new!r}")
    if new != current and new not in TRANSITIONS.get(current, set()):
        raise errors.InvalidTaskStatus(
            f"invalid status change: {current} -> {new}", current_status=current, new_status=new)
