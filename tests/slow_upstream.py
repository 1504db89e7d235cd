"""A stand-in SSM Contacts on loopback that answers as slowly as a test needs: all at once, or
one byte at a time, in the status line and headers or in the body alone.

Real sockets, so that botocore's and urllib3's own timeouts run as in production. Each
connection gets its own thread; stopping the server closes every connection it still holds, so
an abandoned client read ends with the test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SlowUpstream:
    """Answers every request with `body` and `status`. With `interval`, the answer trickles out
    one byte per `interval` seconds, from `trickle_from` on ("status": the whole answer; "body":
    headers at once, then the body); it gives up and closes after `give_up_after` seconds."""

    body: bytes
    interval: float = 0.0
    trickle_from: str = "status"
    give_up_after: float = 30.0
    status: str = "200 OK"
    requests: int = 0
    last_request_head: bytes = b""
    _listener: socket.socket = field(init=False)
    _connections: list[socket.socket] = field(default_factory=list, init=False)
    _stopped: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def start(self) -> str:
        self._listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                _close(connection)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
                self.requests += 1
            # Each connection keeps the pace it started with: a test may change `interval` for
            # the connections still to come.
            threading.Thread(
                target=self._answer, args=(connection, self.interval), daemon=True
            ).start()

    def _answer(self, connection: socket.socket, interval: float) -> None:
        try:
            self.last_request_head = _read_request(connection)
            head = (
                f"HTTP/1.1 {self.status}\r\n"
                "Content-Type: application/x-amz-json-1.1\r\n"
                "x-amzn-RequestId: slow-1\r\n"
                f"Content-Length: {len(self.body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            if self.trickle_from == "body":
                connection.sendall(head)
                self._trickle(connection, self.body, interval)
            else:
                self._trickle(connection, head + self.body, interval)
        except OSError:
            pass
        finally:
            _close(connection)

    def _trickle(self, connection: socket.socket, data: bytes, interval: float) -> None:
        if not interval:
            connection.sendall(data)
            return
        started = time.monotonic()
        for index in range(len(data)):
            if self._stopped.wait(interval):
                return
            if time.monotonic() - started > self.give_up_after:
                return
            connection.sendall(data[index : index + 1])


def _read_request(connection: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            raise OSError("client went away")
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise OSError("client went away")
        body += chunk
    return head


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def answer_body(arn: str, **members: Any) -> bytes:
    """A complete DescribeEngagement answer for `arn`, as it travels on the wire."""
    contact = arn.split(":engagement/")[0] + ":contact/" + arn.split("/")[-2]
    answer = {
        "ContactArn": contact,
        "EngagementArn": arn,
        "Sender": "tester",
        "Subject": "slow subject",
        "Content": "slow content",
        "StartTime": 1621362341.0,
        **members,
    }
    return json.dumps(answer).encode()


@contextmanager
def slow_upstream(body: bytes, **options: Any) -> Iterator[tuple[SlowUpstream, str]]:
    """A running SlowUpstream and its URL, stopped on the way out."""
    server = SlowUpstream(body, **options)
    url = server.start()
    try:
        yield server, url
    finally:
        server.stop()
