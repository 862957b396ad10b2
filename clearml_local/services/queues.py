"""The queues.* service: queues and the order of the tasks waiting in them."""
from ..storage import QUEUE_EDITABLE
from ..storage.queues import MOVE_FIRST, MOVE_LAST
from ._request import field, get_all as get_all_of, object_fields


def create(call):
    field(call, "name")
    return {"id": call.storage.create_queue(object_fields(call, QUEUE_EDITABLE), call.identity)}


def get_by_id(call):
    return {"queue": call.storage.get_queue(field(call, "queue"))}


def get_all(call):
    """queues.get_all; max_task_entries bounds the entries listed with each queue."""
    most = field(call, "max_task_entries", int, required=False)

    def with_entries(queue):
        queue = call.storage.get_queue(queue["id"])
        return dict(queue, entries=queue["entries"][:most]) if most is not None else queue
    return get_all_of(call, "queues", expand=with_entries)


def get_default(call):
    queue = call.storage.default_queue()
    return {"id": queue["id"], "name": queue["name"]}


def update(call):
    fields = object_fields(call, QUEUE_EDITABLE)
    return {"updated": 1, "fields": call.storage.edit_queue(field(call, "queue"), fields)}


def delete(call):
    call.storage.delete_queue(field(call, "queue"),
                              field(call, "force", bool, required=False, default=False))
    return {"deleted": 1}


def get_next_task(call):
    """The first queued task, taken off the queue; {} when the queue is empty."""
    entry = call.storage.pop_queue(field(call, "queue"))
    return {"entry": entry} if entry else {}


def add_task(call):
    call.storage.add_queue_entry(field(call, "queue"), field(call, "task"), field(
        call, "update_execution_queue", bool, required=False, default=True))
    return {"added": 1}


def remove_task(call):
    task_id, queue_id = field(call, "task"), field(call, "queue")
    call.storage.remove_from_queue(queue_id, task_id)
    return {"removed": 1}


def _move(move_of):
    def handler(call):
        queue_id, task_id = field(call, "queue"), field(call, "task")
        return {"position": call.storage.move_in_queue(queue_id, task_id, move_of(call))}
    return handler


def _count(call):
    return field(call, "count", int, required=False, default=1)


move_task_forward = _move(lambda call: -_count(call))
move_task_backward = _move(_count)
move_task_to_front = _move(lambda call: MOVE_FIRST)
move_task_to_back = _move(lambda call: MOVE_LAST)


def get_num_entries(call):
    return {"num": len(call.storage.get_queue(field(call, "queue"))["entries"])}


def get_queue_metrics(call):
    return {"queues": []}
