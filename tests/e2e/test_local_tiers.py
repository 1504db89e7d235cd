"""Every tier of the access policy, through the whole local stack, with signed requests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote

import pytest

from local.stack import EXAMPLE_ARN, EXAMPLE_PATH
from testing_support.secure_text import SEED, secure_texts
from testing_support.stack import RunningStack
from tests.e2e.clients import Answer, get, identity, signature_headers, signed_get

pytestmark = pytest.mark.e2e

EXAMPLE_FULL: dict[str, object] = {
    "ContactArn": "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
    "EngagementArn": EXAMPLE_ARN,
    "Sender": "tester",
    "Subject": "test",
    "Content": "Testing engagements",
    "PublicSubject": "test",
    "PublicContent": "Testing engagements",
    "IncidentId": None,
    "StartTime": "2021-05-18T18:25:41.000Z",
    "StopTime": "2021-05-18T18:40:07.000Z",
    "Redacted": [],
}
EXAMPLE_REDACTED = {
    **EXAMPLE_FULL,
    "Subject": None,
    "Content": None,
    "Redacted": ["Subject", "Content"],
}
READERS = ["IncidentCommander", "OnCall-Payments", "SRE", "Dashboard"]
REDACTED_READERS = ["SRE", "Dashboard"]


def assert_engagement(answer: Answer, expected: Mapping[str, object]) -> None:
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    full = expected["Redacted"] == []
    # The full answer is never stored and carries no digest of its secure text.
    assert answer.headers["Cache-Control"] == ("no-store" if full else "private, no-cache")
    assert ("ETag" in answer.headers) is not full
    # Key order too: the answer is built from an allow-list in the documented order.
    assert list(answer.json().items()) == list(expected.items())


@pytest.mark.parametrize("role", ["IncidentCommander", "OnCall-Payments"])
def test_full_tier_sees_the_secure_message(local_stack: RunningStack, role: str) -> None:
    # Given a caller the policy gives the full tier (by role ARN, or by its account's
    # OnCall-* pattern)
    # When it reads the example engagement
    answer = signed_get(local_stack.url + EXAMPLE_PATH, identity(role))
    # Then Subject and Content are there and nothing is withheld
    assert_engagement(answer, EXAMPLE_FULL)


@pytest.mark.parametrize("role", REDACTED_READERS, ids=["by-account", "by-organization"])
def test_redacted_tier_sees_no_secure_message(local_stack: RunningStack, role: str) -> None:
    # Given a caller the policy redacts (an account rule, or an org rule via principalOrgId)
    # When it reads the example engagement
    answer = signed_get(local_stack.url + EXAMPLE_PATH, identity(role))
    # Then Subject and Content are null and listed as withheld
    assert_engagement(answer, EXAMPLE_REDACTED)


@pytest.mark.parametrize("role", ["Contractor", "Anyone"], ids=["deny-rule", "no-rule"])
def test_denied_caller_gets_403(local_stack: RunningStack, role: str) -> None:
    # Given a caller matched by a deny rule, or by no rule at all
    # When it reads the example engagement
    answer = signed_get(local_stack.url + EXAMPLE_PATH, identity(role))
    # Then the handler refuses, with API Gateway's request id as the problem's instance
    assert answer.status == 403
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json() == {
        "type": "urn:problem:engagement-proxy:access-denied",
        "title": "Access denied",
        "status": 403,
        "detail": "The access policy does not let this caller read engagements.",
        "instance": answer.request_id,
    }
    assert not [text for text in ("test", "Testing engagements") if text in answer.body.decode()]


@pytest.mark.parametrize("role", REDACTED_READERS)
@pytest.mark.parametrize("arn", sorted(SEED))
def test_redacted_answers_hold_no_secure_text(
    local_stack: RunningStack, role: str, arn: str
) -> None:
    # Given a redacted caller and any seeded engagement, in any region
    url = f"{local_stack.url}/engagements/{quote(arn, safe='')}"
    # When it reads the engagement
    answer = signed_get(url, identity(role))
    # Then not one secure Subject or Content is in the body or the headers
    assert answer.status == 200
    serialized = answer.body.decode() + str(answer.headers)
    assert not [text for text in secure_texts() if text in serialized]
    assert json.loads(answer.body)["Redacted"] == ["Subject", "Content"]


@pytest.mark.parametrize("role", READERS)
def test_every_reader_gets_its_own_answer_once(local_stack: RunningStack, role: str) -> None:
    # Given any caller allowed to read
    # When it reads the example engagement
    answer = signed_get(local_stack.url + EXAMPLE_PATH, identity(role))
    # Then the gateway logged the request once, naming the caller and the status
    lines = [line for line in local_stack.log_text().splitlines() if answer.request_id in line]
    gateway_lines = [line for line in lines if " local.gateway " in line]
    assert len(gateway_lines) == 1
    assert f"GET {EXAMPLE_PATH} caller={identity(role).user_arn} status=200 " in gateway_lines[0]


@pytest.mark.parametrize("role", READERS)
def test_the_audit_line_names_the_session_and_the_role(
    local_stack: RunningStack, role: str
) -> None:
    # Given any caller allowed to read, signed in as an assumed-role session
    # When it reads the example engagement
    answer = signed_get(local_stack.url + EXAMPLE_PATH, identity(role))
    # Then the handler's audit line names the session as authenticated and the role judged
    (line,) = [
        line
        for line in local_stack.log_text().splitlines()
        if answer.request_id in line and '"message":"audit"' in line
    ]
    audit = json.loads(line)
    session = identity(role).user_arn
    account = session.split(":")[4]
    assert audit["caller"] == session
    assert audit["principal"] == f"arn:aws:iam::{account}:role/{role}"


def test_unchanged_engagement_is_not_sent_again(local_stack: RunningStack) -> None:
    # Given a dashboard that already holds the example engagement and its ETag
    url = local_stack.url + EXAMPLE_PATH
    first = signed_get(url, identity("Dashboard"))
    etag = first.headers["ETag"]
    assert first.headers["Vary"] == "Authorization"
    # When it asks again with If-None-Match
    headers = signature_headers(url, identity("Dashboard"))
    answer = get(url, {**headers, "If-None-Match": etag})
    # Then the gateway passes on the handler's 304, without a body
    assert answer.status == 304
    assert answer.headers["ETag"] == etag
    assert answer.body == b""
