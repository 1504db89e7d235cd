"""The app as `make synth` builds it: cdk.json's own settings, no account or region known,
linted by the real cfn-lint. cdk-nag checks it in the fixture: an unacknowledged finding fails
synthesis there (tests/infra/test_cdk_nag.py proves it does), and so every test here."""

from __future__ import annotations

import json

import pytest

from infra.config import CONTEXT_KEY
from tests.infra.conftest import Synthesized, cfn_lint_findings, repo_context, synthesize

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    settings = repo_context()[CONTEXT_KEY]
    return synthesize(settings, tmp_path_factory.mktemp("repo"), account=None, region=None)


def test_cfn_lint_finds_nothing_in_the_synthesized_template(synth: Synthesized) -> None:
    # Given the template file as written to the cloud assembly

    # When the real cfn-lint checks it in the served region
    findings = cfn_lint_findings(synth, "us-east-2")

    # Then there are no errors, warnings or informational findings
    assert findings == []


def test_with_no_grant_configured_only_the_home_account_may_invoke(synth: Synthesized) -> None:
    # Given cdk.json's configuration, which lists no accounts, organisations or roles
    policy = synth.only("AWS::ApiGateway::RestApi")["Policy"]
    home_root = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"],
        ]
    }

    # Then the home account is allowed, and everyone else denied
    allow, deny = policy["Statement"]
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"AWS": home_root}
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": [{"Ref": "AWS::AccountId"}]}
    }


def test_the_served_account_is_the_deploying_account(synth: Synthesized) -> None:
    # Given the template synthesized without knowing the account
    variables = synth.only("AWS::Lambda::Function")["Environment"]["Variables"]
    (policy,) = synth.all("AWS::IAM::Policy")
    (describe,) = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Sid") == "DescribeServedEngagements"
    ]

    # Then the Lambda serves, and may only describe engagements of, the stack's own account
    assert variables["SERVED_ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}
    assert describe["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:aws:ssm-contacts:us-east-2:", {"Ref": "AWS::AccountId"}, ":engagement/*"],
        ]
    }


def test_without_a_kms_key_or_topic_there_is_no_decrypt_grant_and_no_alarm_action(
    synth: Synthesized,
) -> None:
    # Given no kms_key_arn and no alarm_topic_arn in cdk.json
    (policy,) = synth.all("AWS::IAM::Policy")
    actions = json.dumps(policy["PolicyDocument"])
    alarms = synth.all("AWS::CloudWatch::Alarm")

    # Then the role cannot decrypt, and the alarms exist but notify nobody
    assert "kms:" not in actions
    assert len(alarms) == 5
    assert not [alarm for alarm in alarms if "AlarmActions" in alarm]


def test_without_oidc_there_is_no_token_entrance(synth: Synthesized) -> None:
    # Given cdk.json's configuration, whose oidc is null
    types = {resource["Type"] for resource in synth.resources.values()}
    variables = synth.only("AWS::Lambda::Function")["Environment"]["Variables"]

    # Then nothing accepts a bearer token: no HTTP API, authorizer, route or stage of one
    assert not [name for name in types if name.startswith("AWS::ApiGatewayV2::")]
    assert "OIDC_GROUPS_CLAIM" not in variables
    assert set(synth.outputs) == {"ApiUrl", "FirstRequest"}
