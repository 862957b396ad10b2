"""A search controller's experiments, live: their statuses and the leaderboard so far."""
from collections import Counter
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from . import leaderboard, objective, summary


def search(server, query, task_id):
    """The experiments the search task_id launched, ranked; raises InvalidTaskId if unknown."""
    storage = server.storage
    controller = storage.get_task(task_id)
    return {"title": f"Search {controller['name']}",
            **of_controller(storage, controller, storage.queue_names(), query)}


def of_controller(storage, controller, queues, query=None):
    """The search's experiments (storage.search_clones) ranked (leaderboard.rank) by its objective
    when it records one, with their statuses; queues names the queues ({id: name})."""
    rows = summary.rows(storage, storage.search_clones(controller["id"]), queues)
    board = leaderboard.rank(rows, query or QueryParams(), objective.of_controller(controller))
    rows = board["experiments"]
    return {
        "controller": {"id": controller["id"], "name": controller["name"],
                       "status": controller["status"], "url": summary.task_url(controller)},
        "count": len(rows), "statuses": dict(Counter(row["status"] for row in rows)),
        "running": controller["status"] in summary.RUNNING or any(
            row["status"] in summary.RUNNING for row in rows),
        "choice": board["choice"], "params": board["differing"],
        "experiments": [{key: row[key] for key in ("id", "name", "status", "url", "rank",
                                                   "score", "duration")}
                        | {"params": {key: row["params"].get(key) for key in board["differing"]}}
                        for row in rows],
        "compare_url": f"/compare?{urlencode({'search': controller['id']})}",
        "twin_url": f"/searches/{controller['id']}.json",
    }
