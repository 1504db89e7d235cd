"""The standard library's HTTP, against a real server on loopback: answers whatever their
status, redirects never followed, and no answer said as such."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ep_client.transport import Unreachable, send

SEEN: list[dict[str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        SEEN.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 404 if self.path.startswith("/missing") else 200
        body = b'{"type":"urn:problem:engagement-proxy:not-found"}' if status == 404 else b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("X-Amzn-RequestId", "req-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    SEEN.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_the_exact_path_and_headers_are_sent(server: str) -> None:
    # Given an encoded ARN path and signed headers
    path = "/engagements/arn%3Aaws%3Assm-contacts%3Aus-east-2%3A1%3Aengagement%2Fa%2Fb?region=x"
    # When it is sent
    answer = send(server + path, {"Authorization": "AWS4-HMAC-SHA256 ...", "X-Amz-Date": "d"}, 5)
    # Then the path went as it was, percent-encoding untouched, and the headers with it
    assert answer.status == 200
    assert SEEN[0]["path"] == path
    assert SEEN[0]["authorization"] == "AWS4-HMAC-SHA256 ..."
    assert SEEN[0]["x-amz-date"] == "d"


def test_an_error_status_is_an_answer_with_its_headers(server: str) -> None:
    # Given a route that answers 404
    # When it is asked
    answer = send(server + "/missing", {}, 5)
    # Then the status, lower-cased headers and body come back, no exception
    assert answer.status == 404
    assert answer.header("X-Amzn-RequestId") == "req-1"
    assert answer.body == b'{"type":"urn:problem:engagement-proxy:not-found"}'


def test_a_redirect_is_not_followed(server: str) -> None:
    # Given a redirect
    # When it is asked, with credentials
    answer = send(server + "/redirect", {"Authorization": "Bearer t"}, 5)
    # Then the 302 is the answer, and nothing (no credential) went to where it pointed
    assert answer.status == 302
    assert [seen["path"] for seen in SEEN] == ["/redirect"]


def test_a_refused_connection_is_unreachable() -> None:
    # Given a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # When it is asked
    with pytest.raises(Unreachable) as raised:
        send(f"http://127.0.0.1:{port}/engagements/a/b", {}, 5)
    # Then the reason is said in a few words
    assert raised.value.reason == "connection refused"


def test_a_server_that_never_answers_is_unreachable_after_the_timeout() -> None:
    # Given a server that accepts the connection and says nothing
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        # When it is asked with a 1 s timeout
        with pytest.raises(Unreachable) as raised:
            send(f"http://127.0.0.1:{port}/engagements/a/b", {}, 1)
    # Then it is reported as no answer within that time
    assert raised.value.reason == "no answer within 1 s"


def test_an_unknown_host_is_unreachable() -> None:
    # Given a host name that cannot resolve (.invalid never does, RFC 6761)
    # When it is asked
    with pytest.raises(Unreachable) as raised:
        send("https://ep.invalid/engagements/a/b", {}, 5)
    # Then the line says the name does not resolve
    assert raised.value.reason == "its host name does not resolve"
