"""Per-call latency of the API with a plain http.client client: tasks.get_by_id of a task the
clearml SDK made (Task.init, a parameters dict, scalars) against a hello-world endpoint on the
same HTTP stack (Starlette, uvicorn, clearml_local's socket setup), p50 and p99, and the CPU
time each server spends per call. Blocks of calls alternate, the first side rotating.

Run alone with
    .venv/bin/python benchmarks/bench_latency.py [--rounds 3] [--quick]
"""
import statistics
import subprocess
import sys
import time

from figures import rotated, standalone
from plain_http import ClearMLHTTP, PlainHTTP
from servers import (WORKLOADS, clean_environment, cpu_seconds, print_table, run_json,
                     start_clearml_local)

SIZES = {"calls": 2000, "blocks": 4}
QUICK = {"calls": 400, "blocks": 2}


def start_floor(tmp):
    """The hello-world server on a free port; returns its Popen and URL."""
    port_file = tmp / "floor.port"
    process = subprocess.Popen([sys.executable, WORKLOADS / "floor_server.py", port_file],
                               stdout=subprocess.DEVNULL, stderr=open(tmp / "floor.log", "w"),
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the floor server did not start: see {tmp / 'floor.log'}")
        time.sleep(0.1)
    return process, f"http://127.0.0.1:{port_file.read_text()}"


def timed_calls(call, count):
    """Milliseconds of each of count calls, one after the other."""
    result = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        result.append((time.perf_counter() - start) * 1000)
    return result


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def sdk_task(server, tmp):
    """A task as the clearml SDK makes it: Task.init, a parameters dict, 100 scalars."""
    env = {**clean_environment(), **server.env, "HOME": str(tmp / "home")}
    return run_json([sys.executable, WORKLOADS / "clearml_run.py", "server", 100], env, tmp)["id"]


def measure(figures, sizes, rounds, tmp):
    with start_clearml_local(tmp / "ours") as server:
        task_id = sdk_task(server, tmp)
        api = ClearMLHTTP(server)
        small_id = api.call("tasks.create", {"name": "small", "type": "training"})["id"]
        floor_process, floor_url = start_floor(tmp)
        try:
            floor = PlainHTTP(floor_url)
            body = f'{{"task": "{task_id}"}}'.encode()
            sides = {
                "api": (lambda: api.call("tasks.get_by_id", {"task": task_id}),
                        server.process.pid),
                "api_small": (lambda: api.call("tasks.get_by_id", {"task": small_id}),
                              server.process.pid),
                "floor": (lambda: floor.request("POST", "/hello", body), floor_process.pid),
            }
            for call, _ in sides.values():  # Untimed warm-up.
                timed_calls(call, 50)
            block = sizes["calls"] // sizes["blocks"]
            for round_number in range(rounds):
                samples = {name: [] for name in sides}
                cpu = {name: 0.0 for name in sides}
                for _ in range(sizes["blocks"]):
                    for name in rotated(list(sides), round_number):
                        call, pid = sides[name]
                        before = cpu_seconds(pid)
                        samples[name] += timed_calls(call, block)
                        cpu[name] += cpu_seconds(pid) - before
                record(figures, samples, cpu, block * sizes["blocks"])
        finally:
            floor_process.terminate()
            floor_process.wait(timeout=30)


def record(figures, samples, cpu, calls):
    """One round's p50, p99 and server CPU per call of each side."""
    for name in samples:
        size = {"calls": calls, "client": "http.client, keep-alive"}
        figures.add(f"{name}_p50_ms", percentile(samples[name], 50), **size)
        figures.add(f"{name}_p99_ms", percentile(samples[name], 99), **size)
        figures.add(f"{name}_cpu_ms_per_call", cpu[name] / calls * 1000, **size)


def print_tables(figures):
    rows = [[label, *(f"{figures.median(f'{prefix}_{kind}'):.3f}" for kind in (
        "p50_ms", "p99_ms", "cpu_ms_per_call")), "{:.3f} to {:.3f}".format(
        *figures.range(f"{prefix}_p50_ms"))]
        for label, prefix in (("tasks.get_by_id of an SDK-made task", "api"),
                              ("tasks.get_by_id of a task made with a name only", "api_small"),
                              ("hello world, same stack", "floor"))]
    ratio = figures.median("api_p50_ms") / figures.median("floor_p50_ms")
    print_table("API latency, plain http.client (median of the rounds; lower is better)",
                ["call", "p50 ms", "p99 ms", "server CPU ms/call", "p50 range"], rows,
                [f"p50 ours / floor: {ratio:.2f}. Every API answer carries `Connection: close` "
                 "(clearml_local/envelope.py), so the client connects anew for each API call; the "
                 "floor keeps its connection. Server CPU: the server process's user + system "
                 "time over the calls (/proc), at 10 ms resolution over each block."])


if __name__ == "__main__":
    standalone(measure, print_tables, SIZES, QUICK, __doc__)
