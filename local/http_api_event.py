"""HTTP request -> the HTTP API's event (payload format 2.0, JWT authorizer claims)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from local.deployed_api import (
    HTTP_API_STAGE,
    METHOD,
    GatewaySettings,
    proxy_parameter,
    resource_of,
)
from local.event_parts import event_body, forwarded_headers, query_parameters
from local.sigv4 import HttpRequest


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
    body, is_base64 = event_body(request.body)
    host = request.header("Host") or "127.0.0.1"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{METHOD} {resource_of(request.raw_path)}",
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
        "routeKey": f"{METHOD} {resource_of(request.raw_path)}",
        "stage": HTTP_API_STAGE,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if body is not None:
        event["body"] = body
    parameters = proxy_parameter(path)
    if parameters is not None:
        event["pathParameters"] = parameters
    event["isBase64Encoded"] = is_base64
    return event


def _http_api_headers(
    request: HttpRequest, settings: GatewaySettings
) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated headers joined with commas; cookies go to `cookies`."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in forwarded_headers(request, settings):
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
