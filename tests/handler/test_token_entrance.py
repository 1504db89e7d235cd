"""The token entrance: HTTP API (v2) events whose JWT API Gateway already verified."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from testing_support.events import (
    COMMANDER,
    CONTRACTOR,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    ISSUER,
    SRE,
    STRANGER,
    TOKEN_COMMANDER,
    TOKEN_CONTRACTOR,
    TOKEN_FOREIGN_COMMANDER,
    TOKEN_SRE,
    TOKEN_STRANGER,
    Token,
    claims,
    http_event,
    rest_event,
)
from tests.handler.conftest import SECURE_STRINGS, Captured, call, engagement_answer, headers_of


@pytest.mark.parametrize(
    ("token_claims", "subject_seen", "content_seen"),
    [
        (TOKEN_COMMANDER, SECURE_STRINGS[0], SECURE_STRINGS[1]),
        (TOKEN_SRE, None, None),
        (Token(TOKEN_SRE.payload, {**TOKEN_SRE.claims, "groups": ["sre"]}), None, None),
    ],
    ids=["full-by-group", "redacted-by-group", "authorizer-groups-as-a-list"],
)
def test_token_callers_get_their_tier(stubbed, captured, token_claims, subject_seen, content_seen):
    # Given a token caller and the engagement upstream
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it asks through the HTTP API
    response = call(http_event(EXAMPLE_PATH, token_claims))
    # Then it gets exactly its tier's view, in the v2 response format
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert (body["Subject"], body["Content"]) == (subject_seen, content_seen)
    if subject_seen is None:
        assert body["Redacted"] == ["Subject", "Content"]
        for secret in SECURE_STRINGS:
            assert secret not in response["body"] + captured.text


@pytest.mark.parametrize(
    "token_claims",
    [
        TOKEN_CONTRACTOR,
        TOKEN_STRANGER,
        TOKEN_FOREIGN_COMMANDER,
        claims("", ["incident-commanders"]),
        None,
    ],
    ids=[
        "deny-by-subject",
        "no-rule",
        "commanders-group-of-another-issuer",
        "no-subject",
        "no-claims",
    ],
)
def test_token_callers_denied_without_an_upstream_call(stubbed, captured, token_claims):
    # Given a token caller the policy does not serve (no upstream answer is stubbed)
    stubbed()
    event = http_event(EXAMPLE_PATH, token_claims)
    # When it asks
    response = call(event)
    # Then it gets a 403 problem
    assert response["statusCode"] == 403
    problem = json.loads(response["body"])
    assert problem["type"] == "urn:problem:engagement-proxy:access-denied"
    assert problem["instance"] == event["requestContext"]["requestId"]


def test_identity_comes_only_from_the_authorizer_never_from_headers(stubbed, captured):
    # Given a caller without claims who sends headers pretending to be the commander
    stubbed()
    event = http_event(
        EXAMPLE_PATH,
        None,
        headers={"x-amzn-oidc-identity": "00u-commander", "x-forwarded-user": "00u-commander"},
    )
    event["headers"]["x-jwt-claims"] = json.dumps(TOKEN_COMMANDER.claims)
    # When it asks
    response = call(event)
    # Then it is denied
    assert response["statusCode"] == 403


@pytest.mark.parametrize(
    "path",
    [EXAMPLE_PATH, f"/engagements/{EXAMPLE_ARN}", "/engagements/" + quote(EXAMPLE_ARN, safe="")],
    ids=["contact-and-uuid", "raw-arn", "encoded-arn"],
)
def test_three_spellings_through_the_token_entrance(stubbed, captured, path):
    # Given the engagement upstream, asked for by its ARN
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When the commander names it with one of the spellings (API Gateway decodes the path)
    response = call(http_event(path, TOKEN_COMMANDER))
    # Then the same engagement is served
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["EngagementArn"] == EXAMPLE_ARN


def test_a_double_encoded_arn_is_not_decoded_a_second_time(stubbed, captured):
    # Given an ARN encoded twice: API Gateway's decoding leaves `arn%3Aaws%3A...`
    stubbed()
    event = http_event(
        "/engagements/" + quote(quote(EXAMPLE_ARN, safe=""), safe=""), TOKEN_COMMANDER
    )
    # When it arrives
    response = call(event)
    # Then it is refused as malformed rather than decoded again
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["type"].endswith("invalid-engagement-id")


def test_repeated_region_parameters_are_refused(stubbed, captured):
    # Given ?region= twice, which an HTTP API joins with a comma
    stubbed()
    event = http_event(EXAMPLE_PATH, TOKEN_COMMANDER, query={"region": ["us-east-2", "us-west-2"]})
    # When it arrives
    response = call(event)
    # Then it is a 400
    assert response["statusCode"] == 400


ERROR_CASES = {
    "not-found": ("ResourceNotFoundException", 404, {}),
    "throttled": ("ThrottlingException", 400, {"RetryAfterSeconds": 9}),
    "role-fault": ("AccessDeniedException", 400, {}),
    "internal": ("InternalServerException", 500, {}),
    "validation": ("ValidationException", 400, {}),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_identical_on_both_entrances(stubbed, captured, no_cache, case):
    # Given the same upstream error answered to an IAM caller and to a token caller
    code, http_status, modeled = ERROR_CASES[case]
    for _ in range(2):
        stubbed().add_client_error(
            "describe_engagement",
            service_error_code=code,
            http_status_code=http_status,
            modeled_fields={"Message": "m", **modeled} if modeled else None,
        )
    # When both ask
    by_iam = call(rest_event(EXAMPLE_PATH, COMMANDER))
    by_token = call(http_event(EXAMPLE_PATH, TOKEN_COMMANDER))
    # Then status, headers and problem (but the request id) are the same
    assert by_iam["statusCode"] == by_token["statusCode"] >= 400
    assert headers_of(by_iam) == headers_of(by_token)
    iam_problem, token_problem = json.loads(by_iam["body"]), json.loads(by_token["body"])
    assert {**iam_problem, "instance": None} == {**token_problem, "instance": None}


@pytest.mark.parametrize(
    ("path", "method"),
    [("/engagements/nope", "GET"), ("/incidents/1", "GET"), (EXAMPLE_PATH, "POST")],
    ids=["bad-id", "unknown-route", "method"],
)
def test_request_errors_are_identical_on_both_entrances(stubbed, captured, path, method):
    # Given the same bad request through both entrances
    stubbed()
    by_iam = call(rest_event(path, COMMANDER, method=method))
    by_token = call(http_event(path, TOKEN_COMMANDER, method=method))
    # Then both answer alike
    assert by_iam["statusCode"] == by_token["statusCode"] >= 400
    assert headers_of(by_iam) == headers_of(by_token)
    assert json.loads(by_iam["body"])["type"] == json.loads(by_token["body"])["type"]


@pytest.mark.parametrize(
    ("iam", "token", "status"),
    [(SRE, TOKEN_SRE, 200), (CONTRACTOR, TOKEN_CONTRACTOR, 403), (STRANGER, TOKEN_STRANGER, 403)],
    ids=["redacted", "deny-rule", "no-rule"],
)
def test_tiers_answer_alike_on_both_entrances(stubbed, captured, no_cache, iam, token, status):
    # Given callers of the same tier on both entrances
    stub = stubbed()
    if status == 200:
        for _ in range(2):
            stub.add_response(
                "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
            )
    # When both ask
    by_iam = call(rest_event(EXAMPLE_PATH, iam))
    by_token = call(http_event(EXAMPLE_PATH, token))
    # Then they get the same status and the same body (problems but for their request ids)
    assert by_iam["statusCode"] == by_token["statusCode"] == status
    iam_body, token_body = json.loads(by_iam["body"]), json.loads(by_token["body"])
    if status != 200:
        iam_body["instance"] = token_body["instance"] = None
    assert iam_body == token_body


def test_audit_line_names_issuer_and_subject(stubbed, captured: Captured):
    # Given a token caller
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When it is served
    call(http_event(EXAMPLE_PATH, TOKEN_SRE))
    # Then the audit line names its issuer and subject, and never the token
    (audit,) = captured.audit_lines()
    assert audit["issuer"] == ISSUER
    assert audit["subject"] == "00u-sre"
    assert audit["caller_name"] == "00u-sre@example.com"
    assert audit["tier"] == "redacted"
    assert "eyJhbGciOiJSUzI1NiJ9" not in captured.text
