"""cdk-nag's AWS Solutions checks run on every synth: an unacknowledged finding fails it,
and each acknowledgment is one this stack needs, with a reason of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam

from infra.application import build_app
from infra.config import CONTEXT_KEY
from tests.infra.conftest import MINIMAL_SETTINGS, repo_context

pytestmark = pytest.mark.infra


@dataclass(frozen=True)
class FailedSynth:
    app: App
    error: RuntimeError
    outdir: Path


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> FailedSynth:
    # An otherwise clean app, plus a role with an AWS managed policy nobody acknowledged
    outdir = tmp_path_factory.mktemp("nag")
    context = {**repo_context(), CONTEXT_KEY: MINIMAL_SETTINGS}
    app = build_app(context, environ={}, outdir=str(outdir))
    (stack,) = [child for child in app.node.children if isinstance(child, Stack)]
    iam.Role(
        stack,
        "Unreviewed",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")],
    )
    with pytest.raises(RuntimeError) as caught:
        app.synth()
    return FailedSynth(app=app, error=caught.value, outdir=outdir)


def test_an_unacknowledged_finding_fails_synthesis(failed: FailedSynth) -> None:
    # Given the app with one resource that breaks an AWS Solutions rule (see the fixture)
    report = json.loads((failed.outdir / "validation-report.json").read_text())

    # Then synthesis failed, and the report blames that resource alone
    assert str(failed.error).startswith("ValidationFailed")
    # (cdk-nag's own report: the app's warnings, such as nobody being served, are another's)
    violations = [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == "AwsSolutions"
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    assert violations == [
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]",
            "EngagementProxy/Unreviewed/Resource",
        )
    ]


def test_each_acknowledgment_is_expected_and_gives_its_own_reason(failed: FailedSynth) -> None:
    # Given every acknowledgment recorded in the construct tree
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    acknowledged = {
        rule: reason
        for construct in failed.app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == key
        for rule, reason in entry.data.items()
    }

    # Then they are exactly the findings this stack accepts by design
    assert sorted(acknowledged) == [
        "Annotation::AwsSolutions-APIG3",
        "Annotation::AwsSolutions-COG4",
        "Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
        "service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "Annotation::AwsSolutions-IAM5[Resource::*]",
        "Annotation::AwsSolutions-IAM5[Resource::arn:aws:ssm-contacts:eu-west-1:"
        "<AWS::AccountId>:engagement/*]",
        "Annotation::AwsSolutions-IAM5[Resource::arn:aws:ssm-contacts:eu-west-1:"
        "<AWS::AccountId>:page/*]",
    ]
    # And each says why, in words of its own
    reasons = list(acknowledged.values())
    assert all(len(reason) > 60 for reason in reasons)
    assert len(set(reasons)) == len(reasons)
