"""A local stand-in for both entrances on one port: the REST API (v1, AWS_IAM auth, REST proxy
event) and the HTTP API (v2, JWT authorizer, payload format 2.0 event), to the same Lambda."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX
from local.lambda_workers import InvocationFailed, InvocationTimeout, WorkersStopped
from local.sigv4 import (
    ALGORITHM,
    AuthenticationFailed,
    HttpRequest,
    LocalIdentity,
    Rejection,
    authenticate,
)
from local.tokens import (
    DISCOVERY_PATH,
    JWKS_PATH,
    Refusal,
    TokenRefused,
    TrustedIssuer,
    bearer_token,
    discovery_document,
    verify_token,
)

RESOURCE = "/engagements/{proxy+}"
RESOURCE_PREFIX = "/engagements/"
# The deployed API has one method on one resource (infra/api.py): anything else is no route.
METHOD = "GET"
HTTP_API_ROUTE_KEY = f"{METHOD} {RESOURCE}"
HTTP_API_STAGE = "$default"
# Each API names its request id header its own way (HTTP APIs send theirs, like all their own
# headers, in lower case).
REST_REQUEST_ID_HEADER = "x-amzn-RequestId"
HTTP_API_REQUEST_ID_HEADER = "apigw-requestid"
# Hop-by-hop and framing headers are the gateway's business, never the function's.
_GATEWAY_OWNED_HEADERS = {"connection", "content-length", "keep-alive", "transfer-encoding"}

_log = logging.getLogger("local.gateway")


@dataclass(frozen=True)
class GatewaySettings:
    region: str = "us-east-2"
    stage: str = "v1"  # cdk.json's stage_name
    account_id: str = "111122223333"
    api_id: str = "local"
    integration_timeout_seconds: float = 29.0
    max_body_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class GatewayResponse:
    """One of API Gateway's own answers, with the slug and title the deployed gateway responses
    give it (infra/gateway_responses.py; mirrored, not imported: local mode needs no CDK)."""

    status: int
    slug: str
    title: str
    error_type: str | None = None  # API Gateway's x-amzn-ErrorType header


# API Gateway answers an unknown resource or method exactly as an unsigned request: 403
# "Missing Authentication Token" (gateway response MISSING_AUTHENTICATION_TOKEN), never 404.
MISSING_TOKEN = GatewayResponse(
    403, "unauthenticated", "Missing authentication", "MissingAuthenticationTokenException"
)
_INVALID_SIGNATURE = GatewayResponse(
    403, "unauthenticated", "Invalid signature", "InvalidSignatureException"
)
REJECTIONS = {
    Rejection.MISSING_TOKEN: MISSING_TOKEN,
    Rejection.INCOMPLETE_SIGNATURE: replace(
        _INVALID_SIGNATURE, error_type="IncompleteSignatureException"
    ),
    Rejection.INVALID_SIGNATURE: _INVALID_SIGNATURE,
    # An unknown access key is ACCESS_DENIED to API Gateway, not a signature problem.
    Rejection.UNKNOWN_KEY: GatewayResponse(
        403, "access-denied", "Access denied", "AccessDeniedException"
    ),
}
INTEGRATION_TIMEOUT = GatewayResponse(504, "integration-timeout", "Integration timeout")
# A function error or malformed proxy response is no typed gateway response: it falls to
# DEFAULT_5XX, which the deployed API renders as 500 internal-error.
FUNCTION_FAILURE = GatewayResponse(
    500, "internal-error", "Internal error", "InternalServerErrorException"
)
REQUEST_TOO_LARGE = GatewayResponse(413, "request-too-large", "Request too large")
BAD_REQUEST = GatewayResponse(400, "bad-request", "Bad request")


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


@dataclass(frozen=True)
class GatewayReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str
    caller: str | None = None  # the IAM caller's ARN, or a token's `iss#sub`


class MalformedProxyResponse(ValueError):
    """The function answered something that is not a Lambda proxy response."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Gateway:
    """What API Gateway does with one request, free of sockets. With `tokens`, the token
    entrance (an HTTP API with a JWT authorizer trusting that issuer) shares the port."""

    identities: Mapping[str, LocalIdentity]
    invoke: Callable[[dict[str, Any], float], object]
    settings: GatewaySettings = field(default_factory=GatewaySettings)
    clock: Callable[[], datetime] = _utc_now
    tokens: TrustedIssuer | None = None

    def handle(self, request: HttpRequest) -> GatewayReply:
        if self.tokens is not None:
            if request.method == METHOD and request.raw_path in (JWKS_PATH, DISCOVERY_PATH):
                return provider_document(request, self.tokens)
            if takes_token_entrance(request):
                return self._handle_token(request, self.tokens)
        request_id = str(uuid.uuid4())
        # Route first: API Gateway never evaluates auth for a resource it does not have.
        if not matches_resource(request):
            return problem_reply(MISSING_TOKEN, "Missing Authentication Token", request_id)
        now = self.clock()
        try:
            identity = authenticate(request, self.identities, self.settings.region, now)
        except AuthenticationFailed as failure:
            return problem_reply(REJECTIONS[failure.rejection], failure.message, request_id)
        event = rest_proxy_event(request, identity, self.settings, request_id, now)
        return replace(self._integrate(event, request_id), caller=identity.user_arn)

    def _handle_token(self, request: HttpRequest, trusted: TrustedIssuer) -> GatewayReply:
        """The HTTP API: route, then the JWT authorizer; a refused token never reaches the
        function."""
        request_id = http_api_request_id()
        if not matches_resource(request):
            return http_api_error_reply(NO_ROUTE, request_id)
        try:
            claims = verify_token(bearer_token(request.header("Authorization") or ""), trusted)
        except TokenRefused as refused:
            return token_refused_reply(refused, request_id)
        event = http_api_event(request, claims, self.settings, request_id, self.clock())
        reply = self._integrate(event, request_id, v2=True)
        return replace(reply, caller=f"{claims['iss']}#{claims['sub']}")

    def _integrate(
        self, event: dict[str, Any], request_id: str, *, v2: bool = False
    ) -> GatewayReply:
        """The Lambda's answer, or the gateway's own when there is none: a REST API's is a
        problem (its gateway responses), an HTTP API's its fixed message."""
        try:
            answer = self.invoke(event, self.settings.integration_timeout_seconds)
            return http_api_reply(answer, request_id) if v2 else lambda_reply(answer, request_id)
        except InvocationTimeout:
            if v2:
                return http_api_error_reply(HTTP_API_INTEGRATION_TIMEOUT, request_id)
            return problem_reply(INTEGRATION_TIMEOUT, "Endpoint request timed out", request_id)
        except (InvocationFailed, WorkersStopped):
            _log.error("Lambda invocation failed (request %s)", request_id)
        except MalformedProxyResponse as error:
            _log.error("Malformed Lambda proxy response (request %s): %s", request_id, error)
        if v2:
            return http_api_error_reply(HTTP_API_FUNCTION_FAILURE, request_id)
        return problem_reply(FUNCTION_FAILURE, "Internal server error", request_id)


