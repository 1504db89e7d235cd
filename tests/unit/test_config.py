"""Settings from the Lambda environment: defaults, and every bad setting named but not echoed."""

from __future__ import annotations

import json

import pytest

from engagement_proxy.config import (
    DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
    SettingError,
    decimal,
    load_settings,
)
from engagement_proxy.identity import caller_from_rest_identity
from engagement_proxy.policy import Tier, tier_for

ACCOUNT = "111122223333"
POLICY = json.dumps(
    {"rules": [{"tier": "full", "principals": [f"arn:aws:iam::{ACCOUNT}:role/IncidentCommander"]}]}
)


def environment(**overrides: str | None) -> dict[str, str]:
    """A complete, valid Lambda environment; `None` removes a variable."""
    environ = {
        "AWS_REGION": "us-east-2",
        "SERVED_ACCOUNT_ID": ACCOUNT,
        "SERVED_REGIONS": "us-east-2,eu-west-1",
        "ACCESS_POLICY": POLICY,
    }
    for name, value in overrides.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


def test_valid_environment_is_loaded() -> None:
    # Given a complete environment
    environ = environment()

    # When the settings are loaded
    settings = load_settings(environ)

    # Then they hold the account, the regions in order and the parsed policy
    commander = caller_from_rest_identity(
        {
            "userArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/IncidentCommander/alice",
            "accountId": ACCOUNT,
        }
    )
    assert settings.served_account_id == ACCOUNT
    assert settings.served_regions == ("us-east-2", "eu-west-1")
    assert settings.default_region == "us-east-2"
    assert tier_for(settings.policy, commander) is Tier.FULL


def test_served_regions_default_to_the_lambda_region() -> None:
    # Given no SERVED_REGIONS
    environ = environment(SERVED_REGIONS=None, AWS_REGION="eu-central-1")

    # When the settings are loaded
    settings = load_settings(environ)

    # Then the Lambda's own region is the only served region
    assert settings.served_regions == ("eu-central-1",)
    assert settings.default_region == "eu-central-1"


def test_blank_served_regions_fall_back_to_the_lambda_region() -> None:
    # Given SERVED_REGIONS set but blank
    environ = environment(SERVED_REGIONS="  ", AWS_REGION="ap-southeast-2")

    # When the settings are loaded
    settings = load_settings(environ)

    # Then the Lambda's own region is served
    assert settings.served_regions == ("ap-southeast-2",)


def test_served_regions_tolerate_spaces_around_names() -> None:
    # Given regions listed with spaces after the commas
    environ = environment(SERVED_REGIONS="us-east-2, us-gov-west-1 ,cn-north-1")

    # When the settings are loaded
    settings = load_settings(environ)

    # Then the names are trimmed and kept in order
    assert settings.served_regions == ("us-east-2", "us-gov-west-1", "cn-north-1")


def test_upstream_timeout_defaults_to_ten_seconds() -> None:
    # Given no UPSTREAM_TIMEOUT_SECONDS
    environ = environment()

    # When the settings are loaded
    settings = load_settings(environ)

    # Then the upstream budget is 10 s
    assert settings.upstream_timeout_seconds == DEFAULT_UPSTREAM_TIMEOUT_SECONDS == 10.0


@pytest.mark.parametrize(("raw", "seconds"), [("2", 2.0), ("2.5", 2.5), (" 12 ", 12.0)])
def test_upstream_timeout_within_bounds_is_accepted(raw: str, seconds: float) -> None:
    # Given a timeout from 2 to 12 seconds
    environ = environment(UPSTREAM_TIMEOUT_SECONDS=raw)

    # When the settings are loaded
    settings = load_settings(environ)

    # Then it is the upstream budget
    assert settings.upstream_timeout_seconds == seconds


