"""The web UI's links to stored files: they outlive a restart of the file server elsewhere."""
import socket

import requests

from conftest import start_server, stop_server


def free_four_digit_port():
    """A port of four digits that nothing listens on (never one of the default ports); the OS
    assigns ports of five (Linux: 32768 to 60999)."""
    for port in range(9000, 10000):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port of four digits")


def test_file_links_outlive_a_restart_on_a_files_port_of_another_length(tmp_path):
    """Artifact and model URLs keep the file server's port of the day they were recorded; after
    a restart on a port of another length, every link on the experiment page still serves them."""
    first = start_server(tmp_path / "data", tmp_path / "home",
                         ["--files-port", str(free_four_digit_port())])
    bearer = {"Authorization": f"Bearer {first.token}"}
    task = first.api("tasks.create", name="links", type="training")["id"]
    contents = {"artifact": b"artifact bytes", "model": b"model weights"}
    uris = {}
    for kind, content in contents.items():
        path = f"/links/{task}/{kind}s/{kind} file.bin"
        requests.post(first.files_url + "/", files={path: (path, content)}, headers=bearer,
                      timeout=10).raise_for_status()
        uris[kind] = f"{first.files_url}/links/{task}/{kind}s/{kind}%20file.bin"
    first.api("tasks.add_or_update_artifacts", task=task,
              artifacts=[{"key": "a", "type": "custom", "uri": uris["artifact"]}])
    model = first.api("models.create", name="m", uri=uris["model"])["id"]
    first.api("tasks.add_or_update_model", task=task, model=model, type="output", name="m")
    stop_server(first)
    again = start_server(tmp_path / "data", tmp_path / "home")
    bearer = {"Authorization": f"Bearer {again.token}"}
    try:
        page = requests.get(f"{again.web_url}/projects/*/experiments/{task}.json",
                            headers=bearer, timeout=10).json()
        links = [item["download_url"] for item in page["artifacts"] + page["models"]]
        served = [requests.get(again.web_url + link, headers=bearer, timeout=10).content
                  for link in links]
    finally:
        stop_server(again)
    assert len(again.files_url) != len(first.files_url)
    assert served == [contents["artifact"], contents["model"]]
