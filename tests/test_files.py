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
    assert response.status_code == 400 and "invalid file path" in response.json()["error"]
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
    assert response.status_code == 400 and "no file" in response.json()["error"]
