"""Property-based fuzz of every API endpoint, of credentials and of file paths: no 5xx, no
traceback, and refused calls change nothing."""
import base64
import hashlib
import inspect
import json
import os
import re
import sqlite3
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from starlette.routing import Route

from clearml_local import services, web
from clearml_local.services import _request
from clearml_local.routes import ROUTES
from conftest import start_server, stop_server
from support import fresh_token

SERVICES = Path(services.__file__).parent
# The fields of tasks, models, projects and queues a client may set.
EDITABLE = {*_request.TEXT_FIELDS, *_request.OBJECT_FIELDS, "tags", "system_tags", "ready",
            "last_iteration"}
# Every field a handler reads, found in the handlers' source so new fields are fuzzed too.
READS = re.compile(r'(?:field|id_list)\(call, "(\w+)"|call\.data(?:\.get\(|\[)"(\w+)"')
FIELD_NAMES = sorted(
    {name for path in SERVICES.glob("*.py") for pair in READS.findall(path.read_text())
     for name in pair if name}
    | EDITABLE
    | {"id", "status", "user", "search_text", "search_hidden", "only_fields", "order_by",
       "value", "iter", "timestamp", "variant", "msg", "plot_str"})
QUERY_FIELDS = ["id", "name", "project", "parent", "status", "type", "user", "tags",
                "system_tags", "search_text", "search_hidden", "only_fields", "order_by", "page",
                "page_size", "ready", "framework", "uri", "task"]


def fields_read(endpoint):
    """The fields an endpoint's handler reads (all known fields when that cannot be told)."""
    source = inspect.getsource(ROUTES[endpoint].handler)
    names = {name for pair in READS.findall(source) for name in pair if name}
    if "query(" in source:
        names |= set(QUERY_FIELDS)
    if "object_fields" in source or "_edit_fields" in source:
        names |= EDITABLE
    return sorted(names) or FIELD_NAMES


SQL_LIKE = ["' OR '1'='1", "x'); DROP TABLE tasks; --", "%", "_", "\\", "(", "[", "*", "__$all",
            "-", "../../credentials.json", "\x00", "NaN", "😀" * 3, "\ud800", "x" * 70_000]


def values(ids):
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(2**63, 2**80),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(st.characters(exclude_categories=()), max_size=20),
        st.sampled_from(SQL_LIKE), st.sampled_from(ids))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=3), max_leaves=8)


def bodies(endpoint, ids):
    """Request bodies: the ids of real objects, some of the endpoint's fields replaced by
    fuzzed values (NaN written as Python's JSON encoder writes it), as a JSON object or JSON
    lines; or arbitrary bytes."""
    real = {"task": ids[1], "tasks": [ids[1]], "ids": [ids[1]], "project": ids[0],
            "model": ids[3], "queue": ids[4], "worker": ids[5]}
    names = st.sampled_from(fields_read(endpoint))
    objects = st.dictionaries(names, values(ids), min_size=1, max_size=5).map(
        lambda fuzz: {**real, **fuzz})
    deep = st.tuples(names, st.integers(90, 5000)).map(
        lambda nest: json.dumps(real)[:-1] + f', "{nest[0]}": ' + "[" * nest[1] + "]" * nest[1]
        + "}")
    return st.one_of(
        objects.map(json.dumps),
        st.lists(objects, min_size=1, max_size=3).map(lambda o: "\n".join(map(json.dumps, o))),
        deep, st.binary(max_size=40),
        st.sampled_from(['{"page_size": 1e400}', '{"task": NaN}', "[1, 2]", "{", '"text"']))


