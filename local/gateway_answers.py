"""The gateway's own answers: API Gateway's problems as the deployed gateway responses render
them (REST API), and the HTTP API's fixed messages."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace

from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX
from local.sigv4 import Rejection
from local.tokens import Refusal, TokenRefused

# Each API names its request id header its own way (HTTP APIs send theirs, like all their own
# headers, in lower case).
REST_REQUEST_ID_HEADER = "x-amzn-RequestId"
HTTP_API_REQUEST_ID_HEADER = "apigw-requestid"


@dataclass(frozen=True)
class GatewayReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str
    caller: str | None = None  # the IAM caller's ARN, or a token's `iss#sub`


@dataclass(frozen=True)
class GatewayResponse:
    """One of API Gateway's own answers: the deployed gateway response of `response_type`, with
    its status, slug and title (infra/gateway_responses.py; mirrored, not imported: local mode
    needs no CDK; a test keeps the two equal)."""

    response_type: str
    status: int
    slug: str
    title: str
    error_type: str | None = None  # API Gateway's x-amzn-ErrorType header


# API Gateway answers an unknown resource or method exactly as an unsigned request: 403
# "Missing Authentication Token", never 404.
MISSING_TOKEN = GatewayResponse(
    "MISSING_AUTHENTICATION_TOKEN",
    403,
    "unauthenticated",
    "Missing authentication",
    "MissingAuthenticationTokenException",
)
_INVALID_SIGNATURE = GatewayResponse(
    "INVALID_SIGNATURE", 403, "unauthenticated", "Invalid signature", "InvalidSignatureException"
)
REJECTIONS = {
    Rejection.MISSING_TOKEN: MISSING_TOKEN,
    Rejection.INCOMPLETE_SIGNATURE: replace(
        _INVALID_SIGNATURE, error_type="IncompleteSignatureException"
    ),
    Rejection.INVALID_SIGNATURE: _INVALID_SIGNATURE,
    # An unknown access key is ACCESS_DENIED to API Gateway, not a signature problem.
    Rejection.UNKNOWN_KEY: GatewayResponse(
        "ACCESS_DENIED", 403, "access-denied", "Access denied", "AccessDeniedException"
    ),
}
INTEGRATION_TIMEOUT = GatewayResponse(
    "INTEGRATION_TIMEOUT", 504, "integration-timeout", "Integration timeout"
)
# A function error or malformed proxy response is no typed gateway response: it falls to
# DEFAULT_5XX, which the deployed API renders as 500 internal-error.
FUNCTION_FAILURE = GatewayResponse(
    "DEFAULT_5XX", 500, "internal-error", "Internal error", "InternalServerErrorException"
)
REQUEST_TOO_LARGE = GatewayResponse(
    "REQUEST_TOO_LARGE", 413, "request-too-large", "Request too large"
)
# A request the gateway cannot read at all (its framing, its target) falls to DEFAULT_4XX.
BAD_REQUEST = GatewayResponse("DEFAULT_4XX", 400, "bad-request", "Bad request")


def problem_reply(kind: GatewayResponse, detail: str, request_id: str) -> GatewayReply:
    """One of the REST API's own answers, as its configured gateway responses render it."""
    document = {
        "type": TYPE_PREFIX + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request_id,
    }
    headers = [
        ("Content-Type", PROBLEM_CONTENT_TYPE),
        ("Cache-Control", "no-store"),
        (REST_REQUEST_ID_HEADER, request_id),
    ]
    if kind.error_type:
        headers.append(("x-amzn-ErrorType", kind.error_type))
    body = json.dumps(document, separators=(",", ":")).encode()
    return GatewayReply(kind.status, headers, body, request_id)


@dataclass(frozen=True)
class HttpApiError:
    """One of the HTTP API's own answers. HTTP APIs have no gateway responses, so these are
    never problems: a fixed `application/json` body `{"message":"..."}` and nothing to say
    which request it was but the `apigw-requestid` header."""

    status: int
    message: str


# A refused token (the JWT authorizer's answer); no route, which HTTP APIs answer before any
# authorization; a Lambda that failed or answered nonsense; one that did not answer in time.
UNAUTHORIZED = HttpApiError(401, "Unauthorized")
NO_ROUTE = HttpApiError(404, "Not Found")
HTTP_API_FUNCTION_FAILURE = HttpApiError(500, "Internal Server Error")
HTTP_API_INTEGRATION_TIMEOUT = HttpApiError(503, "Service Unavailable")


def http_api_request_id() -> str:
    """An id shaped like an HTTP API's (16 base64 characters, as in `apigw-requestid`)."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


def http_api_error_reply(
    error: HttpApiError, request_id: str, extra_headers: Iterable[tuple[str, str]] = ()
) -> GatewayReply:
    """One of the HTTP API's own answers, byte for byte: `{"message":"Unauthorized"}`."""
    headers = [
        ("content-type", "application/json"),
        *extra_headers,
        (HTTP_API_REQUEST_ID_HEADER, request_id),
    ]
    body = json.dumps({"message": error.message}, separators=(",", ":")).encode()
    return GatewayReply(error.status, headers, body, request_id)


def bearer_challenge(refused: TokenRefused) -> str:
    """The `www-authenticate` an HTTP API's JWT authorizer sends with its 401: the bare scheme
    when no token came at all (RFC 6750 3.1), else why the token was refused, in its format."""
    if refused.refusal is Refusal.NO_TOKEN:
        return "Bearer"
    return f'Bearer scope="" error="invalid_token" error_description="{refused.detail}"'


def token_refused_reply(refused: TokenRefused, request_id: str) -> GatewayReply:
    return http_api_error_reply(
        UNAUTHORIZED, request_id, [("www-authenticate", bearer_challenge(refused))]
    )
