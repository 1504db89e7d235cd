"""The token entrance: an HTTP API whose built-in JWT authorizer guards the proxy's GET routes."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from constructs import Construct

from infra.config import DeploymentConfig, OidcConfig
from infra.log_groups import retained_log_group

# The engagements of a window, one engagement (and its pages), the engagements of an incident.
ROUTE_PATHS = ("/engagements", "/engagements/{proxy+}", "/incidents/{proxy+}")
# The Lambda permission per route, by construct id; /engagements/* keeps the id it had when it
# was the only route, so that deployed stacks keep that permission rather than replace it.
INVOKE_PERMISSIONS = (
    ("InvokeListFromTokenApi", "/engagements"),
    ("InvokeFromTokenApi", "/engagements/*"),
    ("InvokeIncidentsFromTokenApi", "/incidents/*"),
)
STAGE_NAME = "$default"  # URLs without a stage segment; HTTP APIs need no other stage here
IDENTITY_SOURCE = "$request.header.Authorization"
CORS_MAX_AGE = Duration.minutes(10)

# Who called (the token's issuer and subject, never the token), what, and how it went; no
# body, header or query value is ever logged.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "iss": "$context.authorizer.claims.iss",
    "sub": "$context.authorizer.claims.sub",
    "authorizerError": "$context.authorizer.error",
    "sourceIp": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
}


class TokenApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        oidc: OidcConfig,
        handler: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = retained_log_group(self, "AccessLogs", days=config.log_retention_days)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{config.stack_name}-token",
            description="Engagement Proxy: read Incident Manager engagements with an OIDC token",
            cors_preflight=_cors(oidc),
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.http_api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            detailed_metrics_enabled=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttling_rate_limit,
                burst_limit=config.throttling_burst_limit,
            ),
            access_log_settings=AccessLogSettings(
                destination=apigwv2.LogGroupLogDestination(self.access_logs),
                log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        # API Gateway checks signature (RSA), issuer, audience, expiry and scopes itself and
        # caches the issuer's JWKS: a bad token never reaches the proxy Lambda.
        authorizer = HttpJwtAuthorizer(
            "Oidc",
            oidc.issuer,
            jwt_audience=list(oidc.audiences),
            authorizer_name="oidc",
            identity_source=[IDENTITY_SOURCE],
        )
        integration = ProxyIntegration("Proxy", handler)
        for path in ROUTE_PATHS:
            self.http_api.add_routes(
                path=path,
                methods=[apigwv2.HttpMethod.GET],
                integration=integration,
                authorizer=authorizer,
                authorization_scopes=list(oidc.required_scopes) or None,
            )
        for permission_id, path in INVOKE_PERMISSIONS:
            handler.add_permission(
                permission_id,
                scope=self,
                principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                action="lambda:InvokeFunction",
                # This API, its one stage, GET on its routes only.
                source_arn=self.http_api.arn_for_execute_api("GET", path, "*"),
            )

    @property
    def url(self) -> str:
        return self.stage.url


class ProxyIntegration(apigwv2.HttpRouteIntegration):
    """The proxy Lambda with payload format 2.0. Unlike HttpLambdaIntegration, it grants no
    invoke permission of its own: TokenApi grants one scoped to GET."""

    def __init__(self, construct_id: str, handler: lambda_.IFunction) -> None:
        super().__init__(construct_id)
        self._handler = handler

    def bind(
        self, *, route: apigwv2.IHttpRoute, scope: Construct
    ) -> apigwv2.HttpRouteIntegrationConfig:
        return apigwv2.HttpRouteIntegrationConfig(
            type=apigwv2.HttpIntegrationType.AWS_PROXY,
            uri=self._handler.function_arn,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    def __init__(
        self, *, destination: apigwv2.IAccessLogDestination, log_format: apigw.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


def _cors(oidc: OidcConfig) -> apigwv2.CorsPreflightOptions | None:
    """Browser dashboards at the listed origins only; without origins, no CORS at all."""
    if not oidc.cors_origins:
        return None
    return apigwv2.CorsPreflightOptions(
        allow_origins=list(oidc.cors_origins),
        allow_methods=[apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.OPTIONS],
        allow_headers=["Authorization", "If-None-Match"],
        expose_headers=["ETag"],
        # The token travels in a header the page sets, never in cookies.
        allow_credentials=False,
        max_age=CORS_MAX_AGE,
    )
