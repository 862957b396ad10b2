"""The web UI's defences: only safe URLs become links, no redirect leaves the site, no page can
be framed or sniffed as another type."""
import json
import re

import pytest
import requests

UNSAFE_URLS = ["javascript:alert(document.cookie)//x.png", "JavaScript:alert(1)",
               "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
               "vbscript:msgbox(1)", " javascript:alert(1)"]
SAFE_URL = "https://example.com/samples/x.png"


@pytest.fixture(scope="module")
def auth(server):
    return {"Authorization": f"Bearer {server.token}"}


@pytest.fixture(scope="module")
def planted(server):
    """A task whose debug samples name unsafe URLs (and one https URL), as any key holder can."""
    task = server.api("tasks.create", name="planted samples", type="training")["id"]
    server.call("events.add_batch", raw="\n".join(json.dumps(
        {"task": task, "type": "training_debug_image", "metric": "m", "variant": f"v{index}",
         "iter": 0, "url": url}) for index, url in enumerate(UNSAFE_URLS + [SAFE_URL])))
    return task


def test_only_http_urls_become_debug_sample_links(server, auth, planted):
    path = f"/projects/*/experiments/{planted}"
    page = requests.get(f"{server.web_url}{path}.json", headers=auth, timeout=30).json()
    urls = [sample["url"] for entry in page["debug_samples"] for sample in entry["samples"]]
    assert urls == [None] * len(UNSAFE_URLS) + [SAFE_URL]
    html = requests.get(f"{server.web_url}{path}", headers=auth, timeout=30).text
    assert "javascript:" not in html.lower() and "data:text" not in html
    assert "vbscript:" not in html and f'src="{SAFE_URL}"' in html


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
                                    "/\x00/evil.example", "/\x0b/evil.example",
                                    "//evil.example", "/\\evil.example", "\t//evil.example",
                                    "https://evil.example", "/\x7f/evil.example"])
def test_the_cancel_link_never_leaves_the_site(server, auth, target):
    task = server.api("tasks.create", name="next target", type="training")["id"]
    params = {"ids": task, "next": target}
    page = requests.get(f"{server.web_url}/actions/archive.json", params=params, headers=auth,
                        timeout=30)
    assert page.json()["next"] == "/projects"
    html = requests.get(f"{server.web_url}/actions/archive", params=params, headers=auth,
                        timeout=30).text
    assert re.findall(r'<a href="([^"]*)">(?:back|Cancel)</a>', html) == ["/projects"] * 2


@pytest.mark.parametrize("target", ["/projects/*/experiments?name=a%20b", "/compare?ids=a,b"])
def test_a_path_on_this_site_is_kept_as_next(server, auth, target):
    task = server.api("tasks.create", name="next kept", type="training")["id"]
    page = requests.get(f"{server.web_url}/actions/archive.json", headers=auth, timeout=30,
                        params={"ids": task, "next": target}).json()
    assert page["next"] == target


@pytest.mark.parametrize("path, logged_in", [
    ("/login", False), ("/projects", False), ("/projects.json", False), ("/static/style.css", False),
    ("/static/plotly.min.js", False), ("/no/such/page", False), ("/projects", True),
    ("/actions/delete?ids=x", True), ("/files/no/such/file", True)])
def test_every_web_answer_refuses_framing_and_sniffing(server, auth, path, logged_in):
    answer = requests.get(f"{server.web_url}{path}", headers=auth if logged_in else {},
                          allow_redirects=False, timeout=30)
    assert answer.headers.get("x-frame-options") == "DENY", (answer.status_code, path)
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers.get("content-security-policy", "")
