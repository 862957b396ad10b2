"""A pushed task's status: the status calls that lead from created to the source's status
through ClearML's status machine (clearml-server apiserver/bll/task/utils.py state_machine),
since no call sets a status directly."""

# The status each call leads to.
LEADS_TO = {"tasks.started": "in_progress", "tasks.completed": "completed",
            "tasks.failed": "failed", "tasks.stopped": "stopped", "tasks.publish": "published",
            "tasks.close": "closed", "tasks.enqueue": "queued"}
# From created, the calls to each source status. A task in progress on the source is stopped:
# nothing reports to the target for it. A publishing one is published.
PATHS = {
    "created": [],
    "queued": ["tasks.enqueue"],
    "in_progress": ["tasks.started", "tasks.stopped"],
    "completed": ["tasks.started", "tasks.completed"],
    "failed": ["tasks.started", "tasks.failed"],
    "stopped": ["tasks.started", "tasks.stopped"],
    "closed": ["tasks.started", "tasks.stopped", "tasks.close"],
    "published": ["tasks.started", "tasks.completed", "tasks.publish"],
    "publishing": ["tasks.started", "tasks.completed", "tasks.publish"],
}
IN_PROGRESS_REASON = "in progress on the local server when it was pushed"


def final_status(source_status):
    """The status a task of that source status ends in on the target."""
    path = PATHS.get(source_status, [])
    return LEADS_TO[path[-1]] if path else "created"


def remaining_calls(source_status, target_status):
    """The calls still needed to bring a task from target_status to where source_status
    leads (all of them unless target_status is on the way)."""
    path = PATHS.get(source_status, [])
    reached = [LEADS_TO[call] for call in path]
    if target_status in reached:
        return path[reached.index(target_status) + 1:]
    return path


def call_fields(call, task, queue_id):
    """The fields of one status call for the source task; the last call carries its reason."""
    fields = {}
    if call == "tasks.enqueue":
        fields["queue"] = queue_id
    if call == "tasks.publish":
        fields["publish_model"] = False  # Models keep their own ready flag (models.fill).
    if call == PATHS[task["status"]][-1]:
        fields["status_reason"] = (IN_PROGRESS_REASON if task["status"] == "in_progress"
                                   else task.get("status_reason") or "")
        fields["status_message"] = task.get("status_message") or ""
    return fields
