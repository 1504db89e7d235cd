"""Start and stop `python -m local` as a subprocess, as a user would with `make local`: for the
end-to-end tests and for `make load`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from local.stack import READY

REPO_ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
# Small, so the slow-answer fault reaches the handler's 504 in about 2 s.
UPSTREAM_TIMEOUT_SECONDS = "2"
# Handler settings for the end-to-end tests; None removes a variable the caller's shell may
# hold, so that the handler's own default applies.
TEST_SETTINGS: Mapping[str, str | None] = {"UPSTREAM_TIMEOUT_SECONDS": UPSTREAM_TIMEOUT_SECONDS}
# What a deployed function runs with: nothing from the caller's shell for these.
PRODUCTION_DEFAULTS: Mapping[str, str | None] = {
    "UPSTREAM_TIMEOUT_SECONDS": None,
    "POWERTOOLS_LOG_LEVEL": None,
}


@dataclass(frozen=True)
class RunningStack:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_stack(
    log_path: Path, workers: int = 4, settings: Mapping[str, str | None] = TEST_SETTINGS
) -> RunningStack:
    """Launch the stack with stdout and stderr in `log_path`, and wait for its ready line.
    `settings` are handler variables to set (or, None, to remove from this environment)."""
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name not in settings}
    environment.update({name: value for name, value in settings.items() if value is not None})
    environment.update(
        PORT=str(port),
        WORKERS=str(workers),
        # Every line reaches the file as written: log assertions read it while the stack runs.
        PYTHONUNBUFFERED="1",
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C on pytest must not reach it: the fixture stops it
        )
    stack = RunningStack(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_until_ready(stack)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def _wait_until_ready(stack: RunningStack) -> None:
    # The stack is another process writing to a file: polling that file, bounded, is the event.
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if f"{READY} {stack.url}" in stack.log_text():
            return
        if stack.process.poll() is not None:
            raise RuntimeError(f"local stack exited early:\n{stack.log_text()}")
        time.sleep(0.05)
    raise TimeoutError(
        f"local stack not ready in {READY_TIMEOUT_SECONDS:.0f} s:\n{stack.log_text()}"
    )


def stop_stack(stack: RunningStack, signum: int = signal.SIGTERM) -> int:
    """Stop the stack as a user would; kill its process group only if it ignores that."""
    if stack.process.poll() is None:
        stack.process.send_signal(signum)
    try:
        return stack.process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(stack.process.pid, signal.SIGKILL)
        stack.process.wait()
        raise


def children_of(pid: int) -> set[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields and int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def still_running(pids: set[int], within_seconds: float = 5.0) -> set[int]:
    """The `pids` still running after up to `within_seconds`. multiprocessing's resource
    tracker ends on its own once its parent has exited, a moment after: that is awaited."""
    deadline = time.monotonic() + within_seconds
    running = {pid for pid in pids if is_running(pid)}
    while running and time.monotonic() < deadline:
        time.sleep(0.05)
        running = {pid for pid in running if is_running(pid)}
    return running


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
