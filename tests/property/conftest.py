"""Property tests: hypothesis profiles, and the handler driven once per generated example.

The handler's environment comes from the handler tests' conftest (imported first, as the Lambda
runtime sets it before import). Pytest fixtures run once per test, not per example, so each
example here sets up its own cold cache, log capture and upstream with context managers.

Profiles: `ci` (the default, what `make test` runs) is small and derandomized so CI is stable;
`fuzz` (HYPOTHESIS_PROFILE=fuzz, what `make fuzz` runs) is large, random, and keeps failing
examples in .hypothesis/ to replay them first next time.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

import botocore.endpoint
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from engagement_proxy.cache import UpstreamCache
from engagement_proxy.policy import AccessPolicy

# Importing the handler tests' conftest sets the Lambda's environment, as the runtime would.
from tests.handler.conftest import call as call
from tests.handler.conftest import headers_of as headers_of
from tests.handler.conftest import wire_response

# isort: split
from engagement_proxy import handler, observe  # only after the environment is set

CI_EXAMPLES = 60
FUZZ_EXAMPLES = 2000
DATABASE = Path(__file__).resolve().parents[2] / ".hypothesis" / "examples"
# Generating whole events is slow-ish next to what hypothesis expects; the handler itself is fast.
SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    derandomize=True,  # same examples every run; implies no example database
    suppress_health_check=SLOW_DATA,
)
settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=DirectoryBasedExampleDatabase(str(DATABASE)),
    print_blob=True,
    suppress_health_check=SLOW_DATA,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def exposed(response: dict[str, Any]) -> str:
    """What a caller receives: the status line aside, the body and every header."""
    return str(response.get("body") or "") + json.dumps(headers_of(response))


class Observed:
    """Everything one example wrote: the handler's JSON log lines, any other logger through the
    root logger, and stdout/stderr (EMF metrics are printed there)."""

    def __init__(self) -> None:
        self.logs = io.StringIO()
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()

    @property
    def text(self) -> str:
        return self.logs.getvalue() + self.stdout.getvalue() + self.stderr.getvalue()


@contextmanager
def observed() -> Iterator[Observed]:
    """Capture every log line with the handler's logger and the root logger at DEBUG."""
    seen = Observed()
    registered = observe.logger.registered_handler
    assert isinstance(registered, logging.StreamHandler)
    previous_stream = registered.setStream(seen.logs)
    previous_level = observe.logger.log_level
    observe.logger.setLevel("DEBUG")
    root = logging.getLogger()
    root_handler = logging.StreamHandler(seen.logs)
    root.addHandler(root_handler)
    root_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with redirect_stdout(seen.stdout), redirect_stderr(seen.stderr):
            yield seen
    finally:
        root.setLevel(root_level)
        root.removeHandler(root_handler)
        observe.logger.setLevel(previous_level)
        if previous_stream is not None:
            registered.setStream(previous_stream)


@contextmanager
def deployed(*, cache: bool, policy: AccessPolicy | None = None) -> Iterator[None]:
    """A cold container: a fresh cache (or none, as with CACHE_ENABLED=false), and optionally
    another access policy in place of the one the environment gave."""
    configured = handler.RUNTIME.settings
    assert configured is not None and configured.cache is not None
    settings_now = configured if policy is None else replace(configured, policy=policy)
    fresh = UpstreamCache(configured.cache) if cache else None
    runtime = replace(handler.RUNTIME, settings=settings_now, cache=fresh)
    with mock.patch.object(handler, "RUNTIME", runtime):
        yield


@dataclass(frozen=True)
class Wire:
    """One HTTP answer from SSM Contacts, as bytes on the wire."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# What SSM Contacts does with a request: answer (given the EngagementId asked for), or fail to.
Answer = Callable[[str], Wire | Exception]


class _NoSleep:
    """botocore's endpoint module with retries that do not wait: still retried, just at once."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(_: float) -> None:
        return None


@contextmanager
def upstream(answer: Answer) -> Iterator[list[str]]:
    """SSM Contacts replaced on the wire: every DescribeEngagement the handler's own clients send
    is answered by `answer` as raw HTTP, which botocore parses (or fails to) as it would AWS's.
    Yields the EngagementIds asked for."""
    configured, handler_upstream = handler.RUNTIME.configured()
    asked: list[str] = []

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body if isinstance(request.body, bytes | str) else b"{}"
        engagement_id = str(json.loads(body)["EngagementId"])
        asked.append(engagement_id)
        wire = answer(engagement_id)
        if isinstance(wire, Exception):
            raise wire
        headers = {"x-amzn-RequestId": f"req-{len(asked)}", **wire.headers}
        return wire_response(request.url, wire.status, wire.body, headers)

    event_name = "before-send.ssm-contacts.DescribeEngagement"
    clients = [handler_upstream.client(region) for region in configured.served_regions]
    for client in clients:
        client.meta.events.register(event_name, send, unique_id="property-upstream")
    try:
        with mock.patch.object(botocore.endpoint, "time", _NoSleep()):
            yield asked
    finally:
        for client in clients:
            client.meta.events.unregister(event_name, unique_id="property-upstream")
