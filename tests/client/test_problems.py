"""Every problem answer as one line saying what to do next, and its class's exit status."""

from __future__ import annotations

import pytest

from ep_client.endpoint import parse_endpoint
from ep_client.exits import ExitStatus
from ep_client.problems import Attempt, failure_for, unreachable_failure, unreadable_failure
from ep_client.routes import Command
from ep_client.transport import Answer
from tests.client.answers import http_api_error, problem

API = parse_endpoint("https://abc123.execute-api.us-east-2.amazonaws.com/v1")
LOCAL = parse_endpoint("http://127.0.0.1:8080")
SIGNED = Attempt(API, Command.GET, "us-east-2")
TOKEN = Attempt(API, Command.GET, None)


@pytest.mark.parametrize(
    ("answer", "attempt", "status", "says"),
    [
        (
            problem(
                400,
                "invalid-engagement-id",
                "Invalid engagement id",
                "The region moon-1 is not served; served regions: us-east-2, us-west-2.",
            ),
            SIGNED,
            ExitStatus.USAGE,
            "served regions: us-east-2, us-west-2.",
        ),
        (
            problem(
                400,
                "invalid-time-window",
                "Invalid time window",
                "The window is longer than 7 days: send since and until at most 7 days apart.",
            ),
            Attempt(API, Command.LIST, "us-east-2"),
            ExitStatus.USAGE,
            "--since and --until",
        ),
        (
            problem(
                403,
                "access-denied",
                "Access denied",
                "The access policy does not let this caller read engagements.",
            ),
            SIGNED,
            ExitStatus.DENIED,
            "ask its operators to add your role, account or group",
        ),
        (
            problem(
                403,
                "unauthenticated",
                "Invalid signature",
                "Signature mismatch",
                x_amzn_errortype="InvalidSignatureException",
            ),
            SIGNED,
            ExitStatus.DENIED,
            "ep signed for region us-east-2",
        ),
        (
            problem(
                403,
                "unauthenticated",
                "Expired credentials",
                "The security token expired",
                x_amzn_errortype="ExpiredTokenException",
            ),
            SIGNED,
            ExitStatus.DENIED,
            "have expired: refresh them",
        ),
        (
            problem(
                403,
                "access-denied",
                "Access denied",
                "User: anonymous is not authorized",
                x_amzn_errortype="AccessDeniedException",
            ),
            SIGNED,
            ExitStatus.DENIED,
            "allowed_accounts",
        ),
        (
            problem(
                403,
                "unauthenticated",
                "Invalid signature",
                "Authorization header requires 'Credential' parameter.",
                x_amzn_errortype="IncompleteSignatureException",
            ),
            TOKEN,
            ExitStatus.DENIED,
            "This URL is the IAM (SigV4) entrance",
        ),
        (
            http_api_error(
                401,
                "Unauthorized",
                www_authenticate=(
                    'Bearer scope="" error="invalid_token" '
                    'error_description="the token has expired"'
                ),
            ),
            TOKEN,
            ExitStatus.DENIED,
            "The token was refused (the token has expired)",
        ),
        (
            http_api_error(401, "Unauthorized", www_authenticate="Bearer"),
            SIGNED,
            ExitStatus.DENIED,
            "This URL is the token entrance",
        ),
        (
            http_api_error(403, "Forbidden"),
            TOKEN,
            ExitStatus.DENIED,
            "scope",
        ),
        (
            problem(404, "engagement-not-found", "Engagement not found", "No such engagement."),
            SIGNED,
            ExitStatus.NOT_FOUND,
            "pass --region for another served region",
        ),
        (
            problem(404, "engagement-not-found", "Engagement not found", "No such engagement."),
            Attempt(API, Command.GET, "us-east-2", reference_region="us-east-2"),
            ExitStatus.NOT_FOUND,
            "Check the account and region in the ARN",
        ),
        (
            problem(
                403,
                "unauthenticated",
                "Missing authentication",
                "Missing Authentication Token",
                x_amzn_errortype="MissingAuthenticationTokenException",
            ),
            Attempt(parse_endpoint("http://127.0.0.1:8080/v1"), Command.GET, "us-east-2"),
            ExitStatus.NOT_FOUND,
            "Local mode has no stage",
        ),
        (
            problem(
                403,
                "unauthenticated",
                "Missing authentication",
                "Missing Authentication Token",
                x_amzn_errortype="MissingAuthenticationTokenException",
            ),
            Attempt(API, Command.PAGES, "us-east-2"),
            ExitStatus.NOT_FOUND,
            "that this proxy already serves `ep pages`",
        ),
        (
            http_api_error(404, "Not Found"),
            Attempt(API, Command.INCIDENT, None),
            ExitStatus.NOT_FOUND,
            "`ep incident`",
        ),
        (
            problem(
                503,
                "upstream-throttled",
                "SSM Contacts is throttling",
                "SSM Contacts is throttling; retry later.",
                retry_after="2",
            ),
            SIGNED,
            ExitStatus.UPSTREAM,
            "Try again in 2 s.",
        ),
        (
            problem(429, "throttled", "Too many requests", "Too Many Requests", retry_after="1"),
            SIGNED,
            ExitStatus.UPSTREAM,
            "Try again in 1 s.",
        ),
        (
            problem(
                502,
                "upstream-role-fault",
                "Proxy cannot read engagements",
                "The proxy's own role or key cannot read this engagement.",
            ),
            SIGNED,
            ExitStatus.UPSTREAM,
            "Nothing to change on your side",
        ),
        (
            problem(504, "upstream-timeout", "SSM Contacts timed out", "No answer in 10 s."),
            SIGNED,
            ExitStatus.UPSTREAM,
            "Try again shortly",
        ),
        (
            problem(500, "misconfigured", "Proxy misconfigured", "ACCESS_POLICY is invalid."),
            SIGNED,
            ExitStatus.UPSTREAM,
            "tell the proxy's operators",
        ),
        (
            http_api_error(503, "Service Unavailable"),
            TOKEN,
            ExitStatus.UPSTREAM,
            "Try again",
        ),
    ],
    ids=[
        "usage-region",
        "usage-window",
        "denied-policy",
        "denied-signature",
        "denied-expired",
        "denied-resource-policy",
        "denied-token-at-iam",
        "denied-token-refused",
        "denied-sigv4-at-token",
        "denied-scope",
        "not-found-short",
        "not-found-arn",
        "no-route-local-stage",
        "no-route-pages",
        "no-route-token",
        "upstream-throttled",
        "gateway-throttled",
        "upstream-role",
        "upstream-timeout",
        "misconfigured",
        "token-5xx",
    ],
)
def test_each_problem_is_one_line_with_its_class(
    answer: Answer, attempt: Attempt, status: ExitStatus, says: str
) -> None:
    # Given a problem answer as the proxy or API Gateway sends it
    # When ep reads it
    failure = failure_for(answer, attempt)
    # Then it is its class's exit status and one line that says what to do next
    assert failure.status is status
    assert says in failure.line
    assert "\n" not in failure.line


