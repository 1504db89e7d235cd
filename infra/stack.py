"""The Engagement Proxy stack: the Lambda, the REST API (and, with oidc, the HTTP API) in front
of it, alarms, outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, Environment, Stack
from constructs import Construct

from infra.alarms import ProxyAlarms
from infra.api import ProxyApi
from infra.config import DeploymentConfig
from infra.function import ProxyFunction
from infra.token_api import TokenApi


class EngagementProxyStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Engagement Proxy: Incident Manager engagements, tier by tier",
            **kwargs,
        )
        proxy = ProxyFunction(self, "Proxy", config=config)
        api = ProxyApi(self, "Api", config=config, handler=proxy.function)
        token_api = (
            TokenApi(self, "TokenApi", config=config, oidc=config.oidc, handler=proxy.function)
            if config.oidc is not None
            else None
        )
        ProxyAlarms(
            self,
            "Alarms",
            config=config,
            function=proxy.function,
            stage=api.stage,
            token_api=token_api.http_api if token_api else None,
        )

        CfnOutput(self, "ApiUrl", value=api.rest_api.url, description="Base URL of the REST API")
        CfnOutput(
            self,
            "FirstRequest",
            value=first_curl(region=self.region, base_url=api.rest_api.url),
            description="A first signed GET (fill in the contact alias and engagement id)",
        )
        if token_api is not None:
            CfnOutput(
                self,
                "TokenApiUrl",
                value=token_api.url,
                description="Base URL of the token entrance (HTTP API, OIDC bearer tokens)",
            )
            CfnOutput(
                self,
                "TokenFirstRequest",
                value=first_token_curl(base_url=token_api.url),
                description="A first GET with a bearer token (set TOKEN, fill in the ids)",
            )


def first_curl(*, region: str, base_url: str) -> str:
    return (
        f'curl --aws-sigv4 "aws:amz:{region}:execute-api" '
        '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" '
        '-H "x-amz-security-token: $AWS_SESSION_TOKEN" '
        f'"{base_url}engagements/CONTACT_ALIAS/ENGAGEMENT_ID"'
    )


def first_token_curl(*, base_url: str) -> str:
    return (
        'curl -H "Authorization: Bearer $TOKEN" '
        f'"{base_url}engagements/CONTACT_ALIAS/ENGAGEMENT_ID"'
    )


def stack_environment(config: DeploymentConfig, defaults: Mapping[str, str]) -> Environment:
    """The configured account and region, else the CLI's (CDK_DEFAULT_*), else agnostic."""
    return Environment(
        account=config.account or defaults.get("CDK_DEFAULT_ACCOUNT"),
        region=config.region or defaults.get("CDK_DEFAULT_REGION"),
    )
