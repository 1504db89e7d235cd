"""Warm Lambda containers as long-lived child processes (`container_child.py`), one call per
command over a pipe, each timed inside its own process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.stage import require, trace_header

CHILD = Path(__file__).with_name("container_child.py")
REPLY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Reply:
    cpu_ns: int
    wall_ns: int
    status: int
    etag: str | None = None
    body_bytes: int = 0


class LineReader:
    """Lines from a pipe, each within a timeout: a hung child fails the bench, never hangs it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""

    def line(self, timeout_seconds: float = REPLY_TIMEOUT_SECONDS) -> bytes:
        deadline = time.monotonic() + timeout_seconds
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                raise TimeoutError(f"no reply from a child process in {timeout_seconds:g} s")
            chunk = os.read(self._fd, 65_536)
            if not chunk:
                raise EOFError("the child process closed its pipe")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


class Container:
    """One warm container: `handler` (the Lambda package from $LAMBDA_TASK_ROOT) or `bare`
    (boto3 alone). Its stdout, the handler's logs and metrics, goes to /dev/null as fast as
    CloudWatch's agent would take it; its stderr to a file, shown if it fails."""

    def __init__(self, name: str, mode: str, environment: Mapping[str, str]) -> None:
        self.name, self.mode = name, mode
        self._errors = tempfile.TemporaryFile()
        read_end, write_end = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, str(CHILD), mode, str(write_end)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._errors,
                env=dict(environment),
                pass_fds=(write_end,),
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        self._read_end = read_end
        self._replies = LineReader(read_end)
        try:
            self._receive()
        except BaseException:
            self.stop()
            raise

    def _receive(self) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = json.loads(self._replies.line())
        except (EOFError, TimeoutError) as error:
            raise RuntimeError(f"container {self.name} failed: {error}\n{self.stderr()}") from None
        if "error" in reply:
            raise RuntimeError(f"container {self.name}: {reply['error']}\n{self.stderr()}")
        return reply

    def call(self, command: Mapping[str, Any], sampled: bool) -> Reply:
        """One invocation, with a fresh trace header and request id as the runtime gives."""
        assert self._process.stdin is not None
        message = {**command, "trace": trace_header(sampled), "id": str(uuid.uuid4())}
        self._process.stdin.write(json.dumps(message).encode() + b"\n")
        self._process.stdin.flush()
        reply = self._receive()
        return Reply(
            reply["cpu_ns"],
            reply["wall_ns"],
            reply["status"],
            reply.get("etag"),
            reply.get("body_bytes", 0),
        )

    def stderr(self) -> str:
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            try:
                self._process.stdin.close()  # the child's loop ends with its input
            except BrokenPipeError:
                pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._read_end)
        self._errors.close()


@contextmanager
def containers(specs: Sequence[tuple[str, str, Mapping[str, str]]]) -> Iterator[list[Container]]:
    """Containers (name, mode, environment), all stopped on the way out whatever happens."""
    with ExitStack() as stack:
        started = []
        for name, mode, environment in specs:
            container = Container(name, mode, environment)
            stack.callback(container.stop)
            started.append(container)
        yield started


@dataclass(frozen=True)
class Series:
    """One kind of invocation of one container, timed call after call."""

    name: str
    container: Container
    command: Callable[[], Mapping[str, Any]]  # a fresh command per call
    sampled: bool
    expected_status: int = 200


def interleaved(series: Sequence[Series], calls: int, warm_up: int) -> dict[str, list[Reply]]:
    """Every series once per step, rotating which goes first, so that each step's calls share
    the machine's state and step i of one series pairs with step i of another."""
    count = len(series)
    replies: dict[str, list[Reply]] = {one.name: [] for one in series}
    for step in range(warm_up + calls):
        for which in (*range(step % count, count), *range(step % count)):
            one = series[which]
            reply = one.container.call(one.command(), one.sampled)
            require(
                reply.status == one.expected_status,
                f"{one.name} answered {reply.status}, not {one.expected_status}",
            )
            if step >= warm_up:
                replies[one.name].append(reply)
    return replies
