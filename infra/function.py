"""The proxy Lambda, its log group and its least-privilege role."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Stack, Token, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import DeploymentConfig
from infra.log_groups import retained_log_group

LAMBDA_ASSET = Path(__file__).resolve().parent.parent / "lambda"
HANDLER = "engagement_proxy.handler.lambda_handler"
# The newest Python that both aws-cdk-lib and a Powertools v3 managed layer support.
RUNTIME = lambda_.Runtime.PYTHON_3_14
POWERTOOLS_LAYER = "AWSLambdaPowertoolsPythonV3-python314-arm64"
POWERTOOLS_LAYER_ACCOUNT = "017000801446"  # AWS's publisher account in the aws partition
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache", "**/.*"]


class ProxyFunction(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.log_group = retained_log_group(self, "LogGroup", days=config.log_retention_days)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Engagement Proxy: reads engagements, pages and receipts of the served "
            "account only",
        )
        for statement in upstream_statements(config, account=stack.account):
            self.role.add_to_policy(statement)
        self.log_group.grant_write(self.role)

        layer_arn = (
            f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{POWERTOOLS_LAYER}:{config.powertools_layer_version}"
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="Engagement Proxy: reads SSM Contacts engagements, tier by tier",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(LAMBDA_ASSET), exclude=ASSET_EXCLUDES),
            layers=[lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", layer_arn)],
            memory_size=config.memory_size_mb,
            timeout=Duration.seconds(config.lambda_timeout_seconds),
            environment=config.lambda_environment(stack.account),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        self._acknowledge(config, account=stack.account)

    def _acknowledge(self, config: DeploymentConfig, *, account: str) -> None:
        policy = self.role.node.find_child("DefaultPolicy")
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="Only X-Ray's PutTraceSegments and PutTelemetryRecords and SSM "
                "Contacts' ListEngagements use `*`: they support no resource-level "
                "permissions; ListEngagements is bound to the served regions instead.",
            ),
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{arn}]",
                    reason="Engagement ARNs are minted per incident, so the proxy cannot name "
                    "them in advance; the grant is two read-only actions (describe, list "
                    "pages) on engagements of the served account in one served region.",
                )
                for arn in engagement_arns(config, account=_as_nag_writes(account))
            ),
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{arn}]",
                    reason="Page ARNs are minted per engagement, so the proxy cannot name them "
                    "in advance; the grant is one read-only action (list receipts) on pages "
                    "of the served account in one served region.",
                )
                for arn in page_arns(config, account=_as_nag_writes(account))
            ),
        )


def engagement_arns(config: DeploymentConfig, *, account: str) -> list[str]:
    return [
        f"arn:{config.partition}:ssm-contacts:{region}:{account}:engagement/*"
        for region in config.served_regions
    ]


def page_arns(config: DeploymentConfig, *, account: str) -> list[str]:
    return [
        f"arn:{config.partition}:ssm-contacts:{region}:{account}:page/*"
        for region in config.served_regions
    ]


def upstream_statements(config: DeploymentConfig, *, account: str) -> list[iam.PolicyStatement]:
    """What the proxy may do upstream: read served engagements, their pages and the pages'
    receipts, list the served regions' engagements, decrypt with the CMK."""
    statements = [
        iam.PolicyStatement(
            sid="DescribeServedEngagements",
            actions=["ssm-contacts:DescribeEngagement"],
            resources=engagement_arns(config, account=account),
        ),
        iam.PolicyStatement(
            sid="ListPagesOfServedEngagements",
            actions=["ssm-contacts:ListPagesByEngagement"],
            resources=engagement_arns(config, account=account),
        ),
        iam.PolicyStatement(
            sid="ListReceiptsOfServedPages",
            actions=["ssm-contacts:ListPageReceipts"],
            resources=page_arns(config, account=account),
        ),
        # ListEngagements supports no resource-level permission: a statement of its own, so
        # that `*` widens nothing else, bound to the served regions.
        iam.PolicyStatement(
            sid="ListEngagementsInServedRegions",
            actions=["ssm-contacts:ListEngagements"],
            resources=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": list(config.served_regions)}},
        ),
    ]
    if config.kms_key_arn is not None:
        statements.append(
            iam.PolicyStatement(
                sid="DecryptEngagementsWithCustomerKey",
                actions=["kms:Decrypt"],
                resources=[config.kms_key_arn],
                # Only SSM Contacts may use the key on the proxy's behalf, to read engagements:
                # the role itself can decrypt nothing with it.
                conditions={"StringEquals": {"kms:ViaService": via_ssm_contacts(config)}},
            )
        )
    return statements


def via_ssm_contacts(config: DeploymentConfig) -> list[str]:
    """SSM Contacts' service names, as KMS sees them, in each served region (the aws partition:
    synth refuses any other)."""
    return [f"ssm-contacts.{region}.amazonaws.com" for region in config.served_regions]


def _as_nag_writes(account: str) -> str:
    """cdk-nag spells the unresolved account token this way in finding ids."""
    return "<AWS::AccountId>" if Token.is_unresolved(account) else account
