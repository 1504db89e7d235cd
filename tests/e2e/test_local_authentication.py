"""The local gateway authenticates like API Gateway's AWS_IAM, with real curl and botocore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.sigv4 import LocalIdentity
from local.stack import EXAMPLE_PATH
from testing_support.stack import RunningStack
from tests.e2e.clients import (
    Answer,
    curl_get,
    curl_has_sigv4,
    get,
    identity,
    signature_headers,
    signed_get,
)

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
PROBLEM = "application/problem+json"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def assert_gateway_problem(answer: Answer, slug: str, title: str, detail: str) -> None:
    """A 403 the gateway answered itself, in the deployed gateway responses' shape."""
    assert answer.status == 403
    assert answer.headers["Content-Type"] == PROBLEM
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json() == {
        "type": f"urn:problem:engagement-proxy:{slug}",
        "title": title,
        "status": 403,
        "detail": detail,
        "instance": answer.request_id,
    }


def assert_handler_not_called(stack: RunningStack, answer: Answer) -> None:
    # The gateway's line names the request id; the handler would log it as its correlation id.
    log = stack.log_text()
    assert log.count(answer.request_id) == 1
    assert f"request={answer.request_id}" in log


def test_curl_with_aws_sigv4_reads_the_example(local_stack: RunningStack) -> None:
    if not curl_has_sigv4():
        pytest.skip("this machine's curl has no --aws-sigv4 (needs curl 7.75 or later)")
    # Given the incident commander's local credentials
    # When curl signs the request itself, exactly as the printed command does
    answer, _ = curl_get(local_stack.url + EXAMPLE_PATH, COMMANDER)
    # Then the full engagement comes back
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["Subject"] == "test"


def test_botocore_signed_urllib_request_reads_the_example(local_stack: RunningStack) -> None:
    # Given a dashboard backend that signs with botocore and sends with the standard library
    url = local_stack.url + EXAMPLE_PATH
    # When it GETs the example engagement
    answer = signed_get(url, COMMANDER)
    # Then it is served, with a request id that the gateway's log line carries
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert f"request={answer.request_id}" in local_stack.log_text()


def test_session_token_is_accepted(local_stack: RunningStack) -> None:
    # Given temporary credentials: a session token signed along with the request
    url = local_stack.url + EXAMPLE_PATH
    headers = signature_headers(url, COMMANDER, session_token="local-session-token")
    assert "X-Amz-Security-Token" in headers
    # When the request is sent
    answer = get(url, headers)
    # Then it is served
    assert answer.status == 200


def test_unsigned_request_is_missing_a_token(local_stack: RunningStack) -> None:
    # Given no signature at all
    # When the example engagement is requested
    answer = get(local_stack.url + EXAMPLE_PATH)
    # Then API Gateway's answer comes back, and the handler never ran
    assert_gateway_problem(
        answer, "unauthenticated", "Missing authentication", "Missing Authentication Token"
    )
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert_handler_not_called(local_stack, answer)


@pytest.mark.parametrize(
    "sent_path",
    [
        "/engagements/example_escalation/00000000-0000-4000-8000-000000000001",
        EXAMPLE_PATH + "?region=us-west-2",
    ],
    ids=["other-path", "added-query"],
)
def test_tampered_request_fails_the_signature(local_stack: RunningStack, sent_path: str) -> None:
    # Given a request signed for the example engagement
    headers = signature_headers(local_stack.url + EXAMPLE_PATH, COMMANDER)
    # When it is sent for something else
    answer = get(local_stack.url + sent_path, headers)
    # Then the signature does not match, and the handler never ran
    assert_gateway_problem(answer, "unauthenticated", "Invalid signature", MISMATCH)
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert_handler_not_called(local_stack, answer)


def test_wrong_secret_fails_the_signature(local_stack: RunningStack) -> None:
    # Given the commander's key id with someone else's secret
    impostor = LocalIdentity(
        COMMANDER.access_key_id, "not-the-secret", COMMANDER.user_arn, "111122223333", None
    )
    # When a request signed with it is sent
    answer = signed_get(local_stack.url + EXAMPLE_PATH, impostor)
    # Then the signature does not match
    assert_gateway_problem(answer, "unauthenticated", "Invalid signature", MISMATCH)


def test_stale_signature_is_expired(local_stack: RunningStack) -> None:
    # Given a request signed ten minutes ago
    signed_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=10)
    # When it is sent now
    answer = signed_get(local_stack.url + EXAMPLE_PATH, COMMANDER, at=signed_at)
    # Then it has expired, in API Gateway's words
    stamp = signed_at.strftime("%Y%m%dT%H%M%SZ")
    assert answer.status == 403
    assert answer.json()["detail"].startswith(f"Signature expired: {stamp} is now earlier than ")
    assert answer.json()["type"] == "urn:problem:engagement-proxy:unauthenticated"
    assert_handler_not_called(local_stack, answer)


def test_signature_from_the_future_is_not_yet_current(local_stack: RunningStack) -> None:
    # Given a request signed by a clock ten minutes fast
    signed_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(minutes=10)
    # When it is sent now
    answer = signed_get(local_stack.url + EXAMPLE_PATH, COMMANDER, at=signed_at)
    # Then it is refused
    stamp = signed_at.strftime("%Y%m%dT%H%M%SZ")
    assert answer.status == 403
    assert answer.json()["detail"].startswith(f"Signature not yet current: {stamp} is still")


def test_unknown_access_key_is_an_invalid_token(local_stack: RunningStack) -> None:
    # Given a well-formed key that local/identities.json does not know
    stranger = LocalIdentity("AKIALOCALUNKNOWN0000", "whatever", "arn:aws:iam::1:root", "1", None)
    # When a request signed with it is sent
    answer = signed_get(local_stack.url + EXAMPLE_PATH, stranger)
    # Then API Gateway's access-denied answer comes back, and the handler never ran
    assert_gateway_problem(
        answer,
        "access-denied",
        "Access denied",
        "The security token included in the request is invalid.",
    )
    assert_handler_not_called(local_stack, answer)


def test_signature_scoped_to_another_region_is_refused(local_stack: RunningStack) -> None:
    # Given a request signed for us-west-2 while the API lives in us-east-2
    # When it is sent
    answer = signed_get(local_stack.url + EXAMPLE_PATH, COMMANDER, region="us-west-2")
    # Then the credential scope is wrong
    assert_gateway_problem(
        answer,
        "unauthenticated",
        "Invalid signature",
        "Credential should be scoped to a valid region, not 'us-west-2'.",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/engagements/"), ("POST", EXAMPLE_PATH)],
    ids=["unknown-resource", "no-proxy-segment", "other-method"],
)
def test_no_route_is_a_missing_token_even_when_signed(
    local_stack: RunningStack, method: str, path: str
) -> None:
    # Given a correctly signed request for a resource or method the API does not have
    url = local_stack.url + path
    headers = signature_headers(url, COMMANDER, method=method)
    # When it is sent
    answer = get(url, headers, method=method)
    # Then API Gateway answers 403 Missing Authentication Token (it never says 404 for routes)
    assert_gateway_problem(
        answer, "unauthenticated", "Missing authentication", "Missing Authentication Token"
    )
    assert_handler_not_called(local_stack, answer)