def takes_token_entrance(request: HttpRequest) -> bool:
    """Which entrance a request is for. Deployed, the two are separate APIs with their own URLs,
    so no request can reach both; sharing one port, the Authorization header decides (the last
    one, as the SigV4 check reads it): none, or a SigV4 one, is for the IAM entrance; anything
    else is a token for the JWT authorizer, which takes it with or without `Bearer `."""
    authorization = request.header("Authorization")
    return authorization is not None and not authorization.lstrip().startswith(ALGORITHM)


def matches_resource(request: HttpRequest) -> bool:
    return (
        request.method == METHOD
        and request.raw_path.startswith(RESOURCE_PREFIX)
        and len(request.raw_path) > len(RESOURCE_PREFIX)
    )


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


def provider_document(request: HttpRequest, trusted: TrustedIssuer) -> GatewayReply:
    """The local identity provider's key set or its metadata; public, so no auth."""
    request_id = http_api_request_id()
    if request.raw_path == JWKS_PATH:
        document: Mapping[str, Any] = trusted.jwks
    else:
        host = request.header("Host") or "127.0.0.1"
        document = discovery_document(trusted.issuer, f"http://{host}{JWKS_PATH}")
    headers = [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=300")]
    return GatewayReply(200, headers, json.dumps(document).encode(), request_id)


# ---- request: HTTP -> REST proxy event --------------------------------------------------------


def rest_proxy_event(
    request: HttpRequest,
    identity: LocalIdentity,
    settings: GatewaySettings,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda proxy integration for `/engagements/{proxy+}`.
    REST APIs send no `version` key (HTTP APIs do): the absence is faithful."""
    headers = _forwarded_headers(request, settings)
    query = query_parameters(request.raw_query)
    body, is_base64 = _event_body(request.body)
    return {
        "resource": RESOURCE,
        "path": request.raw_path,
        "httpMethod": request.method,
        "headers": _last_values(headers),
        "multiValueHeaders": _all_values(headers),
        "queryStringParameters": _last_values(query),
        "multiValueQueryStringParameters": _all_values(query),
        "pathParameters": _path_parameters(request.raw_path),
        "stageVariables": None,
        "requestContext": _request_context(request, identity, settings, request_id, now),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def query_parameters(raw_query: str) -> list[tuple[str, str]]:
    """Name/value pairs, percent-decoded as API Gateway decodes them."""
    pairs = (part.partition("=") for part in raw_query.split("&") if part)
    return [(unquote(name), unquote(value)) for name, _, value in pairs]


def _path_parameters(raw_path: str) -> dict[str, str] | None:
    if not raw_path.startswith(RESOURCE_PREFIX):
        return None
    # API Gateway decodes path parameters (the `path` itself stays as received).
    return {"proxy": unquote(raw_path[len(RESOURCE_PREFIX) :])}


def _last_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str] | None:
    values = {name: value for name, value in pairs}
    return values or None


def _all_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]] | None:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values or None


def _forwarded_headers(request: HttpRequest, settings: GatewaySettings) -> list[tuple[str, str]]:
    """The client's headers plus those API Gateway adds on the way to the integration."""
    forwarded_for = request.header("X-Forwarded-For")
    headers = [
        (name, value) for name, value in request.headers if name.lower() != "x-forwarded-for"
    ]
    client_chain = f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip
    headers.append(("X-Forwarded-For", client_chain))
    host = request.header("Host") or ""
    headers.append(("X-Forwarded-Port", host.rpartition(":")[2] if ":" in host else "80"))
    headers.append(("X-Forwarded-Proto", "http"))
    if request.header("X-Amzn-Trace-Id") is None:
        headers.append(
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
        )
    return headers


def _event_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _request_context(
    request: HttpRequest,
    identity: LocalIdentity,
    settings: GatewaySettings,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    host = request.header("Host") or "127.0.0.1"
    return {
        "resourceId": "local1",
        "resourcePath": RESOURCE,
        "httpMethod": request.method,
        "extendedRequestId": base64.b64encode(secrets.token_bytes(12)).decode("ascii"),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{settings.stage}{request.raw_path}",
        "accountId": settings.account_id,
        "protocol": "HTTP/1.1",
        "stage": settings.stage,
        "domainPrefix": host.partition(".")[0],
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "requestId": request_id,
        "identity": identity_context(identity, request),
        "domainName": host,
        "apiId": settings.api_id,
    }


def identity_context(identity: LocalIdentity, request: HttpRequest) -> dict[str, Any]:
    """`requestContext.identity` as AWS_IAM authorisation fills it."""
    principal_id = _principal_id(identity)
    return {
        "cognitoIdentityPoolId": None,
        "accountId": identity.account_id,
        "cognitoIdentityId": None,
        "caller": principal_id,
        "sourceIp": request.source_ip,
        "principalOrgId": identity.principal_org_id,
        "accessKey": identity.access_key_id,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": identity.user_arn,
        "userAgent": request.header("User-Agent"),
        "user": principal_id,
        "apiKey": None,
        "apiKeyId": None,
        "clientCert": None,
    }


def _principal_id(identity: LocalIdentity) -> str:
    """IAM's unique id of the principal (AROA...:session for a role session). Locally a stable
    stand-in derived from the ARN: IAM would have assigned one when the role was created."""
    resource = identity.user_arn.partition(":assumed-role/")[2]
    if resource:
        role, _, session = resource.partition("/")
        return f"AROA{_stable_id(role)}:{session}"
    if ":user/" in identity.user_arn:
        return "AIDA" + _stable_id(identity.user_arn)
    return identity.account_id


def _stable_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:17].upper()


# ---- request: HTTP -> HTTP API (payload format 2.0) event --------------------------------------


def http_api_request_id() -> str:
    """An id shaped like an HTTP API's (16 base64 characters, as in `apigw-requestid`)."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


def http_api_event(
    request: HttpRequest,
    claims: Mapping[str, Any],
    settings: GatewaySettings,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The event an HTTP API sends for `GET /engagements/{proxy+}` once its JWT authorizer has
    accepted the token. Unlike a REST API, it hands on the path percent-DECODED."""
    path = unquote(request.raw_path)
    headers, cookies = _http_api_headers(request, settings)
    query = _joined_values(query_parameters(request.raw_query))
    body, is_base64 = _event_body(request.body)
    host = request.header("Host") or "127.0.0.1"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": HTTP_API_ROUTE_KEY,
        "rawPath": path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": settings.account_id,
        "apiId": settings.api_id,
        # `scopes` lists scopes only for routes that require some; this route requires none.
        "authorizer": {"jwt": {"claims": authorizer_claims(claims), "scopes": None}},
        "domainName": host,
        "domainPrefix": host.partition(".")[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent") or "",
        },
        "requestId": request_id,
        "routeKey": HTTP_API_ROUTE_KEY,
        "stage": HTTP_API_STAGE,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if body is not None:
        event["body"] = body
    event["pathParameters"] = {"proxy": path[len(RESOURCE_PREFIX) :]}
    event["isBase64Encoded"] = is_base64
    return event


def _http_api_headers(
    request: HttpRequest, settings: GatewaySettings
) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated headers joined with commas; cookies go to `cookies`."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _forwarded_headers(request, settings):
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def _joined_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def authorizer_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The claims as an HTTP API's JWT authorizer hands them on: every value a string."""
    return {name: _claim_text(value) for name, value in claims.items()}


def _claim_text(value: Any) -> str:
    # HTTP APIs render non-string claims as Go's fmt does: arrays "[a b]", objects
    # "map[k:v]"; numbers without a fraction as integers (e.g. "exp": "1795669200").
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())
        return "map[" + " ".join(f"{key}:{_claim_text(item)}" for key, item in items) + "]"
    return "<nil>"


# ---- response: Lambda proxy response -> HTTP --------------------------------------------------


def lambda_reply(answer: object, request_id: str) -> GatewayReply:
    """The HTTP answer for a Lambda proxy response, or MalformedProxyResponse as API Gateway
    (which answers such a response with 502) would judge it."""
    if not isinstance(answer, dict):
        raise MalformedProxyResponse("not a JSON object")
    status = _status(answer)
    headers = _response_headers(answer.get("headers"), answer.get("multiValueHeaders"))
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    headers.append((REST_REQUEST_ID_HEADER, request_id))
    return GatewayReply(status, headers, _response_body(answer), request_id)


def http_api_reply(answer: object, request_id: str) -> GatewayReply:
    """The HTTP answer for a payload format 2.0 response: `headers` and `cookies`, no
    multi-value headers; JSON without a statusCode is itself the body of a 200."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        headers = [("Content-Type", "application/json"), (HTTP_API_REQUEST_ID_HEADER, request_id)]
        return GatewayReply(200, headers, json.dumps(answer).encode(), request_id)
    status = _status(answer)
    headers = _response_headers(answer.get("headers"), None)
    cookies = answer.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedProxyResponse("cookies must be a list")
    headers.extend(("Set-Cookie", _header_value("cookies", cookie)) for cookie in cookies)
    if "content-type" not in {name.lower() for name, _ in headers}:
        headers.append(("Content-Type", "application/json"))
    headers.append((HTTP_API_REQUEST_ID_HEADER, request_id))
    return GatewayReply(status, headers, _response_body(answer), request_id)


def _status(answer: Mapping[str, Any]) -> int:
    status = answer.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse("statusCode must be an HTTP status")
    return status


def _response_headers(single: object, multi: object) -> list[tuple[str, str]]:
    if single is None:
        single = {}
    if multi is None:
        multi = {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedProxyResponse("headers and multiValueHeaders must be objects")
    merged: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders.{name} must be a list")
        merged.extend((name, _header_value(name, value)) for value in values)
    # Where both carry a header, API Gateway keeps only the multi-value one.
    in_multi = {name.lower() for name in multi}
    merged.extend(
        (name, _header_value(name, value))
        for name, value in single.items()
        if name.lower() not in in_multi
    )
    return [(name, value) for name, value in merged if name.lower() not in _GATEWAY_OWNED_HEADERS]


def _header_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str | int | float):
        raise MalformedProxyResponse(f"header {name} must be a string")
    text = str(value)
    if "\r" in text or "\n" in text:
        raise MalformedProxyResponse(f"header {name} holds a line break")
    return text


def _response_body(answer: Mapping[str, Any]) -> bytes:
    body = answer.get("body")
    is_base64 = answer.get("isBase64Encoded", False)
    if not isinstance(is_base64, bool):
        raise MalformedProxyResponse("isBase64Encoded must be a boolean")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedProxyResponse("body must be a string")
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedProxyResponse("body is not valid base64") from None


# ---- the HTTP server --------------------------------------------------------------------------


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    # Stopping must not wait for in-flight requests (a slow upstream may hold one for seconds).
    block_on_close = False
    # Dashboards open many connections at once; the default backlog of 5 overflows at 50
    # concurrent callers and costs them seconds of TCP retransmits.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(address, _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up is no gateway failure: one line, no traceback.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            _log.info("client %s went away: %s", client_address[0], type(error).__name__)
        else:
            _log.exception("unexpected error serving %s", client_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def make_server(gateway: Gateway, host: str = "127.0.0.1", port: int = 8080) -> GatewayServer:
    return GatewayServer((host, port), gateway)


class _RequestHandler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "local-api-gateway"
    timeout = 60  # idle keep-alive connections do not hold a thread forever

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        raw_path, raw_query = _split_target(self.path)
        reply = self._reply(raw_path, raw_query)
        elapsed_ms = (time.monotonic() - started) * 1000
        # Logged before the answer is written: once a client has its answer, the line exists.
        _log.info(
            "%s %s caller=%s status=%d %.0fms request=%s",
            self.command,
            _printable(raw_path),
            reply.caller or "-",
            reply.status,
            elapsed_ms,
            reply.request_id,
        )
        self._write(reply)

    def _reply(self, raw_path: str, raw_query: str) -> GatewayReply:
        settings = self.server.gateway.settings
        length = self._content_length()
        if length is None:
            self.close_connection = True
            return problem_reply(BAD_REQUEST, "Invalid Content-Length", str(uuid.uuid4()))
        if length > settings.max_body_bytes:
            self.close_connection = True  # the body stays unread
            return problem_reply(REQUEST_TOO_LARGE, "Request Too Long", str(uuid.uuid4()))
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
            source_ip=self.client_address[0],
        )
        return self.server.gateway.handle(request)

    def _content_length(self) -> int | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # chunked bodies are not read; the connection ends
            return 0
        raw = self.headers.get("Content-Length", "0")
        return int(raw) if raw.isdigit() else None

    def _write(self, reply: GatewayReply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: `_serve` logs one line per request, without the query string."""

    def log_message(self, format: str, *args: Any) -> None:
        _log.warning("%s %s", self.address_string(), format % args)


def _split_target(target: str) -> tuple[str, str]:
    if not target.startswith("/"):  # absolute-form, as sent to a proxy
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path, query


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in text)
