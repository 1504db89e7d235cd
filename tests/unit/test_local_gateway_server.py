"""The local gateway's HTTP server over loopback: every request gets an HTTP answer, as API
Gateway gives one, whatever bytes the client sends."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from local.gateway import Gateway
from local.gateway_server import GatewayServer, make_server
from local.sigv4 import HttpRequest
from tests.unit.lambda_fakes import Recorder
from tests.unit.test_local_gateway import ALICE

SIGNATURE = "0" * 64


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers["content-type"] == "application/problem+json"
        document: dict[str, object] = json.loads(self.body)
        return document


def serve(gateway: Gateway) -> Iterator[GatewayServer]:
    server = make_server(gateway, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[GatewayServer]:
    yield from serve(Gateway({ALICE.access_key_id: ALICE}, Recorder()))


def send(server: GatewayServer, raw: bytes) -> RawAnswer | None:
    """The answer to `raw` as sent on one connection, or None if the connection closed (or
    stayed silent for 5 s) without one."""
    port = server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(raw)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    return None
                received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
        except TimeoutError:
            return None
    return RawAnswer(int(lines[0].split()[1]), headers, body)


def request(target: str, *headers: str) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def sigv4(date: str) -> str:
    return (
        f"Authorization: AWS4-HMAC-SHA256 Credential={ALICE.access_key_id}/{date}/us-east-2/"
        f"execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}"
    )


@pytest.mark.parametrize(
    "length",
    [
        pytest.param("\u00b2", id="superscript two, a digit to str.isdigit"),
        pytest.param("\u00b9\u00b3", id="superscripts one and three"),
        pytest.param("1\u00b2", id="a digit then a superscript"),
        pytest.param("-1", id="negative"),
        pytest.param("1 2", id="two numbers"),
        pytest.param("0x10", id="hexadecimal"),
    ],
)
def test_a_content_length_that_is_no_number_is_a_400(server: GatewayServer, length: str) -> None:
    # Given a request whose Content-Length is not a decimal number (headers arrive as latin-1)
    raw = request("/engagements/a/b", f"Content-Length: {length}")

    # When it reaches the gateway
    answer = send(server, raw)

    # Then it gets the 400 problem API Gateway would give, and the connection ends
    assert answer is not None, "no HTTP answer"
    assert answer.status == 400
    assert answer.problem()["detail"] == "Invalid Content-Length"
    assert answer.headers.get("connection") == "close"


def test_a_content_length_longer_than_int_reads_is_too_large(server: GatewayServer) -> None:
    # Given a request whose Content-Length has more digits than int() converts (4300)
    raw = request("/engagements/a/b", "Content-Length: " + "9" * 5000)

    # When it reaches the gateway
    answer = send(server, raw)

    # Then it is refused as too large, as any length over the limit is
    assert answer is not None, "no HTTP answer"
    assert answer.status == 413


def test_a_date_beyond_what_a_time_can_hold_is_a_403(server: GatewayServer) -> None:
    # Given a signed request whose Date, in UTC, falls past the year 9999
    raw = request("/engagements/a/b", "Date: Fri, 31 Dec 9999 23:59:59 -2359", sigv4("99991231"))

    # When it reaches the gateway
    answer = send(server, raw)

    # Then it gets API Gateway's 403 for a request without a usable date
    assert answer is not None, "no HTTP answer"
    assert answer.status == 403
    assert answer.problem()["detail"] == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )


@pytest.mark.parametrize("target", ["http://[/engagements/a/b", "http://a]/engagements/a/b"])
def test_a_request_target_that_is_no_url_is_a_400(server: GatewayServer, target: str) -> None:
    # Given a request whose absolute-form target is not a URL (an unclosed IPv6 bracket)
    raw = request(target)

    # When it reaches the gateway
    answer = send(server, raw)

    # Then it gets a 400 problem
    assert answer is not None, "no HTTP answer"
    assert answer.status == 400
    assert answer.problem()["title"] == "Bad request"


class Broken(Gateway):
    def handle(self, request: HttpRequest) -> object:  # type: ignore[override]
        raise RuntimeError("a bug in the local gateway")


def test_a_failure_inside_the_gateway_is_still_answered(caplog: pytest.LogCaptureFixture) -> None:
    # Given a gateway with a bug that fails every request
    for server in serve(Broken({}, Recorder())):
        # When a request arrives
        answer = send(server, request("/engagements/a/b"))

    # Then the client gets a 500 problem, and the log has the traceback to fix it by
    assert answer is not None, "no HTTP answer"
    assert answer.status == 500
    assert answer.problem()["title"] == "Internal error"
    assert "a bug in the local gateway" in caplog.text
