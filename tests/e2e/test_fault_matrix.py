"""The fault matrix: upstream faults end to end through local mode, each answered with its
documented status in bounded time, nothing hanging, and the next healthy request served.

A dedicated stack, built here from local mode's parts, so that the SSM Contacts endpoint can be
stopped and restarted on its port without disturbing the shared `local_stack`: cache off (every
request reaches the endpoint) and a 2 s upstream budget (the slow fault times out quickly).
Each problem is checked whole (status, type, title, detail, `instance` = the request id,
`Retry-After` on a 503, `Cache-Control: no-store`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest

from local import ssm_contacts
from local.deployed_api import GatewaySettings
from local.gateway import Gateway
from local.gateway_server import make_server
from local.lambda_workers import LambdaWorkers
from local.sigv4 import load_identities
from local.stack import (
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    IDENTITIES_PATH,
    POLICY_PATH,
    REGION,
    handler_environment,
)
from testing_support.answers import Answer, engagement_defect, fetch, problem_defect
from testing_support.contract import FAULT_ANSWERS
from tests.e2e.clients import identity

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
# Generous on purpose: these prove "answers, and does not hang", not speed. A client timeout
# above the bound makes a late answer fail the bound with its time rather than vanish.
BOUND_SECONDS = 15.0
UPSTREAM_TIMEOUT_SECONDS = 2.0
# The slow fault answers after 30 s; the Lambda's 504 must come once its budget is spent, plus
# a cold client's first connection and the gateway's own work.
TIMEOUT_SLACK_SECONDS = 3.0
CLIENT_TIMEOUT_SECONDS = BOUND_SECONDS + 5
FAULT_IDS = {fault.name: fault_id for fault_id, fault in ssm_contacts.FAULTS.items()}
DOCUMENTED = FAULT_ANSWERS
RUNNING_PATH = "/engagements/db_oncall/3f0d9a7e-5b2c-4e61-9c84-1a2b3c4d5e6f"
RUNNING_ARN = EXAMPLE_ARN.replace(
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356",
    "db_oncall/3f0d9a7e-5b2c-4e61-9c84-1a2b3c4d5e6f",
)


def fault_path(name: str) -> str:
    return f"/engagements/fault_switch/{FAULT_IDS[name]}"


@dataclass
class FaultStack:
    """Gateway, Lambda workers and an SSM Contacts endpoint that tests may stop and restart."""

    url: str = ""
    endpoint_port: int = 0  # 0 until first started: a free port, then kept
    _endpoint: ssm_contacts.SsmContactsServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start_endpoint(self) -> None:
        """Serve on the endpoint's own port (again: the Lambda's endpoint URL names it)."""
        with self._lock:
            server = ssm_contacts.make_server(port=self.endpoint_port)
            self.endpoint_port = server.server_port
            # A short poll interval: stopping waits up to one interval.
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._endpoint, self._thread = server, thread

    def stop_endpoint(self) -> None:
        """Stop accepting and close the port; requests in its hands end now (slow ones too)."""
        with self._lock:
            server, thread = self._endpoint, self._thread
            self._endpoint = self._thread = None
        if server is not None and thread is not None:
            server.shutdown()
            server.server_close()
            thread.join()

    @contextmanager
    def endpoint_down(self) -> Iterator[None]:
        self.stop_endpoint()
        try:
            yield
        finally:
            self.start_endpoint()

    def get(self, path: str) -> Answer:
        return fetch(self.url + path, COMMANDER, timeout=CLIENT_TIMEOUT_SECONDS)


@pytest.fixture(scope="module")
def fault_stack() -> Iterator[FaultStack]:
    with ExitStack() as running:
        stack = FaultStack()
        stack.start_endpoint()  # on a free port, which it keeps across restarts
        running.callback(stack.stop_endpoint)
        environment = handler_environment(
            {"UPSTREAM_TIMEOUT_SECONDS": str(UPSTREAM_TIMEOUT_SECONDS)},
            f"http://127.0.0.1:{stack.endpoint_port}",
            POLICY_PATH.read_text(encoding="utf-8"),
        )
        environment["CACHE_ENABLED"] = "false"
        workers = LambdaWorkers(environment, count=4)
        running.callback(workers.stop)
        workers.start()
        gateway = make_server(
            Gateway(load_identities(IDENTITIES_PATH), workers.invoke, GatewaySettings(REGION)),
            "127.0.0.1",
            0,
        )
        running.callback(gateway.server_close)
        serving = threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05})
        serving.start()
        running.callback(serving.join)
        running.callback(gateway.shutdown)
        stack.url = gateway.url
        yield stack


def assert_problem(answer: Answer, status: int, slug: str) -> None:
    assert (answer.status, problem_defect(answer, slug)) == (status, None)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.seconds < BOUND_SECONDS


def assert_well_formed(answer: Answer, arn: str) -> None:
    """A 200 JSON engagement `arn`, or else a problem+json: nothing else is an answer."""
    defect = engagement_defect(answer, arn) if answer.status == 200 else problem_defect(answer)
    assert defect is None, defect
    assert answer.seconds < BOUND_SECONDS


def assert_healthy(stack: FaultStack) -> None:
    answer = stack.get(EXAMPLE_PATH)
    assert (answer.status, engagement_defect(answer, EXAMPLE_ARN)) == (200, None)
    assert answer.seconds < BOUND_SECONDS


@pytest.mark.parametrize("fault", sorted(set(DOCUMENTED) - {"slow"}))
def test_fault_gives_its_documented_status_then_the_next_request_succeeds(
    fault_stack: FaultStack, fault: str
) -> None:
    # Given the engagement id that switches the fault on
    # When the commander reads it
    answer = fault_stack.get(fault_path(fault))
    # Then the documented problem arrives in bounded time, and a healthy read is served after it
    assert_problem(answer, *DOCUMENTED[fault])
    assert_healthy(fault_stack)


def test_slow_upstream_is_cut_off_once_the_budget_is_spent_then_the_next_request_succeeds(
    fault_stack: FaultStack,
) -> None:
    # Given the slow fault (an answer after 30 s) and an upstream budget of 2 s
    # When the commander reads it
    answer = fault_stack.get(fault_path("slow"))
    # Then the documented 504 arrives once the budget is spent, not when upstream answers,
    # and a healthy read is served after it
    assert_problem(answer, *DOCUMENTED["slow"])
    assert answer.seconds < UPSTREAM_TIMEOUT_SECONDS + TIMEOUT_SLACK_SECONDS
    assert_healthy(fault_stack)


@pytest.mark.parametrize("fault", ["ThrottlingException", "slow"])
def test_burst_of_faults_all_answered_and_healthy_reads_still_served(
    fault_stack: FaultStack, fault: str
) -> None:
    # Given a burst of 24 concurrent reads of a faulting engagement, 8 healthy reads among them
    paths = [fault_path(fault)] * 24 + [EXAMPLE_PATH] * 8
    # When they are all sent at once
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(paths)) as callers:
        answers = list(callers.map(fault_stack.get, paths))
    elapsed = time.monotonic() - started
    # Then every faulting read gets the documented problem, every healthy one its engagement,
    # and the whole burst is over in bounded time
    status, slug = DOCUMENTED[fault]
    for answer in answers[:24]:
        assert_problem(answer, status, slug)
        if fault == "ThrottlingException":
            assert answer.headers["Retry-After"] == "2"
    for answer in answers[24:]:
        assert (answer.status, engagement_defect(answer, EXAMPLE_ARN)) == (200, None)
    assert elapsed < BOUND_SECONDS
    assert_healthy(fault_stack)


def test_connection_refused_gives_504_then_the_restarted_endpoint_serves(
    fault_stack: FaultStack,
) -> None:
    # Given the SSM Contacts endpoint stopped: nothing listens on its port
    with fault_stack.endpoint_down():
        # When the commander reads the example engagement, twice
        answers = [fault_stack.get(EXAMPLE_PATH) for _ in range(2)]
        # Then each read is a 504 upstream-unreachable, in bounded time
        for answer in answers:
            assert_problem(answer, 504, "upstream-unreachable")
    # And once the endpoint is back on its port, the next read is served
    assert_healthy(fault_stack)


@dataclass
class _Traffic:
    """Readers looping over healthy and slow engagements until told to stop (bounded)."""

    stack: FaultStack
    stop: threading.Event = field(default_factory=threading.Event)
    slow_in_flight: threading.Event = field(default_factory=threading.Event)
    served_before: threading.Event = field(default_factory=threading.Event)
    failed_while_down: threading.Event = field(default_factory=threading.Event)
    served_after: threading.Event = field(default_factory=threading.Event)
    stopped_at: float | None = None
    restarted_at: float | None = None
    failures_while_down: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[tuple[str, float, Answer]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def reader(self, path: str) -> None:
        try:
            for _ in range(200):  # bounded, whatever happens to the events
                if self.stop.is_set():
                    return
                self._read(path)
        except BaseException as error:  # reported by the test, not lost in a thread
            self.errors.append(error)

    def _read(self, path: str) -> None:
        started = time.monotonic()
        if path == fault_path("slow"):
            self.slow_in_flight.set()
        answer = self.stack.get(path)
        self.answers.append((path, started, answer))
        if answer.status == 200:
            if self.restarted_at is not None and started > self.restarted_at:
                self.served_after.set()
            elif self.stopped_at is None:
                self.served_before.set()
        elif answer.status == 504 and self.stopped_at is not None and self.restarted_at is None:
            if started > self.stopped_at:
                with self.lock:
                    self.failures_while_down += 1
                    if self.failures_while_down >= 3:
                        self.failed_while_down.set()


def test_endpoint_restarting_mid_run_every_request_answered_and_service_resumes(
    fault_stack: FaultStack,
) -> None:
    # Given readers looping over two healthy engagements and the slow one
    traffic = _Traffic(fault_stack)
    paths = [EXAMPLE_PATH, EXAMPLE_PATH, RUNNING_PATH, RUNNING_PATH, fault_path("slow")]
    readers = [threading.Thread(target=traffic.reader, args=(path,)) for path in paths]
    for reader in readers:
        reader.start()
    try:
        # When the endpoint goes down with requests in flight (a slow one at least), stays down
        # until three reads have failed, and comes back on its port
        assert traffic.served_before.wait(BOUND_SECONDS)
        assert traffic.slow_in_flight.wait(BOUND_SECONDS)
        with fault_stack.endpoint_down():
            traffic.stopped_at = time.monotonic()
            assert traffic.failed_while_down.wait(BOUND_SECONDS)
            traffic.restarted_at = time.monotonic()
        assert traffic.served_after.wait(BOUND_SECONDS)
    finally:
        traffic.stop.set()
        for reader in readers:
            reader.join(CLIENT_TIMEOUT_SECONDS + 5)
    # Then no reader hung or failed, every answer was well-formed and in bounded time: healthy
    # reads 200, 504 (endpoint down) or 502 (cut off), slow ones 504 (budget spent or endpoint
    # down) or 502 (cut off)
    assert not any(reader.is_alive() for reader in readers)
    assert traffic.errors == []
    allowed = {
        EXAMPLE_PATH: {200, 502, 504},
        RUNNING_PATH: {200, 502, 504},
        fault_path("slow"): {502, 504},
    }
    arns = {EXAMPLE_PATH: EXAMPLE_ARN, RUNNING_PATH: RUNNING_ARN, fault_path("slow"): ""}
    for path, _, answer in traffic.answers:
        assert answer.status in allowed[path]
        assert_well_formed(answer, arns[path])
    # And some request was still in flight when the endpoint stopped
    stopped_at = traffic.stopped_at
    assert stopped_at is not None
    assert any(
        started < stopped_at < started + answer.seconds for _, started, answer in traffic.answers
    )
    assert_healthy(fault_stack)
