"""API Gateway's own errors in the Lambda's problem+json shape, so callers see one format."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw

# The Lambda's own, so both shapes cannot drift apart (a pure module: no boto3, no Powertools).
from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX, ProblemKind

# Gateway response templates are not VTL (no $util), but $context variables are substituted;
# $context.error.messageString is the error message as a quoted, escaped JSON string.
_DETAIL_SLOT = "<detail>"
RETRY_AFTER_SECONDS = "1"


@dataclass(frozen=True)
class GatewayProblem:
    """One of API Gateway's own errors, answered as the Lambda's problem of that kind."""

    response_type: str  # API Gateway's name for it, e.g. THROTTLED
    kind: ProblemKind

    @classmethod
    def of(cls, response_type: str, status: int, slug: str, title: str) -> GatewayProblem:
        return cls(response_type, ProblemKind(status, slug, title))


# Every response type this API can produce; DEFAULT_4XX/5XX catch the rest, so that the
# `status` in each body always equals the HTTP status.
PROBLEMS = (
    GatewayProblem.of(
        "MISSING_AUTHENTICATION_TOKEN", 403, "unauthenticated", "Missing authentication"
    ),
    GatewayProblem.of("INVALID_SIGNATURE", 403, "unauthenticated", "Invalid signature"),
    GatewayProblem.of("EXPIRED_TOKEN", 403, "unauthenticated", "Expired credentials"),
    GatewayProblem.of("UNAUTHORIZED", 401, "unauthenticated", "Unauthenticated"),
    GatewayProblem.of("ACCESS_DENIED", 403, "access-denied", "Access denied"),
    GatewayProblem.of("RESOURCE_NOT_FOUND", 404, "not-found", "Not found"),
    GatewayProblem.of("BAD_REQUEST_PARAMETERS", 400, "bad-request", "Bad request"),
    GatewayProblem.of("BAD_REQUEST_BODY", 400, "bad-request", "Bad request"),
    GatewayProblem.of("REQUEST_TOO_LARGE", 413, "request-too-large", "Request too large"),
    GatewayProblem.of(
        "UNSUPPORTED_MEDIA_TYPE", 415, "unsupported-media-type", "Unsupported media type"
    ),
    GatewayProblem.of("THROTTLED", 429, "throttled", "Too many requests"),
    GatewayProblem.of("QUOTA_EXCEEDED", 429, "throttled", "Too many requests"),
    GatewayProblem.of("INTEGRATION_TIMEOUT", 504, "integration-timeout", "Integration timeout"),
    GatewayProblem.of("INTEGRATION_FAILURE", 504, "integration-failure", "Integration failure"),
    GatewayProblem.of("DEFAULT_4XX", 400, "bad-request", "Bad request"),
    GatewayProblem.of("DEFAULT_5XX", 500, "internal-error", "Internal error"),
)


def problem_template(problem: GatewayProblem) -> str:
    """The response body: RFC 9457 fields, with API Gateway's message and request id."""
    body = {
        "type": TYPE_PREFIX + problem.kind.slug,
        "title": problem.kind.title,
        "status": problem.kind.status,
        "detail": _DETAIL_SLOT,
        "instance": "$context.requestId",
    }
    # messageString arrives already quoted, so it replaces the slot's quotes too.
    return json.dumps(body).replace(json.dumps(_DETAIL_SLOT), "$context.error.messageString")


def problem_headers(problem: GatewayProblem) -> dict[str, str]:
    headers = {"Content-Type": f"'{PROBLEM_CONTENT_TYPE}'", "Cache-Control": "'no-store'"}
    if problem.kind.status == 429:
        headers["Retry-After"] = f"'{RETRY_AFTER_SECONDS}'"
    return headers


def add_problem_responses(api: apigw.RestApi) -> None:
    for problem in PROBLEMS:
        api.add_gateway_response(
            problem.response_type.title().replace("_", ""),
            type=apigw.ResponseType.of(problem.response_type),
            status_code=str(problem.kind.status),
            response_headers=problem_headers(problem),
            templates={"application/json": problem_template(problem)},
        )
