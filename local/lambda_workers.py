"""The Lambda function as worker processes: each one a container that runs one event at a time."""

from __future__ import annotations

import importlib
import json
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

HANDLER = "engagement_proxy.handler.lambda_handler"
FUNCTION_NAME = "engagement-proxy"
FUNCTION_ARN = "arn:aws:lambda:us-east-2:111122223333:function:" + FUNCTION_NAME
# What the context's remaining time counts down from: API Gateway's integration limit, which no
# deployed function timeout may exceed usefully.
FUNCTION_TIMEOUT_SECONDS = 29
MEMORY_MB = 256
# Settings that would point the handler at real AWS or change its logging behind our back.
_ISOLATED_PREFIXES = ("AWS_", "POWERTOOLS_")

_log = logging.getLogger("local.lambda")


class InvocationFailed(Exception):
    """The function raised, or its container died: API Gateway answers with its own 5XX."""


class InvocationTimeout(Exception):
    """No answer within the integration timeout: API Gateway answers itself (REST 504, HTTP 503)."""


class WorkersStopped(Exception):
    """Invoked after stop()."""


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection


@dataclass
class LambdaWorkers:
    """N worker processes, like N warm Lambda containers. A request takes an idle worker and gives
    it back when answered, so no two requests ever share the handler's module state."""

    environment: Mapping[str, str]
    count: int = 4
    handler: str = HANDLER
    start_timeout_seconds: float = 60.0
    _idle: queue.Queue[_Worker] = field(default_factory=queue.Queue, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _stopping: bool = field(default=False, init=False)

    def start(self) -> None:
        """Start every worker and wait until each has imported the handler (cold start done)."""
        for _ in range(self.count):
            self._idle.put(self._spawn())

    def invoke(self, event: dict[str, Any], timeout_seconds: float) -> object:
        """The handler's return value, as is: the gateway judges whether it is a valid answer."""
        deadline = time.monotonic() + timeout_seconds
        try:
            worker = self._idle.get(timeout=timeout_seconds)
        except queue.Empty:
            raise InvocationTimeout("every worker stayed busy") from None
        if self._stopping:
            raise WorkersStopped()
        try:
            worker.connection.send(event)
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise InvocationTimeout("the function did not answer in time")
            outcome = worker.connection.recv()
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise InvocationFailed(f"the worker died ({type(error).__name__})") from None
        self._idle.put(worker)
        if "error" in outcome:
            raise InvocationFailed(f"the function raised {outcome['error']}")
        return outcome["response"]

    def stop(self) -> None:
        """Stop every worker, busy ones included: nothing is left running."""
        with self._lock:
            self._stopping = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            _terminate(worker)

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child, dict(self.environment), list(sys.path), self.handler),
            name="lambda-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        if not parent.poll(self.start_timeout_seconds):
            _terminate(worker)
            raise RuntimeError("a Lambda worker did not start in time")
        try:
            ready = parent.recv()
        except EOFError:
            ready = {"error": "the worker exited while starting"}
        if ready != {"ready": True}:
            _terminate(worker)
            raise RuntimeError(f"a Lambda worker could not start: {ready.get('error')}")
        return worker

    def _replace(self, worker: _Worker) -> None:
        """A timed-out or dead container is discarded and a fresh one started, as Lambda does.
        Synchronously: the caller's 502 or 504 waits for one cold start, and nothing races."""
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        _terminate(worker)
        if self._stopping:
            return
        try:
            fresh = self._spawn()
        except RuntimeError:
            _log.exception("Could not replace a Lambda worker")
            return
        if self._stopping:
            self.stop()
        else:
            self._idle.put(fresh)


def _terminate(worker: _Worker) -> None:
    worker.connection.close()
    if worker.process.is_alive():
        worker.process.terminate()
    worker.process.join(5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()


# ---- inside a worker process ----------------------------------------------------------------


@dataclass(frozen=True)
class LocalLambdaContext:
    """What the Lambda runtime hands the handler as `context`."""

    aws_request_id: str
    deadline_ms: int
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    invoked_function_arn: str = FUNCTION_ARN
    memory_limit_in_mb: int = MEMORY_MB
    log_group_name: str = "/aws/lambda/" + FUNCTION_NAME
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def _serve(
    connection: Connection, environment: dict[str, str], path: list[str], handler_name: str
) -> None:
    """A worker's life: cold start, then one event at a time until the gateway hangs up."""
    # Ctrl-C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _isolate_environment(environment)
    sys.path[:0] = [entry for entry in path if entry not in sys.path]
    try:
        handler = _load_handler(handler_name)
    except Exception as error:
        connection.send({"error": f"cannot import {handler_name}: {type(error).__name__}: {error}"})
        return
    connection.send({"ready": True})
    while True:
        try:
            event = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_invoke(handler, event))


def _isolate_environment(environment: Mapping[str, str]) -> None:
    """Set before the handler is imported: it reads its configuration at import."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES):
            del os.environ[name]
    os.environ.update(environment)


def _load_handler(dotted: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, _, function = dotted.rpartition(".")
    handler: Callable[[dict[str, Any], Any], Any] = getattr(
        importlib.import_module(module_name), function
    )
    return handler


def _invoke(handler: Callable[[dict[str, Any], Any], Any], event: Any) -> dict[str, Any]:
    context = LocalLambdaContext(
        aws_request_id=str(uuid.uuid4()),
        deadline_ms=int(time.time() * 1000) + FUNCTION_TIMEOUT_SECONDS * 1000,
    )
    try:
        return {"response": handler(event, context)}
    except Exception as error:
        # As the Lambda runtime logs an unhandled error: type and frames. The message is left out
        # here: it may carry data, and the handler's contract is never to raise anyway.
        _runtime_error_log(error, context.aws_request_id)
        return {"error": type(error).__name__}


def _runtime_error_log(error: Exception, request_id: str) -> None:
    record = {
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
    print(json.dumps(record), file=sys.stderr, flush=True)
