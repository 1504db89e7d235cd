"""The local gateway on a socket: HTTP in, one `Gateway.handle` per request, HTTP out. Every
request gets an answer, whatever bytes arrive."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local.gateway import Gateway
from local.gateway_answers import (
    BAD_REQUEST,
    FUNCTION_FAILURE,
    REQUEST_TOO_LARGE,
    GatewayReply,
    problem_reply,
)
from local.sigv4 import HttpRequest

_LENGTH_DIGITS = 18


# One logger for the whole gateway: its lines are what local mode prints per request.
_log = logging.getLogger("local.gateway")


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for in-flight requests (a slow upstream may hold one for seconds).
    block_on_close = False
    # Dashboards open many connections at once; the default backlog of 5 overflows at 50
    # concurrent callers and costs them seconds of TCP retransmits.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up is no gateway failure: one line, no traceback.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            _log.info("client %s went away: %s", client_address[0], type(error).__name__)
        else:
            _log.exception("unexpected error serving %s", client_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def make_server(gateway: Gateway, host: str = "127.0.0.1", port: int = 8080) -> GatewayServer:
    return GatewayServer((host, port), gateway)


class _RequestHandler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "local-api-gateway"
    timeout = 60  # idle keep-alive connections do not hold a thread forever

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        raw_path, raw_query = "", ""
        try:
            raw_path, raw_query = split_target(self.path)
            reply = self._reply(raw_path, raw_query)
        except InvalidTarget:
            self.close_connection = True
            reply = problem_reply(BAD_REQUEST, "Invalid request target", str(uuid.uuid4()))
        except Exception:
            # A bug here must not leave the client without an answer: API Gateway's own
            # failures are a 500 too. The traceback is for whoever runs local mode.
            _log.exception("unexpected error handling %s", _printable(self.path))
            self.close_connection = True
            reply = problem_reply(FUNCTION_FAILURE, "Internal server error", str(uuid.uuid4()))
        elapsed_ms = (time.monotonic() - started) * 1000
        # Logged before the answer is written: once a client has its answer, the line exists.
        _log.info(
            "%s %s caller=%s status=%d %.0fms request=%s",
            self.command,
            _printable(raw_path),
            reply.caller or "-",
            reply.status,
            elapsed_ms,
            reply.request_id,
        )
        self._write(reply)

    def _reply(self, raw_path: str, raw_query: str) -> GatewayReply:
        settings = self.server.gateway.settings
        length = self._content_length()
        if length is None:
            self.close_connection = True
            return problem_reply(BAD_REQUEST, "Invalid Content-Length", str(uuid.uuid4()))
        if length > settings.max_body_bytes:
            self.close_connection = True  # the body stays unread
            return problem_reply(REQUEST_TOO_LARGE, "Request Too Long", str(uuid.uuid4()))
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
            source_ip=self.client_address[0],
        )
        return self.server.gateway.handle(request)

    def _content_length(self) -> int | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # chunked bodies are not read; the connection ends
            return 0
        return content_length(self.headers.get("Content-Length", "0"))

    def _write(self, reply: GatewayReply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: `_serve` logs one line per request, without the query string."""

    def log_message(self, format: str, *args: Any) -> None:
        _log.warning("%s %s", self.address_string(), format % args)


class InvalidTarget(ValueError):
    """The request target is no path and no URL."""


def split_target(target: str) -> tuple[str, str]:
    if not target.startswith("/"):  # absolute-form, as sent to a proxy
        try:
            parts = urlsplit(target)
        except ValueError:  # an unclosed IPv6 bracket, for one
            raise InvalidTarget(target) from None
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path, query


def content_length(raw: str) -> int | None:
    """A Content-Length's value, or None unless it is a plain decimal number: headers arrive as
    latin-1, and str.isdigit() takes "²" for a digit that int() then refuses."""
    text = raw.strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    # int() refuses numbers of over 4300 digits; any of 19 or more is over every limit anyway.
    return int(text) if len(text) <= _LENGTH_DIGITS else 10**_LENGTH_DIGITS


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in text)