def test_the_line_has_title_status_type_detail_and_request_id() -> None:
    # Given the Lambda's 404 problem
    answer = problem(
        404,
        "engagement-not-found",
        "Engagement not found",
        "No such engagement.",
        request_id="0b1b4acd-cd41-4bee-8327-67ed10f25b91",
    )
    # When ep reads it
    line = failure_for(answer, SIGNED).line
    # Then every part a person needs is on it, in that order
    assert line == (
        "Engagement not found (404 engagement-not-found): No such engagement. Check its "
        "account, or pass --region for another served region. "
        "Request id: 0b1b4acd-cd41-4bee-8327-67ed10f25b91."
    )


def test_control_characters_in_a_problem_are_escaped() -> None:
    # Given a problem whose detail and title hold terminal escapes
    answer = problem(400, "bad-request", "Bad\x1b[31m request", "Evil\x1b]0;title\x07\nline")
    # When ep reads it
    line = failure_for(answer, SIGNED).line
    # Then nothing reaches the terminal as a control character
    assert "\x1b" not in line and "\x07" not in line and "\n" not in line
    assert "\\x1b" in line


def test_a_body_that_is_no_problem_is_never_echoed() -> None:
    # Given an HTML error page from something in the way, holding text that is not ep's
    answer = Answer(502, {"content-type": "text/html"}, b"<html>SECRET-LOOKING PAGE</html>")
    # When ep reads it
    failure = failure_for(answer, SIGNED)
    # Then the class is upstream and the body is not on the line
    assert failure.status is ExitStatus.UPSTREAM
    assert "SECRET-LOOKING" not in failure.line


def test_a_redirect_is_reported_not_followed() -> None:
    # Given a redirect to somewhere else
    answer = Answer(302, {"location": "https://login.example.com/"}, b"")
    # When ep reads it
    failure = failure_for(answer, SIGNED)
    # Then the line says where it pointed and what to set instead
    assert failure.status is ExitStatus.FAILED
    assert "redirects to https://login.example.com/" in failure.line


def test_no_answer_is_unreachable_with_local_modes_hint() -> None:
    # Given no connection to local mode
    # When ep reports it
    failure = unreachable_failure("connection refused", Attempt(LOCAL, Command.GET, "us-east-2"))
    # Then it is the unreachable class, and the line says how to start local mode
    assert failure.status is ExitStatus.UNREACHABLE
    assert failure.line == (
        "Cannot reach http://127.0.0.1:8080: connection refused. For local mode, start it "
        "with `make local` in the repository."
    )


def test_an_unreadable_answer_is_its_own_class() -> None:
    # Given a 200 of JSON that is not of the route's shape
    # When ep reports it
    failure = unreadable_failure("has no EngagementArn", SIGNED, is_json=True)
    # Then it is exit status 1, asking whether EP_URL is the proxy, and --json shows it
    assert failure.status is ExitStatus.FAILED
    assert failure.line == (
        "The answer from https://abc123.execute-api.us-east-2.amazonaws.com/v1 has no "
        "EngagementArn: is EP_URL the Engagement Proxy? `--json` prints it as it came."
    )


def test_the_exit_statuses_are_distinct_and_stable() -> None:
    # Given the documented table
    # When the statuses are listed
    # Then each class has its own, with the values scripts rely on
    assert {status.name: status.value for status in ExitStatus} == {
        "OK": 0,
        "FAILED": 1,
        "USAGE": 2,
        "DENIED": 3,
        "NOT_FOUND": 4,
        "UPSTREAM": 5,
        "UNREACHABLE": 6,
        "INTERRUPTED": 130,
    }
