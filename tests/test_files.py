"""The file server: upload as the SDK does, download, delete; nothing escapes the data folder."""
import pytest
import requests


def auth(server):
    return {"Authorization": f"Bearer {server.token}"}


def upload(server, path, content):
    return requests.post(server.files_url + "/", files={path: (path, content)},
                         headers=auth(server), timeout=10)


def test_upload_then_download_then_delete(server):
    assert upload(server, "/proj/task name.1/artifacts/a/a.json", b"{}").status_code == 200
    url = f"{server.files_url}/proj/task%20name.1/artifacts/a/a.json"
    assert requests.get(url, headers=auth(server), timeout=10).content == b"{}"
    assert requests.delete(url, headers=auth(server), timeout=10).status_code == 200
    assert requests.get(url, headers=auth(server), timeout=10).status_code == 404


@pytest.mark.parametrize("path", ["/../escape.txt", "/a/../../escape.txt", "/a/./../../x"])
def test_upload_outside_data_folder_is_refused(server, path):
    response = upload(server, path, b"x")
    meta = response.json()["meta"]
    assert response.status_code == 400 and "invalid file path" in meta["result_msg"]
    assert not (server.data_dir / "escape.txt").exists()


@pytest.mark.parametrize("path", ["/%2e%2e/credentials.json", "/files/..%2F..%2Fcredentials.json"])
def test_download_outside_data_folder_is_refused(server, path):
    response = requests.get(server.files_url + path, headers=auth(server), timeout=10)
    assert response.status_code in (400, 404)
    assert "secret_key" not in response.text


def test_files_need_credentials(server):
    upload(server, "/private/file.bin", b"secret")
    response = requests.get(f"{server.files_url}/private/file.bin", timeout=10)
    assert response.status_code == 401


def test_upload_without_file_part_is_400(server):
    response = requests.post(server.files_url + "/", data={"x": "y"}, headers=auth(server),
                             timeout=10)
    assert response.status_code == 400 and "no file" in response.json()["meta"]["result_msg"]


def test_models_are_found_by_uri(server):
    for uri in ("file:///tmp/a.keras", "file:///tmp/b.keras"):
        server.api("models.create", name=uri, uri=uri)
    found = server.api("models.get_all", uri=["file:///tmp/a.keras"])["models"]
    assert [m["uri"] for m in found] == ["file:///tmp/a.keras"]


def test_file_urls_resolve_whatever_the_files_port(tmp_path):
    from clearml_local.files import file_of_url
    from clearml_local.server import Server
    from clearml_local.settings import Settings
    local = Server(Settings(data_dir=tmp_path, files_port=9001))
    stored = tmp_path / "files" / "p" / "t.1" / "models" / "w.bin"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"w")
    assert file_of_url(local, "http://127.0.0.1:8081/p/t.1/models/w.bin") == stored
    assert file_of_url(local, "http://elsewhere:9001/p/t.1/models/w.bin") is None


def test_models_are_filtered_by_readiness_before_paging(server):
    project = server.api("projects.create", name="model readiness")["id"]
    for index in range(3):
        model = server.api("models.create", name=f"m{index}", project=project)["id"]
        if index == 2:
            server.api("models.set_ready", model=model)
    ready = server.api("models.get_all", project=[project], ready=True, page=0, page_size=1)
    assert [m["name"] for m in ready["models"]] == ["m2"]


@pytest.mark.parametrize("first, second, problem", [
    ("/clash/a.bin", "/clash/a.bin/b.bin", "a file"),
    ("/clash/dir/x.bin", "/clash/dir", "a folder")])
def test_a_path_clash_is_a_4xx_and_keeps_the_first_file(server, first, second, problem):
    assert upload(server, first, b"first").status_code == 200
    response = upload(server, second, b"second")
    meta = response.json()["meta"]
    assert response.status_code == meta["result_code"] == 409
    assert problem in meta["result_msg"]
    kept = requests.get(server.files_url + first, headers=auth(server), timeout=10)
    assert kept.content == b"first"
