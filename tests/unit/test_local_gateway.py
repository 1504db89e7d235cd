"""The local gateway without sockets: the proxy event it builds, the answers it writes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.gateway import Gateway
from local.gateway_answers import GatewayReply
from local.lambda_workers import InvocationFailed, InvocationTimeout
from local.sigv4 import HttpRequest, LocalIdentity
from tests.unit.lambda_fakes import Recorder

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
HOST = "127.0.0.1:8080"
ALICE = LocalIdentity(
    access_key_id="AKIALOCALCOMMANDER01",
    secret_access_key="local-only-secret",
    user_arn="arn:aws:sts::111122223333:assumed-role/IncidentCommander/alice",
    account_id="111122223333",
    principal_org_id="o-a1b2c3d4e5",
)
ENCODED_ARN = (
    "arn%3Aaws%3Assm-contacts%3Aus-east-2%3A111122223333%3Aengagement%2Fexample_escalation"
    "%2F69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)


def signed(
    target: str,
    *,
    at: datetime = NOW,
    extra: dict[str, str] | None = None,
    who: LocalIdentity = ALICE,
) -> HttpRequest:
    """A GET as a botocore-signing client sends it, the raw target as it goes on the wire."""
    request = AWSRequest(method="GET", url=f"http://{HOST}{target}", headers=extra or {})
    signer = SigV4Auth(
        Credentials(who.access_key_id, who.secret_access_key), "execute-api", "us-east-2"
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        signer.add_auth(request)
    path, _, query = target.partition("?")
    headers = [("Host", HOST), ("User-Agent", "test-client/1.0"), *request.headers.items()]
    return HttpRequest("GET", path, query, headers, b"", "192.0.2.7")


def gateway(recorder: Recorder, now: datetime = NOW) -> Gateway:
    return Gateway({ALICE.access_key_id: ALICE}, recorder, clock=lambda: now)


def header(reply: GatewayReply, name: str) -> list[str]:
    return [value for key, value in reply.headers if key.lower() == name.lower()]


def test_event_is_the_rest_proxy_event_for_the_greedy_resource() -> None:
    # Given a signed request for the percent-encoded ARN, with a repeated query parameter
    recorder = Recorder()
    request = signed(f"/engagements/{ENCODED_ARN}?region=us-east-2&region=us-west-2")
    # When the gateway handles it
    reply = gateway(recorder).handle(request)
    # Then the handler gets the event API Gateway would send
    (event,) = recorder.events
    assert reply.status == 200
    assert event["resource"] == "/engagements/{proxy+}"
    assert event["path"] == f"/engagements/{ENCODED_ARN}"
    assert event["pathParameters"] == {
        "proxy": "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
        "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
    }
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"region": "us-west-2"}
    assert event["multiValueQueryStringParameters"] == {"region": ["us-east-2", "us-west-2"]}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert "version" not in event  # REST APIs send none; HTTP APIs do


def test_request_context_carries_the_iam_identity_and_a_fresh_request_id() -> None:
    # Given two signed requests
    recorder = Recorder()
    replies = [gateway(recorder).handle(signed("/engagements/a/b")) for _ in range(2)]
    # When the events are looked at
    contexts = [event["requestContext"] for event in recorder.events]
    # Then each has its own request id, the one the caller sees, and AWS_IAM's identity
    assert [c["requestId"] for c in contexts] == [r.request_id for r in replies]
    assert contexts[0]["requestId"] != contexts[1]["requestId"]
    assert header(replies[0], "x-amzn-RequestId") == [replies[0].request_id]
    context = contexts[0]
    assert context["resourcePath"] == "/engagements/{proxy+}"
    assert context["path"] == "/v1/engagements/a/b"
    assert context["stage"] == "v1"
    assert context["accountId"] == "111122223333"
    assert context["requestTimeEpoch"] == int(NOW.timestamp() * 1000)
    identity = context["identity"]
    assert identity["userArn"] == ALICE.user_arn
    assert identity["accountId"] == "111122223333"
    assert identity["principalOrgId"] == "o-a1b2c3d4e5"
    assert identity["accessKey"] == ALICE.access_key_id
    assert identity["caller"].startswith("AROA") and identity["caller"].endswith(":alice")
    assert identity["sourceIp"] == "192.0.2.7"
    assert identity["userAgent"] == "test-client/1.0"


def test_headers_come_single_and_multi_valued_with_forwarding_headers() -> None:
    # Given a signed request that repeats a header
    recorder = Recorder()
    request = signed("/engagements/a/b")
    request = HttpRequest(
        request.method,
        request.raw_path,
        request.raw_query,
        [*request.headers, ("X-Dashboard", "one"), ("X-Dashboard", "two")],
        source_ip="192.0.2.7",
    )
    # When the gateway handles it
    gateway(recorder).handle(request)
    # Then `headers` keeps the last value, `multiValueHeaders` all, plus what API Gateway adds
    (event,) = recorder.events
    assert event["headers"]["X-Dashboard"] == "two"
    assert event["multiValueHeaders"]["X-Dashboard"] == ["one", "two"]
    assert event["headers"]["X-Forwarded-For"] == "192.0.2.7"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_no_query_string_is_null() -> None:
    recorder = Recorder()
    gateway(recorder).handle(signed("/engagements/a/b"))
    (event,) = recorder.events
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_signature_made_with_the_date_header_is_accepted() -> None:
    # Given a client that dates its request with Date instead of X-Amz-Date
    request = signed("/engagements/a/b", extra={"Date": "placeholder"})
    assert "X-Amz-Date" not in dict(request.headers)
    # When the gateway handles it
    reply = gateway(Recorder()).handle(request)
    # Then the signature verifies
    assert reply.status == 200


@pytest.mark.parametrize(
    ("age", "status"),
    [(timedelta(minutes=5), 200), (timedelta(minutes=5, seconds=1), 403)],
    ids=["five-minutes-old", "a-second-more"],
)
def test_signatures_live_five_minutes(age: timedelta, status: int) -> None:
    # Given a request signed `age` ago
    request = signed("/engagements/a/b", at=NOW - age)
    # When the gateway handles it now
    reply = gateway(Recorder()).handle(request)
    # Then it is accepted up to five minutes, and not a second longer
    assert reply.status == status


def test_multi_value_headers_win_and_base64_bodies_are_decoded() -> None:
    # Given a handler answer with the same header in both maps and a binary body
    answer = {
        "statusCode": 201,
        "headers": {"X-Thing": "single", "Cache-Control": "no-store"},
        "multiValueHeaders": {"X-Thing": ["a", "b"]},
        "body": "AAEC",
        "isBase64Encoded": True,
    }
    # When the gateway writes it back
    reply = gateway(Recorder(answer)).handle(signed("/engagements/a/b"))
    # Then the multi-value header wins, the body is the decoded bytes, JSON is the default type
    assert reply.status == 201
    assert header(reply, "X-Thing") == ["a", "b"]
    assert header(reply, "Cache-Control") == ["no-store"]
    assert header(reply, "Content-Type") == ["application/json"]
    assert reply.body == b"\x00\x01\x02"


@pytest.mark.parametrize(
    "answer",
    [
        "not an object",
        {"statusCode": "200", "body": "{}"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": {"X-Bad": "a\r\nSet-Cookie: x"}, "body": ""},
    ],
    ids=["not-object", "status-not-int", "body-not-string", "bad-base64", "header-injection"],
)
def test_malformed_proxy_response_is_an_internal_error(answer: object) -> None:
    # Given a handler that answers something that is not a Lambda proxy response
    # When the gateway handles a request
    reply = gateway(Recorder(answer)).handle(signed("/engagements/a/b"))
    # Then the caller gets API Gateway's 5XX, as the deployed DEFAULT_5XX response renders it
    assert reply.status == 500
    assert b'"type":"urn:problem:engagement-proxy:internal-error"' in reply.body
    assert b'"detail":"Internal server error"' in reply.body


@pytest.mark.parametrize(
    ("error", "status", "slug", "detail"),
    [
        (InvocationTimeout("late"), 504, "integration-timeout", "Endpoint request timed out"),
        (InvocationFailed("crash"), 500, "internal-error", "Internal server error"),
    ],
    ids=["timeout", "crash"],
)
def test_invocation_failures_are_answered_by_the_gateway(
    error: Exception, status: int, slug: str, detail: str
) -> None:
    # Given a Lambda that times out or crashes
    # When the gateway handles a request
    reply = gateway(Recorder(error=error)).handle(signed("/engagements/a/b"))
    # Then API Gateway's own answer comes back
    assert reply.status == status
    assert f'"type":"urn:problem:engagement-proxy:{slug}"'.encode() in reply.body
    assert f'"detail":"{detail}"'.encode() in reply.body
    assert header(reply, "Content-Type") == ["application/problem+json"]


@pytest.mark.parametrize(
    "date",
    [
        pytest.param("Fri, 31 Dec 9999 23:59:59 -2359", id="past 9999 in UTC"),
        pytest.param("Fri, 01 Jan 0100 00:00:00 +2359", id="a three-digit year in UTC"),
        pytest.param("Mon, 03 Jan 0999 12:00:00 +0000", id="a three-digit year"),
    ],
)
def test_a_date_that_is_no_four_digit_year_in_utc_is_no_usable_date(date: str) -> None:
    # Given a signed request whose Date, in UTC, has no four-digit year (SigV4 writes YYYY)
    request = signed("/engagements/a/b")
    headers = [(name, value) for name, value in request.headers if name != "X-Amz-Date"]
    request = HttpRequest("GET", request.raw_path, "", [*headers, ("Date", date)])

    # When the gateway handles it
    reply = gateway(Recorder()).handle(request)

    # Then it is API Gateway's 403 for a request without a usable date
    assert reply.status == 403
    assert b"requires existence of either a 'X-Amz-Date' or a 'Date' header" in reply.body


@pytest.mark.parametrize(
    ("path", "hint"), [("/v1/engagements/a/b", True), ("/v1/elsewhere", False)]
)
def test_a_stage_prefix_is_explained_as_local_mode_has_no_stage(path: str, hint: bool) -> None:
    # Given a request copied from the deployed URL, with its /v1 stage, or to no route at all
    request = signed(path)
    # When the local gateway handles it
    reply = gateway(Recorder()).handle(request)
    # Then it is API Gateway's 403, which says to drop the prefix when that would have routed
    assert reply.status == 403
    body = reply.body.decode()
    assert "Missing Authentication Token" in body
    assert ("local mode has no stage, send the path without the /v1 prefix" in body) is hint
