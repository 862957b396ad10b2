"""Large event batches: the server keeps answering while it stores them, and its memory stays
under the bound the README states however many arrive at once."""
import json
import threading
import time

import pytest
import requests

from conftest import start_server, stop_server

BATCH_BYTES = 60_000_000
AT_ONCE = 3
# README, "What the server promises": with --max-body-memory at its default (256 MB), the
# server's resident memory stays under 512 MB.
MEMORY_BOUND_KB = 512 * 1024
PING_SECONDS = 0.1


def scalar_batch(task):
    """About BATCH_BYTES of JSON lines: scalar events as the SDK reports them."""
    lines, size, step = [], 0, 0
    while size < BATCH_BYTES:
        line = json.dumps({"task": task, "type": "training_stats_scalar", "iter": step,
                           "timestamp": 1_700_000_000_000 + step, "metric": "loss",
                           "variant": f"worker {step % 8}", "value": step / 7})
        lines.append(line)
        size, step = size + len(line) + 1, step + 1
    return "\n".join(lines).encode(), step


def peak_kb(process):
    """The peak resident memory of the process (VmHWM), in kB."""
    with open(f"/proc/{process.pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Three 60 MB batches sent at once to a server of its own, pinged all the while:
    (their answers and event counts, the ping times, the server's peak memory)."""
    base = tmp_path_factory.mktemp("bodies")
    server = start_server(base / "data", base / "home")
    answers, bodies = [], [scalar_batch(server.api("tasks.create", name=f"big {n}",
                                                   type="training")["id"])
                           for n in range(AT_ONCE)]
    headers = {"Authorization": f"Bearer {server.token}"}

    def send(body):
        answers.append(requests.post(f"{server.api_url}/events.add_batch", data=body,
                                     headers=headers, timeout=600).json())

    senders = [threading.Thread(target=send, args=(body,)) for body, _ in bodies]
    for sender in senders:
        sender.start()
    pings = []
    while any(sender.is_alive() for sender in senders):
        started = time.monotonic()
        requests.get(f"{server.api_url}/debug.ping", timeout=60)
        pings.append(time.monotonic() - started)
    for sender in senders:
        sender.join()
    peak = peak_kb(server.process)
    stop_server(server)
    return answers, [count for _, count in bodies], pings, peak


def test_every_batch_is_stored_whole(stored):
    answers, counts, _, _ = stored
    assert sorted(answer["data"].get("added") for answer in answers) == sorted(counts)


def test_pings_answer_while_the_batches_are_stored(stored):
    pings = stored[2]
    print(f"{len(pings)} pings, slowest {max(pings) * 1000:.0f} ms")
    assert len(pings) >= 10 and max(pings) < PING_SECONDS


def test_peak_memory_stays_under_the_stated_bound(stored):
    print(f"peak resident memory {stored[3] / 1024:.0f} MB")
    assert stored[3] < MEMORY_BOUND_KB
