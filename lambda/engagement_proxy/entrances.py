"""What a request asks, read from the event of either entrance into one plain value. Pure.

The REST API (v1 events) authenticates with SigV4 and hands the path still percent-encoded; the
HTTP API (v2 events) verifies a JWT and hands the path decoded. Both differences stay explicit
here, in `Request`, so that nothing after this module needs to know which entrance was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from engagement_proxy.errors import InvalidQuery, UnreadableEvent

Entrance = Literal["iam", "token"]


@dataclass(frozen=True)
class Request:
    entrance: Entrance
    method: str
    path: str
    # REST APIs pass the path still percent-encoded, HTTP APIs decoded.
    percent_encoded_path: bool
    request_id: str
    # Query parameters, each with every value it was given (v2 joins repeats with commas).
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    if_none_match: str | None = None
    # What API Gateway authenticated: `requestContext.identity` for SigV4, the JWT authorizer's
    # claims and the verified token's header for tokens.
    identity: Mapping[str, Any] | None = None
    claims: Mapping[str, Any] | None = None
    authorization: str | None = None

    def single(self, name: str) -> str | None:
        """The query parameter `name`, given at most once."""
        values = self.query.get(name)
        if values is None:
            return None
        if len(values) != 1:
            raise InvalidQuery(f"Give the {name} query parameter at most once.")
        return values[0]


def _dig(event: Any, *keys: str) -> Any:
    for key in keys:
        event = event.get(key) if isinstance(event, dict) else None
    return event


def request_id_of(event: Any) -> str:
    request_id = _dig(event, "requestContext", "requestId")
    return request_id if isinstance(request_id, str) else "unknown"


def read_request(event: Any) -> Request:
    """The request in `event`; UnreadableEvent if it is neither entrance's shape."""
    if _dig(event, "version") == "2.0":
        return _token_request(event)
    return _iam_request(event)


def _iam_request(event: dict[str, Any]) -> Request:
    method, path = event.get("httpMethod"), event.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise UnreadableEvent("The event is not an API Gateway REST proxy event.")
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    query = {name: tuple(str(value) for value in values) for name, values in multi.items()}
    for name, value in single.items():
        query.setdefault(name, (str(value),))
    return Request(
        entrance="iam",
        method=method,
        path=path,
        percent_encoded_path=True,
        request_id=request_id_of(event),
        query=query,
        if_none_match=_header(event, "if-none-match"),
        identity=_dig(event, "requestContext", "identity"),
    )


def _token_request(event: dict[str, Any]) -> Request:
    method, path = _dig(event, "requestContext", "http", "method"), event.get("rawPath")
    if not isinstance(method, str) or not isinstance(path, str):
        raise UnreadableEvent("The event is not an API Gateway HTTP API event.")
    single = event.get("queryStringParameters") or {}
    return Request(
        entrance="token",
        method=method,
        path=path,
        percent_encoded_path=False,
        request_id=request_id_of(event),
        query={name: (str(value),) for name, value in single.items()},
        if_none_match=_header(event, "if-none-match"),
        claims=_dig(event, "requestContext", "authorizer", "jwt", "claims"),
        authorization=_header(event, "authorization"),
    )


def _header(event: dict[str, Any], name: str) -> str | None:
    # v2 events lower-case header names; v1 events keep the caller's spelling.
    headers = event.get("headers")
    if not isinstance(headers, dict):
        return None
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value if isinstance(value, str) else None
