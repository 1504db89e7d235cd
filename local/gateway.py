"""A local stand-in for both entrances on one port: the REST API (v1, AWS_IAM auth, REST proxy
event) and the HTTP API (v2, JWT authorizer, payload format 2.0 event), to the same Lambda.

This module decides what API Gateway does with one request (route, authenticate, integrate);
the events it builds, the answers it translates and its own answers live in modules of their
own, and `gateway_server` puts it on a socket."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from local.deployed_api import METHOD, GatewaySettings, resource_of
from local.gateway_answers import (
    FUNCTION_FAILURE,
    HTTP_API_FUNCTION_FAILURE,
    HTTP_API_INTEGRATION_TIMEOUT,
    INTEGRATION_TIMEOUT,
    MISSING_TOKEN,
    NO_ROUTE,
    REJECTIONS,
    GatewayReply,
    http_api_error_reply,
    http_api_request_id,
    problem_reply,
    token_refused_reply,
)
from local.http_api_event import http_api_event
from local.lambda_workers import InvocationFailed, InvocationTimeout, WorkersStopped
from local.proxy_response import MalformedProxyResponse, http_api_reply, lambda_reply
from local.rest_event import rest_proxy_event
from local.sigv4 import ALGORITHM, AuthenticationFailed, HttpRequest, LocalIdentity, authenticate
from local.tokens import (
    DISCOVERY_PATH,
    JWKS_PATH,
    TokenRefused,
    TrustedIssuer,
    bearer_token,
    discovery_document,
    verify_token,
)

_log = logging.getLogger("local.gateway")


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
            return problem_reply(MISSING_TOKEN, self._no_route_detail(request), request_id)
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
            self._no_route_detail(request)
            return http_api_error_reply(NO_ROUTE, request_id)
        try:
            claims = verify_token(bearer_token(request.header("Authorization") or ""), trusted)
        except TokenRefused as refused:
            return token_refused_reply(refused, request_id)
        event = http_api_event(request, claims, self.settings, request_id, self.clock())
        reply = self._integrate(event, request_id, v2=True)
        return replace(reply, caller=f"{claims['iss']}#{claims['sub']}")

    def _no_route_detail(self, request: HttpRequest) -> str:
        """API Gateway's words for no route; with a stage prefix, what to do instead, on the
        console too (the deployed URL has the stage, local mode does not)."""
        prefix = f"/{self.settings.stage}/"
        if request.raw_path.startswith(prefix) and matches_resource(
            replace(request, raw_path=request.raw_path[len(prefix) - 1 :])
        ):
            _log.warning(
                "no route %s: local mode has no stage; send %s without the %s prefix",
                request.raw_path[:80],
                request.raw_path[len(prefix) - 1 :][:80],
                prefix.rstrip("/"),
            )
            return (
                f"Missing Authentication Token: local mode has no stage, send the path without "
                f"the {prefix.rstrip('/')} prefix."
            )
        return "Missing Authentication Token"

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
    return request.method == METHOD and resource_of(request.raw_path) is not None


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
