"""Real-shaped API Gateway events and Lambda contexts for tests that go through lambda_handler."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any
from urllib.parse import unquote

from local.http_api_event import authorizer_claims
from local.tokens import SigningKey, load_signing_key, sign_claims

SERVED_ACCOUNT = "111122223333"
EXAMPLE_CONTACT = "example_escalation"
EXAMPLE_UUID = "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
EXAMPLE_ARN = (
    f"arn:aws:ssm-contacts:us-east-2:{SERVED_ACCOUNT}:engagement/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}"
)
EXAMPLE_PATH = f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}"

COMMANDER = {
    "userArn": f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/IncidentCommander/alice",
    "accountId": SERVED_ACCOUNT,
    "principalOrgId": "o-a1b2c3d4e5",
    "caller": "AROAEXAMPLECOMMANDER:alice",
}
SRE = {
    "userArn": "arn:aws:sts::444455556666:assumed-role/SRE/bob",
    "accountId": "444455556666",
    "principalOrgId": None,
    "caller": "AROAEXAMPLESRE:bob",
}
DASHBOARD = {
    "userArn": "arn:aws:sts::777788889999:assumed-role/Dashboard/grafana",
    "accountId": "777788889999",
    "principalOrgId": "o-a1b2c3d4e5",
    "caller": "AROAEXAMPLEDASH:grafana",
}
CONTRACTOR = {
    "userArn": "arn:aws:sts::444455556666:assumed-role/Contractor/carol",
    "accountId": "444455556666",
    "principalOrgId": None,
    "caller": "AROAEXAMPLECONTRACTOR:carol",
}
STRANGER = {
    "userArn": "arn:aws:sts::999900001111:assumed-role/Anyone/mallory",
    "accountId": "999900001111",
    "principalOrgId": None,
    "caller": "AROAEXAMPLESTRANGER:mallory",
}
ANONYMOUS: dict[str, Any] = {
    "userArn": None,
    "accountId": None,
    "principalOrgId": None,
    "caller": None,
}

ISSUER = "https://idp.example.com/oauth2/default"
OTHER_ISSUER = "https://login.other.example.net/"


TOKEN_AUDIENCE = "engagement-proxy"
TOKEN_ISSUED_AT = 1795665600
TOKEN_EXPIRES_AT = 1795669200


@dataclass(frozen=True)
class Token:
    """A bearer token as its identity provider issued it (`payload`, signed with the local
    development key), and what API Gateway's JWT authorizer hands the Lambda for it (`claims`,
    every value a string, arrays flattened to "[a b]"). `authorizer` overrides those claims, for
    events whose claims and token disagree."""

    payload: Mapping[str, Any]
    authorizer: Mapping[str, Any] | None = None

    @property
    def claims(self) -> dict[str, Any]:
        if self.authorizer is not None:
            return dict(self.authorizer)
        return authorizer_claims(self.payload)

    @cached_property
    def jwt(self) -> str:
        return sign_claims(self.payload, _signing_key())

    @property
    def authorization(self) -> str:
        return f"Bearer {self.jwt}"


@cache
def _signing_key() -> SigningKey:
    return load_signing_key()


def token(
    subject: str,
    groups: list[str] | None = None,
    issuer: str = ISSUER,
    **changes: Any,
) -> Token:
    """A token of `issuer` for `subject` in `groups` (no groups claim when None); a change to
    None drops a claim."""
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": TOKEN_AUDIENCE,
        "exp": TOKEN_EXPIRES_AT,
        "iat": TOKEN_ISSUED_AT,
        "email": f"{subject}@example.com",
    }
    if groups is not None:
        payload["groups"] = groups
    payload.update(changes)
    return Token({name: value for name, value in payload.items() if value is not None})


def claims(subject: str, groups: list[str] | None = None, issuer: str = ISSUER) -> dict[str, Any]:
    """Claims as the HTTP API JWT authorizer passes them: array claims flattened to "[a b]"."""
    return token(subject, groups, issuer).claims


TOKEN_COMMANDER = token("00u-commander", ["incident-commanders", "staff"])
TOKEN_SRE = token("00u-sre", ["sre"])
TOKEN_CONTRACTOR = token("00u-contractor-7", ["sre"])
TOKEN_STRANGER = token("00u-stranger", ["marketing"])
TOKEN_FOREIGN_COMMANDER = token("00u-commander", ["incident-commanders"], issuer=OTHER_ISSUER)

POLICY = {
    "rules": [
        {
            "tier": "full",
            "principals": [
                f"arn:aws:iam::{SERVED_ACCOUNT}:role/IncidentCommander",
                "arn:aws:iam::123412341234:role/OnCall-*",
            ],
        },
        {"tier": "redacted", "accounts": ["444455556666"]},
        {"tier": "redacted", "orgs": ["o-a1b2c3d4e5"]},
        {"tier": "deny", "principals": ["arn:aws:iam::444455556666:role/Contractor"]},
        {"tier": "full", "issuer": ISSUER, "groups": ["incident-commanders"]},
        {"tier": "redacted", "issuer": ISSUER, "groups": ["sre"]},
        {"tier": "deny", "issuer": ISSUER, "subjects": ["00u-contractor-7"]},
    ]
}


def rest_event(
    path: str,
    identity: dict[str, Any] | None,
    *,
    method: str = "GET",
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends it for `/engagements/{proxy+}`:
    `path` still percent-encoded, the path parameter decoded."""
    request_id = str(uuid.uuid4())
    prefix = "/engagements/"
    all_headers = {"Host": "abc123.execute-api.us-east-2.amazonaws.com", **(headers or {})}
    return {
        "version": "1.0",
        "resource": "/engagements/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": unquote(path[len(prefix) :])}
        if path.startswith(prefix)
        else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": SERVED_ACCOUNT,
            "apiId": "abc123",
            "resourceId": "res123",
            "resourcePath": "/engagements/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "requestId": request_id,
            "extendedRequestId": "ext-" + request_id,
            "requestTime": "26/Nov/2026:03:00:00 +0000",
            "requestTimeEpoch": 1795665600000,
            "identity": {
                **ANONYMOUS,
                **(identity or {}),
                "sourceIp": "192.0.2.10",
                "userAgent": "curl/8.5.0",
                "accessKey": "ASIAEXAMPLE" if identity and identity.get("userArn") else None,
            },
        },
        "body": None,
        "isBase64Encoded": False,
    }


