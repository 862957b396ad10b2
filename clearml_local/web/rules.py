"""Which actions ClearML's web UI offers for an experiment, and why it does not otherwise.

From clearml-web's src/app/webapp-common/shared/entity-page/items.utils.ts (canEnqueue,
selectionDisabledAbort, ...Reset, ...Delete, ...PublishExperiments, ...Dequeue). These only
decide which buttons are enabled: when an action runs, the API's own checks decide.
"""


def archived(task):
    return "archived" in (task.get("system_tags") or [])


def _status_in(*statuses):
    return lambda task: task["status"] in statuses


RULES = {
    "abort": (_status_in("queued", "in_progress"),
              "only a pending or running experiment can be aborted"),
    "enqueue": (_status_in("created", "stopped"),
                "only a draft or aborted experiment can be enqueued: reset it first"),
    "dequeue": (_status_in("queued"), "only a pending experiment can be dequeued"),
    "reset": (lambda task: task["status"] not in ("created", "published", "publishing"),
              "a draft has nothing to reset, and a published experiment cannot be reset"),
    "publish": (_status_in("stopped", "closed", "completed", "failed"),
                "only a completed, aborted or failed experiment can be published"),
    "clone": (lambda task: True, ""),
    "archive": (lambda task: not archived(task), "the experiment is archived already"),
    "restore": (archived, "only an archived experiment can be restored"),
    "delete": (archived, "only an archived experiment can be deleted: archive it first"),
    "tag": (lambda task: True, ""),
    "untag": (lambda task: bool(task.get("tags")), "the experiment has no tags"),
    "edit": (_status_in("created"),
             "only a draft can be edited: clone this experiment and edit the clone"),
}


def allowed(action, task):
    """Whether ClearML's web UI offers action for task."""
    return RULES[action][0](task)


def reason(action, task):
    """Why action is not offered for task, or '' when it is."""
    rule, why = RULES[action]
    return "" if rule(task) else why


def offered(task):
    """The names of the actions offered for task."""
    return [name for name, (rule, _) in RULES.items() if rule(task)]
