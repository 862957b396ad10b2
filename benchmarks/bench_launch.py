"""Launching a search's trials: clones through the clearml SDK (as random_search.py does) and
through our server's own 3-call API path, against Optuna's ask/tell on RDB SQLite storage, at
Optuna's defaults and at the durability clearml_local runs with (WAL, synchronous=NORMAL).

Run alone with
    .venv/bin/python benchmarks/bench_launch.py [--rounds 3] [--quick]
"""
import sys
import time

from figures import rotated, standalone
from plain_http import ClearMLHTTP
from servers import (MLFLOW_PYTHON, WORKLOADS, clean_environment, print_table,
                     run_json, start_clearml_local)

SIZES = {"sdk_clones": 100, "api_clones": 200, "trials": 200}
QUICK = {"sdk_clones": 10, "api_clones": 20, "trials": 20}
PARAMETERS = ("batch_size", "layer_1", "layer_2", "layer_3")


def sdk_launch(server, tmp, count):
    """Clones per second through the SDK (launch_clones.py), every clone checked queued."""
    env = {**clean_environment(), **server.env, "HOME": str(tmp / "home")}
    answer = run_json([sys.executable, WORKLOADS / "launch_clones.py", count, "default"], env, tmp)
    _check_queued(ClearMLHTTP(server), answer["template"], count)
    return count / answer["seconds"]


def api_launch(api, template, queue, count, round_number):
    """Clones per second over the API alone: tasks.clone, tasks.edit_hyper_params,
    tasks.enqueue, one keep-alive http.client connection (the queue id resolved once before)."""
    parent = api.call("tasks.create", {"name": f"api launch {round_number}", "type": "training"})
    start = time.perf_counter()
    for i in range(count):
        clone = api.call("tasks.clone", {"task": template, "new_task_name": f"api clone {i}",
                                         "new_task_parent": parent["id"]})["id"]
        api.call("tasks.edit_hyper_params", {"task": clone, "hyperparams": [
            {"section": "General", "name": name, "value": str(64 + (i * 7 + len(name)) % 128)}
            for name in PARAMETERS]})
        api.call("tasks.enqueue", {"task": clone, "queue": queue})
    elapsed = time.perf_counter() - start
    _check_queued(api, parent["id"], count)
    return count / elapsed


def _check_queued(api, parent, count):
    queued = api.call("tasks.get_all", {"parent": [parent], "status": ["queued"],
                                        "only_fields": ["id"]})["tasks"]
    if len(queued) != count:
        raise RuntimeError(f"launch: {len(queued)} of {count} clones are queued")


def optuna_launch(tmp, count, mode, round_number):
    """Optuna's trials per second on a fresh SQLite file; mode default or wal."""
    answer = run_json([MLFLOW_PYTHON, WORKLOADS / "optuna_trials.py", count,
                       tmp / f"optuna-{mode}-{round_number}.db", mode], clean_environment(), tmp)
    if answer["trials"] != count:
        raise RuntimeError(f"optuna: {answer['trials']} of {count} trials recorded")
    return count / answer["seconds"], answer


def measure(figures, sizes, rounds, tmp):
    """Every side once a round, the first one rotating; one sample per side and round."""
    with start_clearml_local(tmp / "ours") as server:
        api = ClearMLHTTP(server)
        template = run_json([sys.executable, WORKLOADS / "launch_clones.py", 1, "default"],
                            {**clean_environment(), **server.env, "HOME": str(tmp / "home")},
                            tmp)["template"]  # Untimed warm-up; its template is SDK-made.
        queue = api.call("queues.get_all", {"name": "^default$"})["queues"][0]["id"]
        durability = {}
        sides = {
            "launch_sdk_clones_per_s": lambda n: sdk_launch(server, tmp, sizes["sdk_clones"]),
            "launch_api_clones_per_s": lambda n: api_launch(api, template, queue,
                                                            sizes["api_clones"], n),
        }
        for mode in ("default", "wal"):
            def optuna(n, mode=mode):
                rate, answer = optuna_launch(tmp, sizes["trials"], mode, n)
                durability[mode] = f"journal_mode={answer['journal_mode']}, " \
                                   f"synchronous={answer['synchronous']}"
                return rate
            sides[f"optuna_{mode}_trials_per_s"] = optuna
        for round_number in range(rounds):
            for key in rotated(list(sides), round_number):
                figures.add(key, sides[key](round_number), **_size(key, sizes))
    figures.details["launch_durability"] = durability
    return durability


def _size(key, sizes):
    if key.startswith("optuna"):
        return {"trials": sizes["trials"]}
    return {"clones": sizes["sdk_clones" if "sdk" in key else "api_clones"]}


ROWS = [
    ("our SDK path: Task.clone, get/set_parameters, Task.enqueue (random_search.py)",
     "launch_sdk_clones_per_s", "clones/s"),
    ("our server's API path: tasks.clone, tasks.edit_hyper_params, tasks.enqueue",
     "launch_api_clones_per_s", "clones/s"),
    ("Optuna, RDB SQLite as it opens it", "optuna_default_trials_per_s", "trials/s"),
    ("Optuna, RDB SQLite with WAL and synchronous=NORMAL (our durability)",
     "optuna_wal_trials_per_s", "trials/s"),
]


def print_tables(figures):
    wal = figures.median("optuna_wal_trials_per_s")
    rows = [[label, f"{figures.median(key):.1f} {unit}",
             "{:.1f} to {:.1f}".format(*figures.range(key)), f"{figures.median(key) / wal:.2f}"]
            for label, key, unit in ROWS]
    durability = figures.details.get("launch_durability", {})
    print_table("Launching trials (median of the rounds; higher is better)",
                ["way", "median", "range", "/ Optuna at equal durability"], rows,
                [f"Optuna's SQLite: default {durability.get('default')}; "
                 f"wal {durability.get('wal')}. clearml_local: WAL, synchronous=NORMAL."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