@pytest.mark.parametrize(
    ("overrides", "setting", "bad_value"),
    [
        pytest.param({"SERVED_ACCOUNT_ID": None}, "SERVED_ACCOUNT_ID", None, id="account missing"),
        pytest.param({"SERVED_ACCOUNT_ID": " "}, "SERVED_ACCOUNT_ID", None, id="account blank"),
        pytest.param(
            {"SERVED_ACCOUNT_ID": "12345"}, "SERVED_ACCOUNT_ID", "12345", id="account short"
        ),
        pytest.param(
            {"SERVED_ACCOUNT_ID": "11112222333x"},
            "SERVED_ACCOUNT_ID",
            "11112222333x",
            id="account not digits",
        ),
        pytest.param(
            {"SERVED_ACCOUNT_ID": "\uff11" * 12},
            "SERVED_ACCOUNT_ID",
            "\uff11" * 12,
            id="account of full-width digits",
        ),
        pytest.param(
            {"SERVED_REGIONS": None, "AWS_REGION": None},
            "SERVED_REGIONS",
            None,
            id="no region at all",
        ),
        pytest.param(
            {"SERVED_REGIONS": "us-east-2,Atlantis-Deep-9"},
            "SERVED_REGIONS",
            "Atlantis-Deep-9",
            id="bad region",
        ),
        pytest.param(
            {"SERVED_REGIONS": "us-east-2,,eu-west-1"}, "SERVED_REGIONS", None, id="empty region"
        ),
        pytest.param(
            {"SERVED_REGIONS": "us-east-\uff12"},
            "SERVED_REGIONS",
            "us-east-\uff12",
            id="region with a full-width digit",
        ),
        pytest.param(
            {"SERVED_REGIONS": None, "AWS_REGION": "Atlantis-Deep-9"},
            "AWS_REGION",
            "Atlantis-Deep-9",
            id="bad fallback region",
        ),
        pytest.param(
            {"SERVED_REGIONS": "eu-west-1,us-east-2,eu-west-1"},
            "SERVED_REGIONS",
            None,
            id="duplicate region",
        ),
        pytest.param({"ACCESS_POLICY": None}, "ACCESS_POLICY", None, id="policy missing"),
        pytest.param({"ACCESS_POLICY": "\n"}, "ACCESS_POLICY", None, id="policy blank"),
        pytest.param(
            {"ACCESS_POLICY": "rules = Zanzibar-Quokka-77"},
            "ACCESS_POLICY",
            "Zanzibar-Quokka-77",
            id="policy not JSON",
        ),
        pytest.param(
            {
                "ACCESS_POLICY": json.dumps(
                    {"rules": [{"tier": "full", "principals": ["Zanzibar-Quokka-77"]}]}
                )
            },
            "ACCESS_POLICY",
            "Zanzibar-Quokka-77",
            id="policy with bad pattern",
        ),
        pytest.param(
            {
                "ACCESS_POLICY": json.dumps(
                    {"rules": [{"tier": "Zanzibar-Quokka-77", "accounts": [ACCOUNT]}]}
                )
            },
            "ACCESS_POLICY",
            "Zanzibar-Quokka-77",
            id="policy with bad tier",
        ),
        pytest.param(
            {"ACCESS_POLICY": json.dumps({"rules": [{"tier": "full", "orgs": ["o-Zanzibar"]}]})},
            "ACCESS_POLICY",
            "o-Zanzibar",
            id="policy with bad org",
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "ten"}, "UPSTREAM_TIMEOUT_SECONDS", "ten", id="timeout NaN"
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "0.75"},
            "UPSTREAM_TIMEOUT_SECONDS",
            "0.75",
            id="timeout too short",
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "1.5"},
            "UPSTREAM_TIMEOUT_SECONDS",
            "1.5",
            id="timeout too short for two attempts",
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "12.5"},
            "UPSTREAM_TIMEOUT_SECONDS",
            "12.5",
            id="timeout a cold start would push past API Gateway's",
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "25"},
            "UPSTREAM_TIMEOUT_SECONDS",
            "25",
            id="timeout past API Gateway's",
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "nan"}, "UPSTREAM_TIMEOUT_SECONDS", None, id="timeout nan"
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "inf"}, "UPSTREAM_TIMEOUT_SECONDS", None, id="timeout inf"
        ),
        pytest.param(
            {"UPSTREAM_TIMEOUT_SECONDS": "-3"}, "UPSTREAM_TIMEOUT_SECONDS", None, id="negative"
        ),
    ],
)
def test_bad_setting_is_named_and_not_echoed(
    overrides: dict[str, str | None], setting: str, bad_value: str | None
) -> None:
    # Given an environment with one missing or invalid setting
    environ = environment(**overrides)

    # When the settings are loaded
    with pytest.raises(SettingError) as raised:
        load_settings(environ)

    # Then the error names the setting, and its message does not repeat the bad value
    assert raised.value.setting == setting
    assert str(raised.value).startswith(f"{setting}: ")
    if bad_value is not None:
        assert bad_value not in str(raised.value)
        assert bad_value not in raised.value.reason


def test_an_out_of_range_number_is_told_its_bounds() -> None:
    # Given an upstream timeout above the maximum
    environ = environment(UPSTREAM_TIMEOUT_SECONDS="13")

    # When the settings are loaded
    with pytest.raises(SettingError) as raised:
        load_settings(environ)

    # Then the operator reads the bounds, written as plain numbers
    assert str(raised.value) == "UPSTREAM_TIMEOUT_SECONDS: must be a number from 2 to 12"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (5.0, "5"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (1234567.5, "1234567.5"),
        (100_000, "100000"),
    ],
)
def test_numbers_are_written_in_the_shortest_exact_form(value: float, text: str) -> None:
    # Given a number a setting holds
    # When it is written out
    written = decimal(value)

    # Then it is the shortest text, and reads back as exactly that number
    assert written == text
    assert float(written) == value


def test_policy_error_says_where_in_the_policy() -> None:
    # Given a policy whose third rule names an org badly
    rules = [
        {"tier": "full", "accounts": [ACCOUNT]},
        {"tier": "redacted", "accounts": ["444455556666"]},
        {"tier": "deny", "orgs": ["o-a1b2c3d4e5", "org-1"]},
    ]
    environ = environment(ACCESS_POLICY=json.dumps({"rules": rules}))

    # When the settings are loaded
    with pytest.raises(SettingError) as raised:
        load_settings(environ)

    # Then the operator is told which item is wrong
    assert raised.value.setting == "ACCESS_POLICY"
    assert raised.value.reason == "rules[2].orgs[1]: must be an o-... org id"


def test_first_bad_setting_is_reported() -> None:
    # Given an environment where everything is missing
    environ: dict[str, str] = {}

    # When the settings are loaded
    with pytest.raises(SettingError) as raised:
        load_settings(environ)

    # Then the account, the first setting checked, is named
    assert raised.value.setting == "SERVED_ACCOUNT_ID"
