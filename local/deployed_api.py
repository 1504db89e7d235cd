"""What the local gateway mirrors of the deployed APIs: the one resource and method, the stage,
and the settings of the API it stands for."""

from __future__ import annotations

from dataclasses import dataclass

RESOURCE = "/engagements/{proxy+}"
RESOURCE_PREFIX = "/engagements/"
# The deployed API has one method on one resource (infra/api.py): anything else is no route.
METHOD = "GET"
HTTP_API_ROUTE_KEY = f"{METHOD} {RESOURCE}"
HTTP_API_STAGE = "$default"


@dataclass(frozen=True)
class GatewaySettings:
    region: str = "us-east-2"
    stage: str = "v1"  # cdk.json's stage_name
    account_id: str = "111122223333"
    api_id: str = "local"
    integration_timeout_seconds: float = 29.0
    max_body_bytes: int = 10 * 1024 * 1024
