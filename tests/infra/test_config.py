"""Deployment settings from cdk.json context: defaults, and bad values named by their key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engagement_proxy import config as lambda_config
from engagement_proxy.config import load_settings
from engagement_proxy.policy import PolicyError, parse_access_policy
from infra import config as infra_config
from infra.application import build_app
from infra.config import CACHE_SETTINGS, CONTEXT_KEY, SETTINGS, DeploymentConfig, load_config
from infra.context_reader import DeploymentSettingError
from testing_support.docs import doc_json_examples, doc_table
from tests.infra.conftest import MINIMAL_SETTINGS, POLICY, repo_context


def settings(**overrides: Any) -> dict[str, Any]:
    return {**MINIMAL_SETTINGS, **overrides}


def config_error(raw: dict[str, Any]) -> DeploymentSettingError:
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: raw})
    return caught.value


def test_minimal_settings_take_documented_defaults() -> None:
    # Given only the two required settings
    raw = settings()

    # When they are loaded
    config = load_config({CONTEXT_KEY: raw})

    # Then everything else has its default, and the policy is kept as compact JSON
    assert config == DeploymentConfig(
        served_regions=("eu-west-1",), access_policy=json.dumps(POLICY, separators=(",", ":"))
    )
    assert config.endpoint_type == "REGIONAL"
    assert config.lambda_timeout_seconds == 15
    assert (config.throttling_rate_limit, config.throttling_burst_limit) == (50.0, 100)


def test_the_repository_cdk_json_is_a_valid_configuration() -> None:
    # Given the context shipped in cdk.json
    context = repo_context()

    # When it is loaded
    config = load_config(context)

    # Then it parses, names every setting, and the CLI's notices and telemetry are off
    assert config.stack_name == "EngagementProxy"
    assert set(context[CONTEXT_KEY]) == set(SETTINGS)
    assert context["notices"] is False
    assert context["cli-telemetry"] is False


def test_the_complete_example_in_the_deployment_guide_is_valid() -> None:
    # Given the first JSON example of the deployment guide's Configuration (the complete cdk.json)
    example = json.loads(doc_json_examples("docs/deploy.md", "Configuration")[0])

    # When its context is loaded
    config = load_config(example["context"])

    # Then it parses, and it documents every setting there is
    assert set(example["context"][CONTEXT_KEY]) == set(SETTINGS)
    assert config.kms_key_arn is not None and config.alarm_topic_arn is not None


def test_the_configuration_table_of_the_deployment_guide_documents_every_setting() -> None:
    # Given the first column of the deployment guide's configuration table
    rows = doc_table("docs/deploy.md", "Configuration", "setting")
    documented = {name.strip().strip("`") for row in rows for name in row[0].split(",")}

    # Then every setting, and every key of the cache object, has its row
    expected = {*SETTINGS, *(f"cache.{name}" for name in CACHE_SETTINGS)}
    assert expected <= documented, sorted(expected - documented)


def test_the_upstream_timeout_bounds_are_the_lambdas_own() -> None:
    # Given the infra's bounds for upstream_timeout_seconds and the Lambda's own

    # Then both are the Lambda's very constants, not copies
    names = vars(infra_config)
    assert names["MIN_UPSTREAM_TIMEOUT_SECONDS"] is lambda_config.MIN_UPSTREAM_TIMEOUT_SECONDS
    assert names["MAX_UPSTREAM_TIMEOUT_SECONDS"] is lambda_config.MAX_UPSTREAM_TIMEOUT_SECONDS


def test_the_longest_upstream_timeout_still_answers_before_api_gateway_gives_up() -> None:
    # Given the longest upstream timeout the settings accept
    raw = settings(upstream_timeout_seconds=lambda_config.MAX_UPSTREAM_TIMEOUT_SECONDS)

    # When it is loaded
    config = load_config({CONTEXT_KEY: raw})

    # Then the whole Lambda timeout, plus a cold start's init phase (up to 10 s), ends before
    # API Gateway's integration timeout: 29 s for the REST API (30 s for the HTTP API)
    assert config.lambda_timeout_seconds + 10 < 29


@pytest.mark.parametrize("seconds", [2, 12])
def test_the_upstream_timeout_bounds_themselves_are_accepted(seconds: int) -> None:
    # Given the smallest and the largest upstream timeout
    raw = settings(upstream_timeout_seconds=seconds)

    # When it is loaded
    config = load_config({CONTEXT_KEY: raw})

    # Then it is taken, and the Lambda timeout is 5 s more
    assert config.upstream_timeout_seconds == seconds
    assert config.lambda_timeout_seconds == seconds + 5


def test_settings_given_as_json_text_on_the_command_line_are_read() -> None:
    # Given `cdk synth -c engagement-proxy='{...}'`, which arrives as text
    text = json.dumps(settings(stage_name="prod"))

    # When it is loaded
    config = load_config({CONTEXT_KEY: text})

    # Then it is the same as the object form
    assert config.stage_name == "prod"


def test_the_lambda_accepts_the_environment_the_stack_gives_it() -> None:
    # Given a configuration with several regions and a non-default timeout
    raw = settings(served_regions=["eu-west-1", "us-east-1"], upstream_timeout_seconds=7.5)
    config = load_config({CONTEXT_KEY: raw})

    # When the Lambda's own loader reads the environment the stack sets
    lambda_settings = load_settings(config.lambda_environment("123456789012"))

    # Then it sees the same regions, timeout and policy
    assert lambda_settings.served_regions == ("eu-west-1", "us-east-1")
    assert lambda_settings.upstream_timeout_seconds == 7.5
    assert lambda_settings.policy == parse_access_policy(POLICY)


BAD_SETTINGS = [
    ({"served_regions": None}, "served_regions", "is required"),
    ({"served_regions": []}, "served_regions", "is required"),
    ({"served_regions": "eu-west-1"}, "served_regions", "must be a list"),
    ({"served_regions": ["eu-west-1", "moon-1"]}, "served_regions[1]", "'moon-1'"),
    ({"served_regions": ["eu-west-1", "eu-west-1"]}, "served_regions[1]", "listed twice"),
    ({"served_regions": ["cn-north-1"]}, "served_regions", "aws partition"),
    ({"served_regions": ["us-east-1", "us-gov-west-1"]}, "served_regions", "mixes partitions"),
    ({"access_policy": None}, "access_policy", "is required"),
    ({"access_policy": "{not json"}, "access_policy", "not valid JSON"),
    (
        {"access_policy": {"rules": [{"tier": "all", "accounts": ["444455556666"]}]}},
        "access_policy",
        "rules[0].tier: must be one of full, redacted, deny",
    ),
    (
        {"access_policy": {"rules": [{"tier": "full", "principals": ["arn:aws:iam::*:role/A-*"]}]}},
        "access_policy",
        "rules[0].principals[0]: a full rule may not name accounts by wildcard",
    ),
    (
        {
            "access_policy": {
                "rules": [{"tier": "deny", "principals": ["arn:aws:iam::444455556666:role/ir/*"]}]
            }
        },
        "access_policy",
        "rules[0].principals[0]: a role pattern with a path must name one role",
    ),
    ({"account": "12345"}, "account", "12-digit"),
    ({"region": "mars-1"}, "region", "region name"),
    ({"region": "cn-north-1"}, "served_regions", "partition of region cn-north-1"),
    ({"allowed_accounts": ["444455556666", "4444"]}, "allowed_accounts[1]", "12-digit"),
    ({"allowed_org_ids": ["org-1"]}, "allowed_org_ids[0]", "o-..."),
    (
        {"allowed_principals": ["arn:aws:iam::444455556666:user/alice"]},
        "allowed_principals[0]",
        "IAM role ARN",
    ),
    ({"endpoint_type": "EDGE"}, "endpoint_type", "REGIONAL, PRIVATE"),
    ({"endpoint_type": "PRIVATE"}, "vpc_endpoint_ids", "required when"),
    ({"vpc_endpoint_ids": ["vpce-0123456789abcdef0"]}, "vpc_endpoint_ids", "only used"),
    ({"endpoint_type": "PRIVATE", "vpc_endpoint_ids": ["vpc-1"]}, "vpc_endpoint_ids[0]", "vpce-"),
    ({"throttling_rate_limit": 0}, "throttling_rate_limit", "from 1 to 10000"),
    ({"throttling_burst_limit": True}, "throttling_burst_limit", "whole number"),
    ({"log_retention_days": 42}, "log_retention_days", "one CloudWatch accepts"),
    ({"log_level": "TRACE"}, "log_level", "DEBUG, INFO, WARNING, ERROR"),
    ({"alarm_topic_arn": "my-topic"}, "alarm_topic_arn", "SNS ARN"),
    (
        {"kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:alias/contacts"},
        "kms_key_arn",
        "KMS key ARN",
    ),
    ({"upstream_timeout_seconds": 20}, "upstream_timeout_seconds", "from 2 to 12"),
    ({"upstream_timeout_seconds": 1.5}, "upstream_timeout_seconds", "from 2 to 12"),
    ({"powertools_layer_version": "latest"}, "powertools_layer_version", "whole number"),
    ({"stage_name": "v1/beta"}, "stage_name", "letters, digits or _"),
    ({"served_region": ["eu-west-1"]}, "served_region", "unknown setting"),
]


@pytest.mark.parametrize(("overrides", "key", "reason"), BAD_SETTINGS)
def test_a_bad_setting_fails_with_a_message_naming_its_key(
    overrides: dict[str, Any], key: str, reason: str
) -> None:
    # Given an otherwise valid configuration with one bad setting
    raw = settings(**overrides)

    # When it is loaded
    error = config_error(raw)

    # Then the error names the key in cdk.json, and says what is wrong
    assert error.key == f"engagement-proxy.{key}"
    assert reason in error.reason
    assert str(error).startswith(f"cdk.json context engagement-proxy.{key}: ")


def test_the_app_refuses_a_bad_configuration_before_building_anything(tmp_path: Path) -> None:
    # Given cdk.json's context with one bad setting
    context = {**repo_context(), CONTEXT_KEY: settings(log_level="LOUD")}

    # When the app is built, as app.py builds it
    with pytest.raises(DeploymentSettingError) as caught:
        build_app(context, environ={}, outdir=str(tmp_path))

    # Then it stops with the key and the reason, and nothing was synthesized
    assert str(caught.value) == (
        "cdk.json context engagement-proxy.log_level: "
        "must be one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"
    )
    assert list(tmp_path.iterdir()) == []


def test_missing_settings_object_is_named() -> None:
    # Given a context without the settings object

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({"notices": False})

    # Then the message names the object the settings belong in
    assert caught.value.key == "engagement-proxy"


def test_access_policy_errors_are_exactly_the_lambda_parsers() -> None:
    # Given a policy the Lambda's parser rejects
    policy = {"rules": [{"tier": "full", "principals": ["arn:aws:iam::1234:role/X"]}]}
    with pytest.raises(PolicyError) as lambda_says:
        parse_access_policy(policy)

    # When synth loads it
    error = config_error(settings(access_policy=policy))

    # Then synth fails with the parser's very words, not a paraphrase
    assert error.key == "engagement-proxy.access_policy"
    assert error.reason == str(lambda_says.value)


def test_a_policy_too_large_for_the_lambda_environment_is_refused() -> None:
    # Given a valid policy whose compact JSON alone passes Lambda's 4 KB environment limit
    accounts = [f"{n:012d}" for n in range(300)]
    policy = {"rules": [{"tier": "redacted", "accounts": accounts}]}

    # When it is loaded
    error = config_error(settings(access_policy=policy))

    # Then the message names the policy and the limit
    assert error.key == "engagement-proxy.access_policy"
    assert "4096" in error.reason
