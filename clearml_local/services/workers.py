"""The workers.* service: agents announce themselves and report what they run."""
from ._request import field


def register(call):
    call.storage.register_worker(field(call, "worker"), call.identity,
                                 field(call, "queues", list, required=False),
                                 field(call, "timeout", int, required=False, default=600),
                                 field(call, "tags", list, required=False))
    return {}


def unregister(call):
    call.storage.unregister_worker(field(call, "worker"))
    return {}


def status_report(call):
    call.storage.report_worker(field(call, "worker"), call.identity,
                               field(call, "task", required=False),
                               field(call, "queues", list, required=False))
    return {}


def get_all(call):
    return {"workers": [_public(worker) for worker in call.storage.get_workers()]}


def get_runtime_properties(call):
    worker_id = field(call, "worker")
    workers = {w["id"]: w for w in call.storage.get_workers()}
    worker = workers.get(worker_id)
    return {"runtime_properties": worker["runtime_properties"] if worker else []}


def set_runtime_properties(call):
    call.storage.set_runtime_properties(field(call, "worker"),
                                        field(call, "runtime_properties", list))
    return {}


def _public(worker):
    task = worker.pop("task", None)
    return dict(worker, task={"id": task} if task else None,
                queues=[{"id": q} for q in worker["queues"]],
                user={"id": worker["user"]}, company={"id": worker["company"]})
