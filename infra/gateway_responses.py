"""API Gateway's own errors in the Lambda's problem+json shape, so callers see one format."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_apigateway as apigw

# The Lambda's own, so both shapes cannot drift apart (a pure module: no boto3, no Powertools).
from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX

# Gateway response templates are not VTL (no $util), but $context variables are substituted;
# $context.error.messageString is the error message as a quoted, escaped JSON string.
_DETAIL_SLOT = "<detail>"
RETRY_AFTER_SECONDS = "1"


@dataclass(frozen=True)
class Problem:
    response_type: str  # API Gateway's name for it, e.g. THROTTLED
    status: int
    slug: str
    title: str


# Every response type this API can produce; DEFAULT_4XX/5XX catch the rest, so that the
# `status` in each body always equals the HTTP status.
PROBLEMS = (
    Problem("MISSING_AUTHENTICATION_TOKEN", 403, "unauthenticated", "Missing authentication"),
    Problem("INVALID_SIGNATURE", 403, "unauthenticated", "Invalid signature"),
    Problem("EXPIRED_TOKEN", 403, "unauthenticated", "Expired credentials"),
    Problem("UNAUTHORIZED", 401, "unauthenticated", "Unauthenticated"),
    Problem("ACCESS_DENIED", 403, "access-denied", "Access denied"),
    Problem("RESOURCE_NOT_FOUND", 404, "not-found", "Not found"),
    Problem("BAD_REQUEST_PARAMETERS", 400, "bad-request", "Bad request"),
    Problem("BAD_REQUEST_BODY", 400, "bad-request", "Bad request"),
    Problem("REQUEST_TOO_LARGE", 413, "request-too-large", "Request too large"),
    Problem("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported-media-type", "Unsupported media type"),
    Problem("THROTTLED", 429, "throttled", "Too many requests"),
    Problem("QUOTA_EXCEEDED", 429, "throttled", "Too many requests"),
    Problem("INTEGRATION_TIMEOUT", 504, "integration-timeout", "Integration timeout"),
    Problem("INTEGRATION_FAILURE", 504, "integration-failure", "Integration failure"),
    Problem("DEFAULT_4XX", 400, "bad-request", "Bad request"),
    Problem("DEFAULT_5XX", 500, "internal-error", "Internal error"),
)


def problem_template(problem: Problem) -> str:
    """The response body: RFC 9457 fields, with API Gateway's message and request id."""
    body = {
        "type": TYPE_PREFIX + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": _DETAIL_SLOT,
        "instance": "$context.requestId",
    }
    # messageString arrives already quoted, so it replaces the slot's quotes too.
    return json.dumps(body).replace(json.dumps(_DETAIL_SLOT), "$context.error.messageString")


def problem_headers(problem: Problem) -> dict[str, str]:
    headers = {"Content-Type": f"'{PROBLEM_CONTENT_TYPE}'", "Cache-Control": "'no-store'"}
    if problem.status == 429:
        headers["Retry-After"] = f"'{RETRY_AFTER_SECONDS}'"
    return headers


def add_problem_responses(api: apigw.RestApi) -> None:
    for problem in PROBLEMS:
        api.add_gateway_response(
            problem.response_type.title().replace("_", ""),
            type=apigw.ResponseType.of(problem.response_type),
            status_code=str(problem.status),
            response_headers=problem_headers(problem),
            templates={"application/json": problem_template(problem)},
        )
