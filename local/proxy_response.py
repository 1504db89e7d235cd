"""The function's answer -> HTTP: a Lambda proxy response (REST API) or a payload format 2.0
response (HTTP API), judged as API Gateway judges them."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from local.gateway_answers import HTTP_API_REQUEST_ID_HEADER, REST_REQUEST_ID_HEADER, GatewayReply

# Hop-by-hop and framing headers are the gateway's business, never the function's.
_GATEWAY_OWNED_HEADERS = {"connection", "content-length", "keep-alive", "transfer-encoding"}


class MalformedProxyResponse(ValueError):
    """The function answered something that is not a Lambda proxy response."""


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
