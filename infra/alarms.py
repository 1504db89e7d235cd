"""Alarms on what needs a human: Lambda errors and throttles, API 5XX (each entrance), the
proxy's own role, and an upstream that answers close to the proxy's deadline."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import DeploymentConfig

# Emitted by the Lambda when upstream answers AccessDenied or DataEncryption: the proxy's
# own role or KMS grant is broken, so every caller fails until someone fixes it.
UPSTREAM_ROLE_FAULT_METRIC = "UpstreamRoleFault"
# Milliseconds per request spent waiting for SSM Contacts, emitted by the Lambda.
UPSTREAM_LATENCY_METRIC = "UpstreamLatency"
PERIOD = Duration.minutes(5)


class ProxyAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        function: lambda_.Function,
        stage: apigw.Stage,
        token_api: apigwv2.HttpApi | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        role_fault = cloudwatch.Metric(
            namespace=config.metrics_namespace,
            metric_name=UPSTREAM_ROLE_FAULT_METRIC,
            dimensions_map={"service": config.service_name},
            statistic=cloudwatch.Stats.SUM,
            period=PERIOD,
        )
        upstream_latency = cloudwatch.Metric(
            namespace=config.metrics_namespace,
            metric_name=UPSTREAM_LATENCY_METRIC,
            dimensions_map={"service": config.service_name},
            statistic="p99",
            period=PERIOD,
        )
        # Past half the deadline, one slow retry more and callers get 504s.
        latency_threshold_ms = config.upstream_timeout_seconds * 1000 / 2
        thresholds = {"UpstreamLatencyP99": latency_threshold_ms}
        metrics = {
            "LambdaErrors": (function.metric_errors(period=PERIOD), "the proxy Lambda failed"),
            "LambdaThrottles": (function.metric_throttles(period=PERIOD), "Lambda throttled"),
            "Api5xx": (stage.metric_server_error(period=PERIOD), "the API answered 5XX"),
            "UpstreamRoleFault": (role_fault, "the proxy's role or KMS grant was refused"),
            "UpstreamLatencyP99": (
                upstream_latency,
                f"SSM Contacts' p99 latency reached {latency_threshold_ms:g} ms",
            ),
        }
        if token_api is not None:
            metrics["TokenApi5xx"] = (
                token_api.metric_server_error(period=PERIOD),
                "the token entrance answered 5XX",
            )
        topic = (
            sns.Topic.from_topic_arn(self, "Topic", config.alarm_topic_arn)
            if config.alarm_topic_arn
            else None
        )
        self.alarms: list[cloudwatch.Alarm] = []
        for name, (metric, what) in metrics.items():
            alarm = metric.create_alarm(
                self,
                name,
                alarm_description=f"Engagement Proxy: {what} in the last 5 minutes",
                threshold=thresholds.get(name, 1),
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            if topic is not None:
                alarm.add_alarm_action(actions.SnsAction(topic))
                alarm.add_ok_action(actions.SnsAction(topic))
            self.alarms.append(alarm)
