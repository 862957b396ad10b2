"""The server process: it ends on SIGTERM whatever clients do, closes connections left idle,
and is alone on its data folder."""
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, start_server, stop_server

# README, "What the server promises": SIGTERM ends it within --shutdown-timeout (5 s) + 2 s.
SHUTDOWN_SECONDS = 7
HALF_SENT = b"POST /debug.ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\""


def connect(url, sent=b""):
    """A socket to the server at url, which has sent it what sent holds."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    sock.sendall(sent)
    return sock


@pytest.fixture
def held(fresh_server):
    """The server with one client holding an unfinished request on each port."""
    sockets = [connect(url, HALF_SENT) for url in (fresh_server.api_url, fresh_server.web_url,
                                                   fresh_server.files_url)]
    time.sleep(0.5)
    yield fresh_server
    for sock in sockets:
        sock.close()


def test_sigterm_ends_the_server_whatever_clients_hold(held):
    held.process.send_signal(signal.SIGTERM)
    held.process.wait(timeout=SHUTDOWN_SECONDS)


def test_a_second_ctrl_c_ends_it_at_once(tmp_path):
    running = start_server(tmp_path / "data", tmp_path / "home", ["--shutdown-timeout", "600"])
    sock = connect(running.api_url, HALF_SENT)
    try:
        time.sleep(0.5)
        running.process.send_signal(signal.SIGINT)
        time.sleep(1)
        assert running.process.poll() is None  # Still waiting for the unfinished request.
        running.process.send_signal(signal.SIGINT)
        running.process.wait(timeout=5)
    finally:
        sock.close()
        stop_server(running)


@pytest.fixture(scope="module")
def impatient(tmp_path_factory):
    """A server that closes connections idle for a second."""
    base = tmp_path_factory.mktemp("impatient")
    running = start_server(base / "data", base / "home", ["--idle-timeout", "1"])
    yield running
    stop_server(running)


def closed_within(sock, seconds):
    """Whether the server closed sock within seconds (reading whatever it answered)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@pytest.mark.parametrize("port", ["api_url", "web_url", "files_url"])
@pytest.mark.parametrize("sent", [b"", b"GET /debug.ping HTTP/1.1\r\nHost: x\r\n", HALF_SENT],
                         ids=["nothing", "half the headers", "half the body"])
def test_a_connection_left_idle_is_closed(impatient, port, sent):
    with connect(getattr(impatient, port), sent) as sock:
        assert closed_within(sock, 10)


def test_a_slow_but_steady_client_is_answered(impatient):
    body = b'{"a": "' + b"x" * 10 + b'"}'
    head = f"POST /debug.ping HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    with connect(impatient.api_url, head.encode()) as sock:
        for byte in body:  # One byte every 0.4 s: 5 s in all, never idle for a second.
            time.sleep(0.4)
            sock.sendall(bytes([byte]))
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")


def serve_again(data_dir):
    return subprocess.run(
        [sys.executable, "-m", "clearml_local", "serve", "--port", "0", "--web-port", "0",
         "--files-port", "0", "--data-dir", str(data_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_second_server_on_the_same_data_folder_exits_naming_the_first(fresh_server):
    env = fresh_server.data_dir / "clearml.env"
    before = env.read_text(), env.stat().st_mtime_ns
    second = serve_again(fresh_server.data_dir)
    assert second.returncode != 0 and second.stderr.strip().count("\n") == 0
    assert "Traceback" not in second.stderr
    assert f"pid {fresh_server.process.pid}" in second.stderr
    for url in (fresh_server.api_url, fresh_server.web_url, fresh_server.files_url):
        assert str(urlsplit(url).port) in second.stderr
    assert (env.read_text(), env.stat().st_mtime_ns) == before
    assert fresh_server.call("debug.ping")["meta"]["result_code"] == 200


def test_the_data_folder_is_free_again_after_a_kill_9(tmp_path):
    first = start_server(tmp_path / "data", tmp_path / "home")
    first.process.kill()
    first.process.wait()
    second = start_server(tmp_path / "data", tmp_path / "home")
    try:
        assert second.call("debug.ping")["meta"]["result_code"] == 200
    finally:
        stop_server(second)


def test_sigterm_during_a_long_upload_ends_the_server(fresh_server):
    """An upload that keeps sending does not hold the server up either."""
    sock = connect(fresh_server.files_url, (
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Authorization: Bearer {fresh_server.token}\r\nContent-Length: 100000000\r\n\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"/p/a.bin\"; filename=\"a.bin\"\r\n\r\n"
    ).encode())
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                sock.sendall(b"x" * 1000)
            except OSError:
                return
            time.sleep(0.05)

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        time.sleep(0.5)
        fresh_server.process.send_signal(signal.SIGTERM)
        fresh_server.process.wait(timeout=SHUTDOWN_SECONDS)
    finally:
        stop.set()
        sender.join()
        sock.close()
