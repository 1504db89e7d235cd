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
