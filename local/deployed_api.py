"""What the local gateway mirrors of the deployed APIs: the resources and their one method, the
stage, and the settings of the API it stands for."""

from __future__ import annotations

from dataclasses import dataclass

# The deployed API's resources (infra/api.py), each with GET only, and the prefix its {proxy+}
# follows: anything else is no route.
RESOURCES = {
    "/engagements": None,
    "/engagements/{proxy+}": "/engagements/",
    "/incidents/{proxy+}": "/incidents/",
}
METHOD = "GET"
HTTP_API_STAGE = "$default"


def resource_of(raw_path: str) -> str | None:
    """The deployed resource a path falls under, or None."""
    for resource, prefix in RESOURCES.items():
        if prefix is None and raw_path == resource:
            return resource
        if prefix is not None and raw_path.startswith(prefix) and len(raw_path) > len(prefix):
            return resource
    return None


def proxy_parameter(path: str) -> dict[str, str] | None:
    """`{"proxy": ...}` of a path under a `{proxy+}` resource, None for the others."""
    prefix = RESOURCES.get(resource_of(path) or "")
    return None if prefix is None else {"proxy": path[len(prefix) :]}


@dataclass(frozen=True)
class GatewaySettings:
    region: str = "us-east-2"
    stage: str = "v1"  # cdk.json's stage_name
    account_id: str = "111122223333"
    api_id: str = "local"
    integration_timeout_seconds: float = 29.0
    max_body_bytes: int = 10 * 1024 * 1024