def fingerprint(db_path):
    """A hash of every row of every table, read beside the server."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


# Examples per endpoint, drawn from a seed of its own: the same ones on every run unless
# FUZZ_SEED is set (FUZZ_SEED=7 FUZZ_EXAMPLES=100 explores further).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 8))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A server of its own holding one object of each kind, and their ids."""
    base = tmp_path_factory.mktemp("fuzz")
    running = start_server(base / "data", base / "home")
    project = running.api("projects.create", name="fuzz")["id"]
    task = running.api("tasks.create", name="fuzz", type="training", project=project)["id"]
    running.api("tasks.started", task=task)
    queued = running.api("tasks.create", name="queued", type="training")["id"]
    running.api("tasks.enqueue", task=queued)
    running.api("events.add", task=task, type="training_stats_scalar", metric="m",
                variant="v", value=1.0, iter=0)
    model = running.api("models.create", name="fuzz", task=task)["id"]
    queue = running.api("queues.create", name="fuzz")["id"]
    running.api("workers.register", worker="fuzz-worker")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {running.token}"
    yield running, session, [project, task, queued, model, queue, "fuzz-worker"]
    stop_server(running)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_fuzzed_calls_are_refused_cleanly(fuzzed, endpoint):
    running, session, ids = fuzzed
    db = running.data_dir / "clearml.db"
    if endpoint == "auth.logout":  # It ends the session of its token: a login of its own.
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {fresh_token(running)}"

    @seed(int(os.environ.get("FUZZ_SEED", 0)) + zlib.crc32(endpoint.encode()))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies(endpoint, ids))
    def call(body):
        before = fingerprint(db)
        response = session.post(f"{running.api_url}/{endpoint}", data=body, timeout=30)
        meta = response.json()["meta"]
        assert response.status_code == meta["result_code"] < 500, (body, meta)
        assert meta["error_stack"] == "" and "Traceback" not in response.text
        if meta["result_code"] != 200:
            assert fingerprint(db) == before, (body, meta)
        assert session.get(f"{running.api_url}/debug.ping", timeout=10).ok

    call()


# Bytes HTTP allows in a header value; the HTTP layer refuses others before the server sees them.
HEADER_TEXT = st.binary(max_size=60).map(
    lambda raw: bytes(b for b in raw if 0x20 <= b < 0x7f or b >= 0x80))


@seed(int(os.environ.get("FUZZ_SEED", 0)))
@settings(max_examples=EXAMPLES * 5, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(header=st.one_of(
    HEADER_TEXT.map(lambda raw: b"Basic " + base64.b64encode(raw)),
    HEADER_TEXT.map(lambda raw: b"Bearer " + raw), HEADER_TEXT.map(lambda raw: b"Basic " + raw)))
def test_fuzzed_credentials_are_401(fuzzed, header):
    """Before login: whatever the Authorization header holds, a 401 in the envelope."""
    running, _, _ = fuzzed
    response = requests.post(f"{running.api_url}/tasks.get_all", timeout=30,
                             headers={"Authorization": header.strip() or b"x"})
    assert response.status_code == response.json()["meta"]["result_code"] == 401


@seed(int(os.environ.get("FUZZ_SEED", 0)))
@settings(max_examples=EXAMPLES * 5, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(path=st.lists(st.text(st.characters(exclude_categories=()), max_size=300) | st.sampled_from(
    ["..", ".", "%00", "%2e%2e", "%ff", "\\", "files"]), min_size=1, max_size=4).filter(
        lambda parts: "".join(parts)))
def test_fuzzed_file_paths_never_crash(fuzzed, path):
    running, session, _ = fuzzed
    url = running.files_url + "/" + "/".join(
        quote(part.encode("utf-8", "surrogatepass"), safe="%") for part in path)
    for method in ("GET", "DELETE"):
        response = session.request(method, url, timeout=30)
        assert response.status_code in (200, 400, 404, 405), response.text
        if response.status_code != 200:  # '/.' reaches '/', the file server's plain-text page.
            assert response.json()["meta"]["result_code"] == response.status_code


# The web UI: every route, its path parts and query strings fuzzed; its forms with a valid token.
WEB = Path(services.__file__).parent.parent / "web"
WEB_READS = re.compile(r'(?:query|form|query_params)\.(?:get|getlist)\("(\w+)"')
# Fields every page is tried with: the API's paging and ordering, and a draft's edit rows.
WEB_COMMON = ["page", "page_size", "order", "order_by", "ids", "next", "csrf_token", "p0.section",
              "p0.name", "p0.value", "p0.key", "c0.name", "c0.value"]
WEB_ROUTES = sorted({(method, route.path) for route in web.routes() if isinstance(route, Route)
                     for method in route.methods - {"HEAD"}})
WEB_VALUES = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=20), st.sampled_from(SQL_LIKE[:-1]),
    st.integers().map(str), st.just("9" * 30), st.just("(a+)+$"), st.just("x" * 20_000),
    st.sampled_from(["all", "1", "-name", "metric:x", "param:a", "to", "up", "last", "min"]))

