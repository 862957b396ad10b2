"""One plain `http.client` keep-alive connection per server: the client every HTTP-level figure
uses on both sides, so that no client library's own cost is counted for either."""
import base64
import http.client
import json
from urllib.parse import urlencode, urlsplit


class PlainHTTP:
    """Requests to one server over one connection, opened again when the server closed it.

    Every answer is read whole; RuntimeError for any status but 200, so that an error is
    never timed as speed.
    """

    def __init__(self, url, headers=None):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/")
        self.headers = dict(headers or {})
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        self.received = 0  # Body bytes read so far.

    def request(self, method, path, body=None, params=None, content_type="application/json"):
        """The answer's body as bytes."""
        target = self.prefix + path + (f"?{urlencode(params, doseq=True)}" if params else "")
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            self.connection.request(method, target, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()  # The server closed the kept-alive connection: once more.
            self.connection.request(method, target, body=body, headers=headers)
            response = self.connection.getresponse()
        data = response.read()
        self.received += len(data)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        if response.status != 200:
            raise RuntimeError(f"{method} {target}: HTTP {response.status} {data[:300]!r}")
        return data

    def get_json(self, path, params=None):
        return json.loads(self.request("GET", path, params=params))

    def post_json(self, path, payload):
        return json.loads(self.request("POST", path, json.dumps(payload).encode()))

    def close(self):
        self.connection.close()


class ClearMLHTTP(PlainHTTP):
    """clearml_local's API (and, with web_url, its web pages) as a logged-in plain client."""

    def __init__(self, server, web=False):
        super().__init__(server.env["CLEARML_WEB_HOST"] if web else server.url)
        keys = f"{server.env['CLEARML_API_ACCESS_KEY']}:{server.env['CLEARML_API_SECRET_KEY']}"
        login = PlainHTTP(server.url, {"Authorization": "Basic " + base64.b64encode(
            keys.encode()).decode()})
        self.token = json.loads(login.request("GET", "/auth.login"))["data"]["token"]
        login.close()
        self.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, endpoint, payload=None):
        """The answer's data; RuntimeError unless result_code is 200."""
        answer = self.post_json(f"/v2.23/{endpoint}", payload or {})
        if answer["meta"]["result_code"] != 200:
            raise RuntimeError(f"{endpoint}: {answer['meta']}")
        return answer["data"]

    def add_batch(self, lines):
        """events.add_batch with JSON lines, as the SDK sends them; the number added."""
        body = "\n".join(lines).encode()
        answer = json.loads(self.request("POST", "/v2.23/events.add_batch", body,
                                         content_type="application/json-lines"))
        if answer["meta"]["result_code"] != 200:
            raise RuntimeError(f"events.add_batch: {answer['meta']}")
        return answer["data"]["added"]


class MLflowHTTP(PlainHTTP):
    """An MLflow tracking server's REST API (/api/2.0/mlflow/...) as a plain client."""

    def __init__(self, server):
        super().__init__(f"{server.url}/api/2.0/mlflow")
