"""HTTP request -> the REST API's Lambda proxy event (v1, AWS_IAM identity)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from local.deployed_api import GatewaySettings, proxy_parameter, resource_of
from local.event_parts import event_body, forwarded_headers, query_parameters
from local.sigv4 import HttpRequest, LocalIdentity


def rest_proxy_event(
    request: HttpRequest,
    identity: LocalIdentity,
    settings: GatewaySettings,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda proxy integration for `/engagements/{proxy+}`.
    REST APIs send no `version` key (HTTP APIs do): the absence is faithful."""
    headers = forwarded_headers(request, settings)
    query = query_parameters(request.raw_query)
    body, is_base64 = event_body(request.body)
    return {
        "resource": resource_of(request.raw_path),
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


def _path_parameters(raw_path: str) -> dict[str, str] | None:
    # API Gateway decodes path parameters (the `path` itself stays as received).
    parameters = proxy_parameter(raw_path)
    return None if parameters is None else {"proxy": unquote(parameters["proxy"])}


def _last_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str] | None:
    values = {name: value for name, value in pairs}
    return values or None


def _all_values(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]] | None:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values or None


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
        "resourcePath": resource_of(request.raw_path),
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