HTTP_LINE_LIMIT = 16 * 1024  # h11's largest request line and headers (uvicorn's default).


def url_part(text):
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def web_fields(path):
    """The query and form fields the route's module reads (found in its source), and common ones."""
    page = next((page for page in web.PAGES if path in (page.path, page.path + ".json")), None)
    route = next(r for r in web.routes() if isinstance(r, Route) and r.path == path)
    module = inspect.getmodule(page.build if page else route.endpoint)
    source = inspect.getsource(module)
    return sorted({*WEB_READS.findall(source), *WEB_COMMON, *getattr(module, "FILTERS", ())})


def web_requests(method, path, ids):
    """A path with real ids or fuzzed parts in its placeholders, and a fuzzed query or form."""
    holes = re.findall(r"\{(\w+)(?::path)?\}", path)
    real = st.sampled_from([*ids, "*", *web.actions.ACTIONS])
    fuzzed = st.text(st.characters(exclude_categories=()), max_size=30) | st.just("abc.json")
    parts = st.tuples(*[st.one_of(real, real, real, fuzzed) for _ in holes])  # Mostly real.
    fields = st.lists(st.tuples(st.sampled_from(web_fields(path)) | st.text(max_size=8),
                                WEB_VALUES), max_size=8)

    def build(drawn):
        filled = path
        for hole, part in zip(holes, drawn[0]):
            filled = re.sub(r"\{" + hole + r"(?::path)?\}", url_part(part).replace("\\", "\\\\"),
                            filled, count=1)
        return filled, "&".join(f"{url_part(k)}={url_part(v)}" for k, v in drawn[1])
    return st.tuples(parts, fields).map(build)


@pytest.fixture(scope="module")
def web_login(fuzzed):
    return log_in_web(fuzzed[0])


def log_in_web(running):
    """The login cookies and this session's form token, as a browser holds them."""
    login = requests.post(f"{running.web_url}/login", allow_redirects=False, timeout=10,
                          data={"access_key": running.access_key,
                                "secret_key": running.secret_key})
    page = requests.get(f"{running.web_url}/projects", cookies=login.cookies, timeout=10).text
    return login.cookies, re.search(r'<meta name="csrf-token" content="([\w-]+)">', page)[1]


def send_web(method, url, body, cookies):
    """The answer, or None when the HTTP layer refused a request line past its limit (it answers
    400 and closes before the client has sent it all)."""
    try:
        return requests.request(method, url, data=body, cookies=cookies, timeout=30,
                                allow_redirects=False,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
        assert len(url) > HTTP_LINE_LIMIT, url[:300]
        return None


@pytest.mark.parametrize("method, path", WEB_ROUTES)
def test_fuzzed_web_requests_are_answered_cleanly(fuzzed, web_login, method, path):
    running, session, ids = fuzzed

    @seed(int(os.environ.get("FUZZ_SEED", 0)) + zlib.crc32(f"{method} {path}".encode()))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(request=web_requests(method, path, ids))
    def call(request):
        filled, fields = request
        # A logout ends the login it is sent with: one of its own, not the module's.
        cookies, token = log_in_web(running) if path == "/logout" else web_login
        if method == "GET":
            url, body = running.web_url + filled + (f"?{fields}" if fields else ""), None
        else:
            url, body = running.web_url + filled, f"csrf_token={token}&{fields}"
        response = send_web(method, url, body, cookies)
        if response is not None:
            assert response.status_code < 500, (url[:300], body and body[:300], response.text)
            assert "Traceback" not in response.text and 'File "/' not in response.text
        assert session.get(f"{running.api_url}/debug.ping", timeout=10).ok

    call()