# An Authorization header whose token says nothing (`{}`): what goes with bare claims.
EMPTY_BEARER = "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"


def http_event(
    path: str,
    caller: Token | Mapping[str, Any] | None,
    *,
    method: str = "GET",
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API (v2, payload format 2.0) event as API Gateway sends it after its JWT
    authorizer accepted the token: `rawPath` already percent-DECODED, repeated query parameters
    joined with commas, header names lower-cased. `path` is given as the caller typed it
    (encoded). A Token brings its claims and its own Authorization header; bare claims come
    with a token that holds none of them."""
    request_id = str(uuid.uuid4())
    decoded = unquote(path)
    prefix = "/engagements/"
    token_claims = caller.claims if isinstance(caller, Token) else caller
    all_headers = {
        "host": "tok123.execute-api.us-east-2.amazonaws.com",
        "authorization": caller.authorization if isinstance(caller, Token) else EMPTY_BEARER,
        **(headers or {}),
    }
    raw_query = "&".join(f"{k}={v}" for k, values in (query or {}).items() for v in values)
    return {
        "version": "2.0",
        "routeKey": "GET /engagements/{proxy+}",
        "rawPath": decoded,
        "rawQueryString": raw_query,
        "headers": all_headers,
        "queryStringParameters": {k: ",".join(v) for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": decoded[len(prefix) :]} if decoded.startswith(prefix) else None,
        "requestContext": {
            "accountId": SERVED_ACCOUNT,
            "apiId": "tok123",
            "authorizer": {"jwt": {"claims": token_claims, "scopes": None}}
            if token_claims
            else None,
            "domainName": "tok123.execute-api.us-east-2.amazonaws.com",
            "domainPrefix": "tok123",
            "http": {
                "method": method,
                "path": decoded,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.20",
                "userAgent": "Grafana/11.0",
            },
            "requestId": request_id,
            "routeKey": "GET /engagements/{proxy+}",
            "stage": "$default",
            "time": "26/Nov/2026:03:00:00 +0000",
            "timeEpoch": 1795665600000,
        },
        "isBase64Encoded": False,
    }


@dataclass
class LambdaContext:
    function_name: str = "engagement-proxy"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        f"arn:aws:lambda:us-east-2:{SERVED_ACCOUNT}:function:engagement-proxy"
    )
    aws_request_id: str = "0f8b2a4e-1111-2222-3333-444455556666"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000
