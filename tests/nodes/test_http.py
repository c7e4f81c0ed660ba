"""core.http against a real HTTP server on 127.0.0.1, through real runs."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.runs import node_run, run_workflow
from tests.specs import chain, make_spec, node
from workflows.nodes.builtins.http import MAX_BODY_BYTES, host_matches

pytestmark = pytest.mark.django_db(transaction=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append((self.command, urlsplit(self.path).path))
        path, _, query = self.path.partition("?")
        params = dict(parse_qsl(query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if path == "/json":
            self.reply(200, {"total": 42, "items": [{"name": "a"}], "ok": True})
        elif path == "/text":
            self.reply(200, "plain words", "text/plain; charset=utf-8")
        elif path == "/echo":
            self.reply(
                200,
                {
                    "method": self.command,
                    "query": params,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                },
            )
        elif path.startswith("/status/"):
            self.reply(int(path.rsplit("/", 1)[1]), {"error": "boom"})
        elif path == "/slow":
            time.sleep(float(params["s"]))
            self.reply(200, {"slow": True})
        elif path == "/redirect":
            self.redirect(params["to"])
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/large":
            self.large(int(params["length"]), declared=params["declared"] == "1")
        else:
            self.reply(404, {"error": "not found"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def reply(self, status, content, content_type="application/json"):
        data = (content if isinstance(content, str) else json.dumps(content)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def large(self, length, declared):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if declared:
            self.send_header("Content-Length", str(length))
        else:
            # No length: the body ends when the connection closes.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"x" * 65536
        for start in range(0, length, len(chunk)):
            self.wfile.write(chunk[: length - start])

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The client gave up (a timeout, a body too large): expected here.
        pass


@pytest.fixture(scope="module")
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(server):
    server.seen.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


def configure(settings, **options):
    settings.FLOWDESK = {**settings.FLOWDESK, **options}


@pytest.fixture(autouse=True)
def _local_server_allowed(settings):
    # The test server is on loopback, which is refused unless allowed.
    configure(settings, HTTP_ALLOW_PRIVATE=True, HTTP_ALLOWED_HOSTS=[])


def fetch(client, config, inputs=None, declared=None, after=()):
    spec = make_spec(
        [node("fetch", "core.http", config=config), *after],
        chain("start", "fetch", *(n["id"] for n in after)),
        inputs=declared or {},
    )
    return run_workflow(client, spec, inputs)


def test_a_get_outputs_the_status_headers_and_parsed_json_body(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/json"})
    fetched = node_run(run, "fetch")
    assert run["status"] == "succeeded", fetched["error"]
    assert fetched["output"]["status"] == 200
    assert fetched["output"]["headers"]["content-type"] == "application/json"
    assert fetched["output"]["body"] == {
        "total": 42,
        "items": [{"name": "a"}],
        "ok": True,
    }


def test_a_response_that_is_not_json_is_output_as_text(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/text"})
    assert node_run(run, "fetch")["output"]["body"] == "plain words"


def test_a_post_sends_the_rendered_json_config_as_its_body(as_alice, base):
    run = fetch(
        as_alice,
        {
            "method": "POST",
            "url": f"{base}/echo",
            "json": {"name": "{{ inputs.name }}", "n": 3, "tags": ["a"]},
        },
        inputs={"name": "Ada"},
        declared={"name": {"type": "string"}},
    )
    echoed = node_run(run, "fetch")["output"]["body"]
    assert echoed["method"] == "POST"
    assert echoed["headers"]["content-type"] == "application/json"
    assert json.loads(echoed["body"]) == {"name": "Ada", "n": 3, "tags": ["a"]}


def test_a_text_body_is_sent_as_written(as_alice, base):
    run = fetch(
        as_alice,
        {
            "method": "PUT",
            "url": f"{base}/echo",
            "headers": {"Content-Type": "text/plain"},
            "body": "hello {{ inputs.name }}",
        },
        inputs={"name": "Ada"},
        declared={"name": {"type": "string"}},
    )
    echoed = node_run(run, "fetch")["output"]["body"]
    assert (echoed["method"], echoed["body"]) == ("PUT", "hello Ada")


def test_rendered_headers_and_query_parameters_are_sent(as_alice, base):
    run = fetch(
        as_alice,
        {
            "url": f"{base}/echo",
            "headers": {"X-Token": "{{ inputs.token }}"},
            "query": {"page": "{{ inputs.page }}", "q": "a b&c"},
        },
        inputs={"token": "s3cret", "page": 2},
        declared={"token": {"type": "string"}, "page": {"type": "integer"}},
    )
    echoed = node_run(run, "fetch")["output"]["body"]
    assert echoed["headers"]["x-token"] == "s3cret"
    assert echoed["query"] == {"page": "2", "q": "a b&c"}


def test_a_head_request_outputs_an_empty_body(as_alice, server, base):
    run = fetch(as_alice, {"method": "HEAD", "url": f"{base}/json"})
    output = node_run(run, "fetch")["output"]
    assert (output["status"], output["body"]) == (200, "")
    assert server.seen == [("HEAD", "/json")]


def test_a_500_fails_the_node_naming_the_status_and_url(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/status/500"})
    fetched = node_run(run, "fetch")
    assert run["status"] == "failed"
    assert fetched["status"] == "failed"
    assert "500" in fetched["error"]
    assert f"{base}/status/500" in fetched["error"]


def test_a_404_fails_the_node_too(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/status/404"})
    assert "404" in node_run(run, "fetch")["error"]


def test_without_fail_on_status_an_error_status_is_an_ordinary_output(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/status/500", "fail_on_status": False})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "succeeded", fetched["error"]
    assert fetched["output"]["status"] == 500
    assert fetched["output"]["body"] == {"error": "boom"}


def test_a_response_slower_than_timeout_s_fails_the_node(as_alice, base):
    started = time.monotonic()
    run = fetch(as_alice, {"url": f"{base}/slow?s=3", "timeout_s": 0.3})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "timed out after 0.3 s" in fetched["error"]
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:{port}/json", "127.0.0.1"),
        ("http://localhost:{port}/json", "localhost"),
        ("http://[::1]:{port}/json", "::1"),
        ("http://[::ffff:127.0.0.1]:{port}/json", "::ffff:127.0.0.1"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://192.168.0.1/", "192.168.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://0.0.0.0:{port}/json", "0.0.0.0"),
        ("http://224.0.0.1/", "224.0.0.1"),
    ],
)
def test_private_and_local_addresses_are_refused_by_default_naming_the_host(
    as_alice, server, base, settings, url, host
):
    configure(settings, HTTP_ALLOW_PRIVATE=False)
    run = fetch(as_alice, {"url": url.format(port=server.server_address[1])})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert f"host {host} " in fetched["error"]
    assert "FLOWDESK_HTTP_ALLOW_PRIVATE" in fetched["error"]
    assert server.seen == []


def test_a_local_address_is_allowed_with_http_allow_private(
    as_alice, server, base, settings
):
    configure(settings, HTTP_ALLOW_PRIVATE=True)
    run = fetch(as_alice, {"url": f"{base}/json"})
    assert node_run(run, "fetch")["status"] == "succeeded"
    assert server.seen == [("GET", "/json")]


def test_a_host_not_on_the_allow_list_is_refused(as_alice, server, base, settings):
    configure(settings, HTTP_ALLOWED_HOSTS=["api.example.com", "*.example.org"])
    run = fetch(as_alice, {"url": f"{base}/json"})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "host 127.0.0.1 is not in FLOWDESK_HTTP_ALLOWED_HOSTS" in fetched["error"]
    assert server.seen == []


def test_a_host_on_the_allow_list_is_allowed(as_alice, base, settings):
    configure(settings, HTTP_ALLOWED_HOSTS=["api.example.com", "127.0.0.1"])
    run = fetch(as_alice, {"url": f"{base}/json"})
    assert node_run(run, "fetch")["output"]["status"] == 200


@pytest.mark.parametrize(
    ("host", "pattern", "allowed"),
    [
        ("api.example.com", "api.example.com", True),
        ("API.Example.com.", "api.example.com", True),
        ("api.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", True),
        ("example.com", "*.example.com", False),
        ("badexample.com", "*.example.com", False),
        ("other.example.com", "api.example.com", False),
    ],
)
def test_allow_list_patterns_match_exact_hosts_and_subdomains(host, pattern, allowed):
    assert host_matches(host, pattern) is allowed


def test_a_redirect_is_followed(as_alice, server, base):
    run = fetch(as_alice, {"url": f"{base}/redirect?to=/json"})
    output = node_run(run, "fetch")["output"]
    assert (output["status"], output["body"]["total"]) == (200, 42)
    assert server.seen == [("GET", "/redirect"), ("GET", "/json")]


def test_a_redirect_target_is_checked_against_the_allow_list(
    as_alice, server, base, settings
):
    configure(settings, HTTP_ALLOWED_HOSTS=["127.0.0.1"])
    target = f"http://localhost:{server.server_address[1]}/json"
    run = fetch(as_alice, {"url": f"{base}/redirect?to={target}"})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "host localhost is not in" in fetched["error"]
    assert server.seen == [("GET", "/redirect")]


def test_a_redirect_to_another_scheme_is_refused(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/redirect?to=file:///etc/passwd"})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "only http and https" in fetched["error"]


def test_more_than_five_redirects_fail_the_node(as_alice, server, base):
    run = fetch(as_alice, {"url": f"{base}/loop"})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "more than 5 redirects" in fetched["error"]
    assert len(server.seen) == 6


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x"])
def test_a_url_that_is_not_http_is_refused(as_alice, url):
    run = fetch(as_alice, {"url": url})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "only http and https URLs are allowed" in fetched["error"]


def test_json_and_body_together_are_refused(as_alice, server, base):
    run = fetch(
        as_alice,
        {"method": "POST", "url": f"{base}/echo", "json": {"a": 1}, "body": "a=1"},
    )
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "json and body cannot both be set" in fetched["error"]
    assert server.seen == []


@pytest.mark.parametrize("declared", [True, False], ids=["with_length", "streamed"])
def test_a_body_larger_than_5_mb_fails_the_node(as_alice, base, declared):
    url = f"{base}/large?length={MAX_BODY_BYTES + 1}&declared={int(declared)}"
    run = fetch(as_alice, {"url": url})
    fetched = node_run(run, "fetch")
    assert fetched["status"] == "failed"
    assert "larger than 5 MB" in fetched["error"]


def test_a_body_of_exactly_5_mb_is_read(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/large?length={MAX_BODY_BYTES}&declared=0"})
    assert len(node_run(run, "fetch")["output"]["body"]) == MAX_BODY_BYTES


def test_the_output_is_available_to_a_downstream_node(as_alice, base):
    run = fetch(
        as_alice,
        {"url": f"{base}/json"},
        after=[
            node(
                "summary",
                "core.transform",
                config={
                    "template": {
                        "total": "{{ nodes.fetch.output.body.total }}",
                        "first": "{{ nodes.fetch.output.body['items'][0].name }}",
                        "status": "{{ nodes.fetch.output.status }}",
                    }
                },
            )
        ],
    )
    assert node_run(run, "summary")["output"] == {
        "total": 42,
        "first": "a",
        "status": 200,
    }


def test_each_request_is_logged_with_method_url_status_and_elapsed_ms(as_alice, base):
    run = fetch(as_alice, {"url": f"{base}/redirect?to=/json"})
    events = as_alice.get(f"/api/runs/{run['id']}/events/").json()["results"]
    lines = [e["message"] for e in events if e["type"] == "log"]
    assert len(lines) == 2
    assert re.fullmatch(
        rf"GET {re.escape(base)}/redirect\?to=/json → 302 in \d+ ms", lines[0]
    )
    assert re.fullmatch(rf"GET {re.escape(base)}/json → 200 in \d+ ms", lines[1])


@pytest.mark.parametrize(
    "config",
    [{"url": "http://x", "method": "TRACE"}, {"url": "http://x", "timeout_s": 301}],
)
def test_a_bad_method_or_timeout_is_refused_when_saving(as_alice, config):
    spec = make_spec(
        [node("fetch", "core.http", config=config)], chain("start", "fetch")
    )
    response = as_alice.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["node"] == "fetch"


def test_saving_an_http_node_needs_the_network_permission(as_alice, settings):
    configure(settings, GRANTED_NODE_PERMISSIONS=[])
    spec = make_spec(
        [node("fetch", "core.http", config={"url": "http://x"})],
        chain("start", "fetch"),
    )
    response = as_alice.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 400
    assert [(e["code"], e["node"]) for e in response.json()["errors"]] == [
        ("permission_denied", "fetch")
    ]
