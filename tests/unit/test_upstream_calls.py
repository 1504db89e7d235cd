"""Upstream calls over real loopback HTTP: the deadline bounds each call, retries included,
however slowly the upstream answers. Bounds are asserted with a generous margin: they are
correctness properties (the caller is answered), not timings."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from engagement_proxy import errors
from engagement_proxy.deadline import Deadline
from engagement_proxy.ids import EngagementRef
from engagement_proxy.upstream import WORKERS, SsmContacts
from tests.slow_upstream import SlowUpstream, answer_body, slow_upstream

ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/"
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
REF = EngagementRef(arn=ARN, region="us-east-2")
LAMBDA_ROOT = Path(__file__).resolve().parents[2] / "lambda"
BUDGET = 2.0  # the shortest UPSTREAM_TIMEOUT_SECONDS accepted
# Past the deadline, the caller hears of it within this margin.
MARGIN = 1.0
# Faster than the per-read timeout for a 2 s budget (0.33 s): no single read ever times out.
TRICKLE = 0.05


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Points SSM Contacts clients made from now on at a URL, as an operator would."""

    def point(url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM_CONTACTS", url)

    return point


def timed_failure(
    upstream: SsmContacts, deadline: Deadline | None = None
) -> tuple[errors.ProxyError, float]:
    started = time.monotonic()
    with pytest.raises(errors.ProxyError) as raised:
        upstream.describe_engagement(REF, deadline)
    return raised.value, time.monotonic() - started


def test_a_prompt_answer_over_http_is_the_engagement(at) -> None:
    # Given an upstream that answers at once, named by AWS_ENDPOINT_URL_SSM_CONTACTS
    with slow_upstream(answer_body(ARN)) as (server, url):
        at(url)
        # When the engagement is described
        described = SsmContacts(BUDGET).describe_engagement(REF)
        head = server.last_request_head.decode()

    # Then it is the engagement, with upstream's request id, asked for with a request signed
    # by the credentials of the standard chain (here the environment's)
    assert described.engagement.EngagementArn == ARN
    assert described.request_id == "slow-1"
    assert "X-Amz-Target: SSMContacts.DescribeEngagement" in head
    assert "Credential=AKIDEXAMPLE/" in head and "/us-east-2/ssm-contacts/aws4_request" in head


def test_the_client_leaves_input_validation_to_the_proxy(at) -> None:
    # Given the proxy's SSM Contacts client, and an upstream that answers at once
    with slow_upstream(answer_body(ARN)) as (server, url):
        at(url)
        client = SsmContacts(BUDGET).client("us-east-2")

        # When it is called with a parameter the service model would refuse (not a string)
        client.describe_engagement(EngagementId=12345)
        head = server.last_request_head

    # Then botocore sent it without checking: the proxy validates every input itself
    assert b"SSMContacts.DescribeEngagement" in head


def test_the_upstream_module_does_not_import_boto3() -> None:
    # Given a fresh interpreter with the Lambda package on the path
    probe = (
        "import sys; import engagement_proxy.upstream; "
        "print(sorted({'boto3', 's3transfer'} & set(sys.modules)))"
    )

    # When it imports the upstream module
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(LAMBDA_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )

    # Then boto3 (and the s3transfer it drags in) stayed out: botocore alone makes the client
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("trickle_from", ["status", "body"])
def test_a_trickling_answer_is_a_timeout_within_the_deadline(at, trickle_from: str) -> None:
    # Given an upstream sending its answer one byte at a time, each byte well within the
    # per-read timeout (today's answer would take minutes)
    body = answer_body(ARN)
    with slow_upstream(body, interval=TRICKLE, trickle_from=trickle_from, give_up_after=8) as (
        _,
        url,
    ):
        at(url)
        # When the engagement is described with a budget of 2 s
        failure, elapsed = timed_failure(SsmContacts(BUDGET))

    # Then the caller hears "timeout" within the deadline plus a second
    assert isinstance(failure, errors.UpstreamTimeout)
    assert failure.upstream_code == "Timeout"
    assert elapsed <= BUDGET + MARGIN


def test_no_attempt_starts_after_the_deadline(at) -> None:
    # Given an upstream whose first answer, a server error botocore would retry, trickles in
    # until just past the deadline
    body = b'{"__type": "InternalServerException"}'
    head = 150  # about the length of the status line and headers
    interval = (BUDGET + 0.3) / (head + len(body))
    with slow_upstream(body, status="500 Internal Server Error", interval=interval) as (
        server,
        url,
    ):
        at(url)
        # When the engagement is described, and the abandoned call has had time to retry
        failure, _ = timed_failure(SsmContacts(BUDGET))
        time.sleep(BUDGET)
        connections = server.requests

    # Then the call timed out, and no second attempt reached the upstream
    assert isinstance(failure, errors.UpstreamTimeout)
    assert connections == 1


def test_an_expired_deadline_sends_nothing(at) -> None:
    # Given an upstream that would answer at once, and a deadline already passed
    with slow_upstream(answer_body(ARN)) as (server, url):
        at(url)
        # When the engagement is described
        failure, _ = timed_failure(SsmContacts(BUDGET), Deadline.after(0.0))
        connections = server.requests

    # Then it is a timeout, and nothing was sent
    assert isinstance(failure, errors.UpstreamTimeout)
    assert connections == 0


def test_calls_in_flight_together_end_within_their_one_deadline(at) -> None:
    # Given an upstream that trickles, and several calls started together under one deadline
    with slow_upstream(answer_body(ARN), interval=TRICKLE, give_up_after=8) as (_, url):
        at(url)
        upstream = SsmContacts(BUDGET)
        deadline = Deadline.after(BUDGET)
        started = time.monotonic()
        calls = [
            upstream.start("us-east-2", "describe_engagement", deadline, EngagementId=ARN)
            for _ in range(WORKERS)
        ]

        # When each one's result is awaited in turn
        failures = []
        for call in calls:
            with pytest.raises(errors.ProxyError) as raised:
                call.result()
            failures.append(raised.value)
        elapsed = time.monotonic() - started

    # Then all timed out, together within the one deadline, not one deadline after another
    assert all(isinstance(failure, errors.UpstreamTimeout) for failure in failures)
    assert elapsed <= BUDGET + MARGIN


def test_calls_stuck_past_their_deadline_do_not_hold_up_later_calls(at) -> None:
    # Given as many timed-out calls as there are workers, each still stuck on a trickle
    server = SlowUpstream(answer_body(ARN), interval=TRICKLE, give_up_after=30)
    url = server.start()
    try:
        at(url)
        upstream = SsmContacts(BUDGET)
        deadline = Deadline.after(0.5)
        stuck = [
            upstream.start("us-east-2", "describe_engagement", deadline, EngagementId=ARN)
            for _ in range(WORKERS)
        ]
        for call in stuck:
            with pytest.raises(errors.UpstreamTimeout):
                call.result()

        # When the upstream answers promptly again and the engagement is described
        server.interval = 0.0
        described = upstream.describe_engagement(REF)
    finally:
        server.stop()

    # Then it is served at once, by a worker of its own
    assert described.engagement.EngagementArn == ARN
