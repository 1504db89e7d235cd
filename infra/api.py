"""The REST API: GET /engagements, /engagements/{proxy+} and /incidents/{proxy+} with IAM auth,
in front of the proxy Lambda."""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import DeploymentConfig
from infra.gateway_responses import add_problem_responses
from infra.log_groups import retained_log_group
from infra.resource_policy import resource_policy

# Who asked, what for, and how it went; no body, header or query value is ever logged.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "caller": "$context.identity.caller",
    "userArn": "$context.identity.userArn",
    "accountId": "$context.identity.accountId",
    "principalOrgId": "$context.identity.principalOrgId",
    "sourceIp": "$context.identity.sourceIp",
    "vpceId": "$context.identity.vpceId",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "errorType": "$context.error.responseType",
    "xrayTraceId": "$context.xrayTraceId",
}


class ProxyApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        handler: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = retained_log_group(self, "AccessLogs", days=config.log_retention_days)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=config.stack_name,
            description="Engagement Proxy: read Incident Manager engagements with SigV4",
            endpoint_configuration=_endpoint(self, config),
            policy=resource_policy(config, home_account=Stack.of(self).account),
            # Execution logs (errors only) need API Gateway's account-level CloudWatch role.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=config.stage_name,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                # Full request/response logging would copy secure engagement text into logs.
                data_trace_enabled=False,
                tracing_enabled=True,
                metrics_enabled=True,
                throttling_rate_limit=config.throttling_rate_limit,
                throttling_burst_limit=config.throttling_burst_limit,
            ),
        )
        integration = apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)
        # Body validation checks nothing on a GET without a model; it is on because cdk-nag
        # (APIG2) asks for both. One validator for every method.
        validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        engagements = self.rest_api.root.add_resource("engagements")
        # GET /engagements: the engagements of a time window (its query is the Lambda's to check).
        engagements.add_method(
            "GET",
            integration,
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
        )
        # Greedy: an engagement is named by contact/id or by its ARN, which holds slashes, and
        # is followed by /pages for its pages. Likewise an incident, followed by /engagements.
        for resource in (
            engagements.add_resource("{proxy+}"),
            self.rest_api.root.add_resource("incidents").add_resource("{proxy+}"),
        ):
            resource.add_method(
                "GET",
                integration,
                authorization_type=apigw.AuthorizationType.IAM,
                request_parameters={"method.request.path.proxy": True},
                request_validator=validator,
            )
        add_problem_responses(self.rest_api)
        # The stack outputs the URL under a stable name; drop the API's own duplicate output.
        self.rest_api.node.try_remove_child("Endpoint")
        self._acknowledge()

    @property
    def stage(self) -> apigw.Stage:
        return self.rest_api.deployment_stage

    def _acknowledge(self) -> None:
        Validations.of(self.rest_api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG3",
                reason="No WAF: every request is SigV4-authenticated and checked against the "
                "resource policy before it costs anything, and the stage is throttled.",
            ),
            Acknowledgment(
                id="AwsSolutions-COG4",
                reason="Callers are IAM roles in this and other accounts: AWS_IAM (SigV4) is "
                "the authorizer by design; Cognito would need users this API must not hold.",
            ),
        )
        cloud_watch_role = self.rest_api.node.find_child("CloudWatchRole")
        Validations.of(cloud_watch_role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="API Gateway's account-level logging role; AWS's managed policy for it "
                "only lets API Gateway write its own execution logs.",
            )
        )


def _endpoint(scope: Construct, config: DeploymentConfig) -> apigw.EndpointConfiguration:
    if not config.is_private:
        return apigw.EndpointConfiguration(types=[apigw.EndpointType.REGIONAL])
    endpoints = [
        ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
            scope, f"Endpoint{index}", vpc_endpoint_id=endpoint_id, port=443
        )
        for index, endpoint_id in enumerate(config.vpc_endpoint_ids)
    ]
    return apigw.EndpointConfiguration(types=[apigw.EndpointType.PRIVATE], vpc_endpoints=endpoints)
