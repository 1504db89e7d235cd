"""Real-shaped API Gateway events and Lambda contexts for tests that go through lambda_handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

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


def claims(subject: str, groups: list[str] | None = None, issuer: str = ISSUER) -> dict[str, Any]:
    """Claims as the HTTP API JWT authorizer passes them: array claims flattened to "[a b]"."""
    found: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": "engagement-proxy",
        "exp": "1795669200",
        "iat": "1795665600",
        "email": f"{subject}@example.com",
    }
    if groups is not None:
        found["groups"] = "[" + " ".join(groups) + "]"
    return found


TOKEN_COMMANDER = claims("00u-commander", ["incident-commanders", "staff"])
TOKEN_SRE = claims("00u-sre", ["sre"])
TOKEN_CONTRACTOR = claims("00u-contractor-7", ["sre"])
TOKEN_STRANGER = claims("00u-stranger", ["marketing"])
TOKEN_FOREIGN_COMMANDER = claims("00u-commander", ["incident-commanders"], issuer=OTHER_ISSUER)

POLICY = {
    "rules": [
        {
            "tier": "full",
            "principals": [
                f"arn:aws:iam::{SERVED_ACCOUNT}:role/IncidentCommander",
                "arn:aws:iam::*:role/OnCall-*",
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


def http_event(
    path: str,
    token_claims: dict[str, Any] | None,
    *,
    method: str = "GET",
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API (v2, payload format 2.0) event as API Gateway sends it after its JWT
    authorizer accepted the token: `rawPath` already percent-DECODED, repeated query parameters
    joined with commas. `path` is given as the caller typed it (encoded)."""
    request_id = str(uuid.uuid4())
    decoded = unquote(path)
    prefix = "/engagements/"
    all_headers = {
        "host": "tok123.execute-api.us-east-2.amazonaws.com",
        "authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
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
