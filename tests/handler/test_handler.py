"""The proxy through lambda_handler: REST proxy events in, API Gateway responses out."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from engagement_proxy import handler
from engagement_proxy.upstream import SsmContacts
from testing_support.contract import ANSWER_KEYS
from testing_support.events import (
    ANONYMOUS,
    COMMANDER,
    CONTRACTOR,
    DASHBOARD,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    EXAMPLE_UUID,
    SRE,
    STRANGER,
    rest_event,
)
from tests.handler.conftest import (
    SECURE_STRINGS,
    Captured,
    call,
    engagement_answer,
    headers_of,
    wire_response,
)
from tests.slow_upstream import answer_body as slow_answer_body
from tests.slow_upstream import slow_upstream

ON_CALL = {
    "userArn": "arn:aws:sts::123412341234:assumed-role/OnCall-Platform/dave",
    "accountId": "123412341234",
    "principalOrgId": None,
    "caller": "AROAEXAMPLEONCALL:dave",
}


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response["body"])
    return body


def assert_no_secure_text(response: dict[str, Any], captured: Captured) -> None:
    exposed = response["body"] + json.dumps(headers_of(response)) + captured.text
    for secret in SECURE_STRINGS:
        assert secret not in exposed


def assert_problem(
    response: dict[str, Any], event: dict[str, Any], status: int, slug: str
) -> dict[str, Any]:
    assert response["statusCode"] == status
    assert headers_of(response)["Content-Type"] == "application/problem+json"
    problem = body_of(response)
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    assert problem["type"] == f"urn:problem:engagement-proxy:{slug}"
    assert problem["status"] == status
    assert problem["instance"] == event["requestContext"]["requestId"]
    assert "Traceback" not in response["body"]
    return problem


# --- tiers -------------------------------------------------------------------------------------


def test_commander_gets_the_whole_engagement(stubbed, captured):
    # Given the incident commander and an engagement upstream
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When the commander asks for it
    response = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then the answer holds every documented field, secure text included, and nothing else
    assert response["statusCode"] == 200
    assert headers_of(response)["Content-Type"] == "application/json"
    assert headers_of(response)["Cache-Control"] == "no-store"
    assert headers_of(response)["Vary"] == "Authorization"
    body = body_of(response)
    assert tuple(body) == ANSWER_KEYS
    assert body["Subject"] == SECURE_STRINGS[0]
    assert body["Content"] == SECURE_STRINGS[1]
    assert body["EngagementArn"] == EXAMPLE_ARN
    assert body["StartTime"] == "2021-05-18T18:25:41.000Z"
    assert body["Redacted"] == []


def test_secure_text_served_to_the_full_tier_never_reaches_the_logs(stubbed, captured):
    # Given a full-tier caller, with every logger at DEBUG
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When the engagement is served
    response = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then the body has the secure text and the logs and metrics do not
    assert SECURE_STRINGS[0] in response["body"]
    assert captured.audit_lines()
    for secret in SECURE_STRINGS:
        assert secret not in captured.text


def test_on_call_role_of_any_account_gets_full_tier(stubbed, captured):
    # Given a caller whose role matches the `OnCall-*` pattern in another account
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it asks
    response = call(rest_event(EXAMPLE_PATH, ON_CALL))
    # Then it sees the secure fields
    assert body_of(response)["Subject"] == SECURE_STRINGS[0]


@pytest.mark.parametrize("identity", [SRE, DASHBOARD], ids=["by-account", "by-org"])
def test_redacted_callers_never_see_secure_text(stubbed, captured, identity):
    # Given a caller in the redacted tier
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it asks for the engagement
    response = call(rest_event(EXAMPLE_PATH, identity))
    # Then Subject and Content are null, named in Redacted, and appear in no byte sent or logged
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["Subject"] is None
    assert body["Content"] is None
    assert body["PublicSubject"] == "test"
    assert body["Redacted"] == ["Subject", "Content"]
    assert_no_secure_text(response, captured)
    assert "Redactions" in captured.metric_names()


@pytest.mark.parametrize(
    ("identity", "detail"),
    [
        (CONTRACTOR, "access policy"),
        (STRANGER, "access policy"),
        (ANONYMOUS, "no authenticated identity"),
        (None, "no authenticated identity"),
    ],
    ids=["deny-rule", "no-rule", "anonymous", "no-identity-block"],
)
def test_denied_callers_get_403_without_an_upstream_call(stubbed, captured, identity, detail):
    # Given a caller the policy denies (the stubber has no answer: any upstream call would fail)
    stubbed()
    event = rest_event(EXAMPLE_PATH, identity)
    if identity is None:
        del event["requestContext"]["identity"]
    # When it asks
    response = call(event)
    # Then it is refused with a problem, and nothing was asked upstream
    problem = assert_problem(response, event, 403, "access-denied")
    assert detail in problem["detail"]
    assert captured.audit_lines()[-1]["tier"] == "deny"


# --- spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLE_PATH,
        f"/engagements/{EXAMPLE_ARN}",
        "/engagements/" + quote(EXAMPLE_ARN, safe=""),
    ],
    ids=["contact-and-uuid", "raw-arn", "encoded-arn"],
)
def test_three_spellings_name_the_same_engagement(stubbed, captured, path):
    # Given the engagement upstream, expected to be asked for by its full ARN
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it is named with one of the spellings
    response = call(rest_event(path, COMMANDER))
    # Then the same engagement is served
    assert response["statusCode"] == 200
    assert body_of(response)["EngagementArn"] == EXAMPLE_ARN


def test_region_query_selects_a_second_served_region(stubbed, captured):
    # Given an engagement in the second served region
    arn = EXAMPLE_ARN.replace("us-east-2", "us-west-2")
    stubbed("us-west-2").add_response(
        "describe_engagement", engagement_answer(arn), {"EngagementId": arn}
    )
    # When it is named by contact and uuid with ?region=
    response = call(rest_event(EXAMPLE_PATH, COMMANDER, query={"region": ["us-west-2"]}))
    # Then that region's client was asked and the engagement served
    assert response["statusCode"] == 200
    assert body_of(response)["EngagementArn"] == arn


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/engagements/not-an-id", None),
        ("/engagements/example_escalation/not-a-uuid", None),
        (
            "/engagements/arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
            None,
        ),
        ("/engagements/arn:aws:s3:::bucket/key", None),
        (EXAMPLE_PATH, {"region": ["eu-west-9"]}),
        (EXAMPLE_PATH, {"region": ["not a region"]}),
        (f"/engagements/{EXAMPLE_ARN}", {"region": ["us-west-2"]}),
        ("/engagements/" + "a" * 2100 + f"/{EXAMPLE_UUID}", None),
        ("/engagements/example_escalation%0A/" + EXAMPLE_UUID, None),
        ("/engagements/" + quote(quote(EXAMPLE_ARN, safe=""), safe=""), None),
        ("/engagements/%FF%FE", None),
    ],
    ids=[
        "one-segment",
        "bad-uuid",
        "contact-arn",
        "other-service",
        "unserved-region",
        "bad-region",
        "region-contradicts-arn",
        "too-long",
        "control-character",
        "double-encoded",
        "bad-utf8",
    ],
)
def test_malformed_ids_get_400_before_any_upstream_call(stubbed, captured, path, query):
    # Given a full-tier caller and no upstream answer at all
    stubbed()
    event = rest_event(path, COMMANDER, query=query)
    # When the id is malformed
    response = call(event)
    # Then it is a 400 problem
    assert_problem(response, event, 400, "invalid-engagement-id")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"region": ["us-east-2", "us-west-2"]}, "Give the region query parameter at most once."),
        (
            {"regoin": ["us-west-2"]},
            "/engagements/{engagement} takes no query parameter regoin: send only region.",
        ),
        ({"a b": ["1"]}, "takes no query parameter a parameter: send only region."),
    ],
    ids=["repeated", "misspelt", "unprintable-name"],
)
def test_query_mistakes_get_400_saying_what_to_send(stubbed, captured, query, detail):
    # Given a full-tier caller and no upstream answer at all
    stubbed()
    event = rest_event(EXAMPLE_PATH, COMMANDER, query=query)
    # When the query repeats or misspells a parameter
    response = call(event)
    # Then it is a 400 invalid-query problem saying what the route takes
    assert_problem(response, event, 400, "invalid-query")
    assert detail in json.loads(response["body"])["detail"]


def test_another_accounts_engagement_is_not_found_without_asking(stubbed, captured):
    # Given an ARN in an account this proxy does not serve
    event = rest_event(
        f"/engagements/{EXAMPLE_ARN.replace('111122223333', '210987654321')}", COMMANDER
    )
    stubbed()
    # When it is asked for
    response = call(event)
    # Then the answer is 404, saying nothing about the other account
    problem = assert_problem(response, event, 404, "engagement-not-found")
    assert "210987654321" not in problem["detail"]


def test_unknown_route_is_404(captured):
    # Given a path outside /engagements/
    event = rest_event("/incidents/1", COMMANDER)
    # When it is asked for
    response = call(event)
    # Then it is a 404 problem
    assert_problem(response, event, 404, "not-found")


def test_other_methods_are_405_with_allow(captured):
    # Given a DELETE on an engagement
    event = rest_event(EXAMPLE_PATH, COMMANDER, method="DELETE")
    # When it arrives
    response = call(event)
    # Then it is refused as 405, naming GET as allowed
    assert_problem(response, event, 405, "method-not-allowed")
    assert headers_of(response)["Allow"] == "GET"


def test_an_event_of_neither_entrance_gets_500_problem(captured):
    # Given an event without the REST proxy fields
    event: dict[str, Any] = {"requestContext": {"requestId": "odd-1"}}
    # When the handler receives it
    response = call(event)
    # Then it still answers with a problem, and the log names the error type
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["instance"] == "odd-1"
    assert any(record.get("error_type") == "UnreadableEvent" for record in captured.records())


# --- upstream errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "http_status", "status", "slug"),
    [
        ("ResourceNotFoundException", 404, 404, "engagement-not-found"),
        ("ValidationException", 400, 400, "rejected-upstream"),
        ("AccessDeniedException", 400, 502, "upstream-role-fault"),
        ("DataEncryptionException", 400, 502, "upstream-role-fault"),
        ("InternalServerException", 500, 502, "upstream-failed"),
    ],
)
def test_upstream_errors_map_to_problems_without_upstream_text(
    stubbed, captured, code, http_status, status, slug
):
    # Given SSM Contacts answering with an error whose message echoes secure text
    stubbed().add_client_error(
        "describe_engagement",
        service_error_code=code,
        service_message=f"cannot read {SECURE_STRINGS[0]}",
        http_status_code=http_status,
        response_meta={"RequestId": "upstream-req-1"},
    )
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    # When the commander asks
    response = call(event)
    # Then the problem has the mapped status, and the upstream message is nowhere
    assert_problem(response, event, status, slug)
    assert_no_secure_text(response, captured)
    audit = captured.audit_lines()[-1]
    assert audit["upstream_error"] == code
    assert audit["upstream_request_id"] == "upstream-req-1"


@pytest.mark.parametrize(
    ("http_status", "body"),
    [
        (400, json.dumps({"__type": "SomethingNewException", "message": "new"}).encode()),
        (400, json.dumps({"__type": f"aws#{SECURE_STRINGS[0]}"}).encode()),
        (400, json.dumps({"__type": 'Throttling\n{"level":"ERROR","message":"forged"}'}).encode()),
        (503, b"<html>Service Unavailable</html>"),
        (429, b""),
    ],
    ids=[
        "unmodeled",
        "secure-text",
        "forged-log-line",
        "html-503",
        "empty-429",
    ],
)
def test_error_codes_outside_the_model_are_recorded_as_unknown(captured, http_status, body):
    # Given SSM Contacts answering an error whose type is none of its modeled errors, on the wire
    client = handler.RUNTIME.configured()[1].client("us-east-2")

    def answer(**_: Any) -> Any:
        return wire_response("http://127.0.0.1:9/", http_status, body)

    client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", answer)
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    try:
        # When the commander asks
        response = call(event)
    finally:
        client.meta.events.unregister("before-send.ssm-contacts.DescribeEngagement", answer)
    # Then the caller gets 502 upstream-failed, and audit line and metric say "unknown" only
    assert_problem(response, event, 502, "upstream-failed")
    assert captured.audit_lines()[-1]["upstream_error"] == "unknown"
    codes = [record["code"] for record in captured.records() if "UpstreamErrors" in record]
    assert codes == ["unknown"]
    for text in ("SomethingNew", "forged", "Throttling\n", "Service Unavailable"):
        assert text not in captured.text
    assert_no_secure_text(response, captured)


def test_an_upstream_request_id_of_another_shape_stays_out_of_the_audit_line(captured):
    # Given SSM Contacts answering well, but with a request id header holding text of its choosing
    client = handler.RUNTIME.configured()[1].client("us-east-2")
    hostile = f'x", "caller": "{SECURE_STRINGS[0]}'

    def answer(**_: Any) -> Any:
        return wire_response(
            "http://127.0.0.1:9/", 200, _wire_answer(), {"x-amzn-RequestId": hostile}
        )

    client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", answer)
    try:
        # When the commander asks
        response = call(rest_event(EXAMPLE_PATH, COMMANDER))
    finally:
        client.meta.events.unregister("before-send.ssm-contacts.DescribeEngagement", answer)
    # Then the engagement is served, and the audit line names no upstream request
    assert response["statusCode"] == 200
    assert captured.audit_lines()[-1].get("upstream_request_id") is None
    assert hostile not in captured.text


@pytest.mark.parametrize("code", ["AccessDeniedException", "DataEncryptionException"])
def test_role_faults_log_an_error_and_emit_the_alarm_metric(stubbed, captured, code):
    # Given SSM Contacts refusing the proxy's own role or key
    stubbed().add_client_error("describe_engagement", service_error_code=code, http_status_code=400)
    # When a request comes in
    call(rest_event(EXAMPLE_PATH, SRE))
    # Then an operator-facing error is logged and the UpstreamRoleFault metric emitted
    errors = [record for record in captured.records() if record.get("level") == "ERROR"]
    assert any("role or KMS key" in record["message"] for record in errors)
    assert "UpstreamRoleFault" in captured.metric_names()


@pytest.mark.parametrize(("modeled", "retry_after"), [({"RetryAfterSeconds": 7}, "7"), ({}, "2")])
def test_throttling_is_503_with_retry_after(stubbed, captured, modeled, retry_after):
    # Given SSM Contacts throttling after the SDK's retries
    stubbed().add_client_error(
        "describe_engagement",
        service_error_code="ThrottlingException",
        http_status_code=400,
        modeled_fields={"Message": "slow down", **modeled},
    )
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    # When a request comes in
    response = call(event)
    # Then the caller is told to come back, and when
    assert_problem(response, event, 503, "upstream-throttled")
    assert headers_of(response)["Retry-After"] == retry_after


def _wire_answer(**members: Any) -> bytes:
    """A DescribeEngagement answer as it travels on the wire (times as epoch seconds)."""
    answer = {**engagement_answer(), "StartTime": 1621362341.0, "StopTime": 1621363200.0}
    return json.dumps({**answer, **members}).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'{"EngagementArn": "' + EXAMPLE_ARN.encode() + b'", "Sender": "tes',
        json.dumps({"EngagementArn": EXAMPLE_ARN}).encode(),
        json.dumps(
            {
                **engagement_answer(EXAMPLE_ARN.replace("69e40ce1", "00000000")),
                "StartTime": 1621362341.0,
                "StopTime": 1621363200.0,
            }
        ).encode(),
        b"\xff\xfe not text",
        b"[1, 2]",
        b"null",
        json.dumps({**engagement_answer(), "StartTime": "soon", "StopTime": None}).encode(),
        # botocore raises RuntimeError for a time past datetime's range
        _wire_answer(StartTime=1e20),
        _wire_answer(StopTime=-1e20),
        # and RecursionError for JSON nested deeper than the interpreter's stack
        b'{"Subject": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=[
        "not-json",
        "truncated",
        "incomplete",
        "another-engagement",
        "invalid-utf8",
        "json-array",
        "json-null",
        "time-not-a-time",
        "time-out-of-range",
        "negative-time-out-of-range",
        "deeply-nested",
    ],
)
def test_malformed_upstream_answers_are_502(captured, body):
    # Given SSM Contacts answering 200 on the wire with something unusable, parsed by botocore
    assert_unreadable_answer_is_502(captured, 200, body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"__type": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        json.dumps({"__type": ["ValidationException"]}).encode(),
        json.dumps({"__type": {"ValidationException": 1}}).encode(),
    ],
    ids=["nested-type", "nested-message", "type-a-list", "type-an-object"],
)
def test_unreadable_upstream_error_answers_are_502(captured, body):
    # Given SSM Contacts answering 400 on the wire with an error body botocore cannot parse
    assert_unreadable_answer_is_502(captured, 400, body)


def assert_unreadable_answer_is_502(captured: Captured, status: int, body: bytes) -> None:
    client = handler.RUNTIME.configured()[1].client("us-east-2")

    def answer(**_: Any) -> Any:
        return wire_response("http://127.0.0.1:9/", status, body, {"x-amzn-RequestId": "req-2"})

    client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", answer)
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    try:
        # When a request comes in
        response = call(event)
    finally:
        client.meta.events.unregister("before-send.ssm-contacts.DescribeEngagement", answer)
    # Then it is a 502 problem, not a half answer nor a 500, and the audit line says why
    assert_problem(response, event, 502, "upstream-failed")
    assert_no_secure_text(response, captured)
    assert captured.audit_lines()[-1]["upstream_error"] in ("Unreadable", "Malformed")


@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), 504, "upstream-timeout"),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), 504, "upstream-timeout"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 504, "upstream-unreachable"),
    ],
    ids=["read-timeout", "connect-timeout", "connection-refused"],
)
def test_network_failures_after_retries(captured, failure, status, slug):
    # Given every attempt on the wire failing (botocore's retries run as in production)
    client = handler.RUNTIME.configured()[1].client("us-east-2")
    attempts: list[int] = []

    def fail(**_: Any) -> None:
        attempts.append(1)
        raise failure

    client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", fail)
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    try:
        # When a request comes in
        response = call(event)
    finally:
        client.meta.events.unregister("before-send.ssm-contacts.DescribeEngagement", fail)
    # Then the SDK retried, and the caller gets the mapped problem
    assert len(attempts) == 2
    assert_problem(response, event, status, slug)


@pytest.mark.parametrize("trickle_from", ["status", "body"])
def test_an_upstream_trickling_its_answer_is_a_504_within_the_deadline(
    monkeypatch, captured, no_cache, trickle_from
):
    # Given SSM Contacts on loopback sending its answer a byte at a time, each byte well within
    # the per-read timeout, and the proxy's budget of UPSTREAM_TIMEOUT_SECONDS (3 s here)
    budget = handler.RUNTIME.configured()[0].upstream_timeout_seconds
    body = slow_answer_body(EXAMPLE_ARN)
    with slow_upstream(body, interval=0.1, trickle_from=trickle_from, give_up_after=15) as (
        _,
        url,
    ):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM_CONTACTS", url)
        runtime = replace(handler.RUNTIME, upstream=SsmContacts(budget))
        monkeypatch.setattr(handler, "RUNTIME", runtime)
        event = rest_event(EXAMPLE_PATH, COMMANDER)
        started = time.monotonic()
        # When the commander asks
        response = call(event)
        elapsed = time.monotonic() - started
    # Then the answer is a 504 upstream-timeout, within the deadline plus a second
    assert_problem(response, event, 504, "upstream-timeout")
    assert elapsed <= budget + 1.0
    assert captured.audit_lines()[-1]["upstream_error"] == "Timeout"


def test_unexpected_errors_are_500_and_say_nothing_of_themselves(monkeypatch, captured):
    # Given a bug somewhere below the handler whose message holds secure text
    def explode(*_: Any) -> None:
        raise RuntimeError(SECURE_STRINGS[1])

    monkeypatch.setattr(handler.RUNTIME.configured()[1], "describe_engagement", explode)
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    # When a request comes in
    response = call(event)
    # Then the caller gets a generic 500, and the log names the error type but not its message
    assert_problem(response, event, 500, "internal-error")
    assert any(record.get("error_type") == "RuntimeError" for record in captured.records())
    assert_no_secure_text(response, captured)


# --- audit -------------------------------------------------------------------------------------


def test_one_audit_line_per_request_says_who_what_and_how_it_ended(stubbed, captured):
    # Given a redacted caller and an engagement upstream
    answer = {**engagement_answer(), "ResponseMetadata": {"RequestId": "upstream-req-9"}}
    stubbed().add_response("describe_engagement", answer, {"EngagementId": EXAMPLE_ARN})
    event = rest_event(EXAMPLE_PATH, DASHBOARD)
    # When it is served
    call(event)
    # Then exactly one audit line tells the story, under the API Gateway request id
    (audit,) = captured.audit_lines()
    assert audit["caller"] == "arn:aws:sts::777788889999:assumed-role/Dashboard/grafana"
    assert audit["principal"] == "arn:aws:iam::777788889999:role/Dashboard"
    assert audit["account"] == "777788889999"
    assert audit["org"] == "o-a1b2c3d4e5"
    assert audit["tier"] == "redacted"
    assert audit["engagement_arn"] == EXAMPLE_ARN
    assert audit["outcome"] == "served"
    assert audit["status"] == 200
    assert audit["upstream_request_id"] == "upstream-req-9"
    assert audit["correlation_id"] == event["requestContext"]["requestId"]


def test_each_request_emits_one_metric_document_by_tier_and_outcome(stubbed, captured):
    # Given a redacted caller and the engagement upstream
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it is served
    call(rest_event(EXAMPLE_PATH, SRE))
    # Then one EMF document counts the request and its redaction under tier and outcome
    documents = [record for record in captured.records() if "Requests" in record]
    assert len(documents) == 1
    (document,) = documents
    assert (document["tier"], document["outcome"], document["service"]) == (
        "redacted",
        "served",
        "engagement-proxy",
    )
    assert document["Requests"] == [1.0] and document["Redactions"] == [1.0]
    (dimensions,) = document["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert sorted(dimensions) == ["outcome", "service", "tier"]


# --- errors that say what to do next ---------------------------------------------------------


def test_not_found_names_where_it_looked_and_the_other_served_region(stubbed, captured):
    # Given an engagement SSM Contacts does not have in the default region
    stubbed().add_client_error(
        "describe_engagement",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"EngagementId": EXAMPLE_ARN},
    )
    event = rest_event(EXAMPLE_PATH, COMMANDER)
    # When the commander asks for it by contact and id
    response = call(event)
    # Then the 404 says which account and region were searched, and how to try the other one
    assert_problem(response, event, 404, "engagement-not-found")
    assert json.loads(response["body"])["detail"] == (
        "No such engagement in account 111122223333, region us-east-2; it may live in another "
        "served region: add ?region=us-west-2."
    )


@pytest.mark.parametrize("path", [EXAMPLE_PATH + "/", "/engagements/", "/engagements/x/pages/"])
def test_a_trailing_slash_is_named_as_such(stubbed, captured, path):
    # Given a path that ends with a slash (the stub holds no answer)
    stubbed()
    event = rest_event(path, COMMANDER)
    # When it is asked for
    response = call(event)
    # Then the 404 says to drop the slash
    assert_problem(response, event, 404, "not-found")
    assert "without the trailing /" in json.loads(response["body"])["detail"]
