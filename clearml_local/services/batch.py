"""The *_many endpoints: one action per id, and per id its result or the error that stopped it."""
from .. import errors
from ._request import id_list


def run_batch(call, action):
    """{succeeded: [result + id], failed: [{id, error: {codes, msg}}]} of action(id) for each id
    of the request, as clearml-server's run_batch_operation (apiserver/bll/util.py) answers.

    Each action is a storage write method, a savepoint in the call's transaction: an id that
    fails leaves nothing behind, and the others go on.
    """
    succeeded, failures = [], []
    for obj_id in id_list(call, "ids"):
        try:
            succeeded.append(dict(action(obj_id) or {}, id=obj_id))
        except errors.APIError as exc:
            failures.append({"id": obj_id, "error": {"codes": [exc.code, exc.subcode],
                                                     "msg": exc.message}})
    return {"succeeded": succeeded, "failed": failures}
