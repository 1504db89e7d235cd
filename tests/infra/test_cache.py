"""The Lambda's upstream cache from cdk.json: defaults, values passed on exactly, switching it
off, and bad values refused with the Lambda's own bounds, named by their cdk.json key."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from engagement_proxy.config import CachePolicy, load_settings
from infra.config import CACHE_SETTINGS, CONTEXT_KEY, CacheConfig, load_config
from infra.context_reader import DeploymentSettingError
from testing_support.docs import doc_json_examples
from tests.infra.conftest import (
    MINIMAL_SETTINGS,
    Synthesized,
    repo_context,
    synthesize,
)

CACHE_VARIABLES = {
    "CACHE_ENABLED",
    "CACHE_TTL_RUNNING_SECONDS",
    "CACHE_TTL_STOPPED_SECONDS",
    "CACHE_TTL_NOT_FOUND_SECONDS",
    "CACHE_MAX_ENTRIES",
}


def with_cache(cache: Any) -> dict[str, Any]:
    return {**MINIMAL_SETTINGS, "cache": cache}


def cache_variables(raw: dict[str, Any]) -> dict[str, str]:
    environment = load_config({CONTEXT_KEY: raw}).lambda_environment("123456789012")
    return {name: value for name, value in environment.items() if name.startswith("CACHE_")}


@pytest.mark.parametrize("raw", [MINIMAL_SETTINGS, with_cache(None), with_cache({})])
def test_without_cache_settings_the_cache_is_on_with_the_documented_defaults(
    raw: dict[str, Any],
) -> None:
    # Given no cache object, a null one, or an empty one

    # When the settings are loaded
    config = load_config({CONTEXT_KEY: raw})

    # Then the cache is on with the documented defaults, passed to the Lambda explicitly
    assert config.cache == CacheConfig()
    assert cache_variables(raw) == {
        "CACHE_ENABLED": "true",
        "CACHE_TTL_RUNNING_SECONDS": "5",
        "CACHE_TTL_STOPPED_SECONDS": "300",
        "CACHE_TTL_NOT_FOUND_SECONDS": "5",
        "CACHE_MAX_ENTRIES": "512",
    }


def test_the_infra_defaults_are_the_lambdas_own() -> None:
    # Given the cache defaults of the deployment settings
    defaults = CacheConfig()

    # When the Lambda reads the environment they produce
    lambda_cache = load_settings(
        load_config({CONTEXT_KEY: MINIMAL_SETTINGS}).lambda_environment("123456789012")
    ).cache

    # Then it runs with exactly its own defaults
    assert lambda_cache == CachePolicy()
    assert (
        defaults.ttl_running_seconds,
        defaults.ttl_stopped_seconds,
        defaults.ttl_not_found_seconds,
        defaults.max_entries,
    ) == (5, 300, 5, 512)


def test_configured_values_reach_the_lambda_exactly() -> None:
    # Given every cache setting, some with fractions and a zero TTL
    cache = {
        "enabled": True,
        "ttl_running_seconds": 2.5,
        "ttl_stopped_seconds": 600,
        "ttl_not_found_seconds": 0,
        "max_entries": 64,
    }

    # When they are loaded and the Lambda reads the environment the stack sets
    variables = cache_variables(with_cache(cache))
    config = load_config({CONTEXT_KEY: with_cache(cache)})
    lambda_cache = load_settings(config.lambda_environment("123456789012")).cache

    # Then the variables hold the values as written, and the Lambda uses exactly those
    assert variables == {
        "CACHE_ENABLED": "true",
        "CACHE_TTL_RUNNING_SECONDS": "2.5",
        "CACHE_TTL_STOPPED_SECONDS": "600",
        "CACHE_TTL_NOT_FOUND_SECONDS": "0",
        "CACHE_MAX_ENTRIES": "64",
    }
    assert lambda_cache == CachePolicy(
        max_entries=64,
        running_ttl_seconds=2.5,
        stopped_ttl_seconds=600,
        not_found_ttl_seconds=0,
    )


def test_a_value_with_many_digits_is_not_rounded_on_the_way() -> None:
    # Given a TTL just inside the Lambda's bound, with more digits than short formatting keeps
    cache = {"ttl_stopped_seconds": 86399.99999}

    # When it is loaded
    variables = cache_variables(with_cache(cache))

    # Then the Lambda gets it digit for digit
    assert variables["CACHE_TTL_STOPPED_SECONDS"] == "86399.99999"


def test_a_disabled_cache_is_switched_off_in_the_lambda() -> None:
    # Given the cache switched off, with a TTL that no longer matters
    raw = with_cache({"enabled": False, "ttl_running_seconds": 30})

    # When the settings are loaded and the Lambda reads its environment
    config = load_config({CONTEXT_KEY: raw})
    lambda_settings = load_settings(config.lambda_environment("123456789012"))

    # Then the Lambda is told only CACHE_ENABLED=false, and runs without a cache
    assert cache_variables(raw) == {"CACHE_ENABLED": "false"}
    assert lambda_settings.cache is None


BAD_CACHE = [
    ("on", "cache", "must be an object"),
    ({"enabled": "false"}, "cache.enabled", "must be true or false, got 'false'"),
    ({"enabled": 0}, "cache.enabled", "must be true or false"),
    ({"ttl_running_seconds": -1}, "cache.ttl_running_seconds", "from 0 to 3600"),
    ({"ttl_running_seconds": 3601}, "cache.ttl_running_seconds", "from 0 to 3600"),
    ({"ttl_running_seconds": 3600.0000001}, "cache.ttl_running_seconds", "from 0 to 3600"),
    ({"ttl_running_seconds": math.nan}, "cache.ttl_running_seconds", "from 0 to 3600"),
    ({"ttl_running_seconds": "5"}, "cache.ttl_running_seconds", "must be a number"),
    ({"ttl_stopped_seconds": 86_401}, "cache.ttl_stopped_seconds", "from 0 to 86400"),
    ({"ttl_stopped_seconds": math.inf}, "cache.ttl_stopped_seconds", "from 0 to 86400"),
    ({"ttl_stopped_seconds": True}, "cache.ttl_stopped_seconds", "must be a number"),
    ({"ttl_not_found_seconds": -0.5}, "cache.ttl_not_found_seconds", "from 0 to 3600"),
    ({"ttl_not_found_seconds": [5]}, "cache.ttl_not_found_seconds", "must be a number"),
    ({"max_entries": 0}, "cache.max_entries", "from 1 to 100000"),
    ({"max_entries": 100_001}, "cache.max_entries", "from 1 to 100000"),
    ({"max_entries": 10**15}, "cache.max_entries", "from 1 to 100000"),
    ({"max_entries": 10**30}, "cache.max_entries", "whole number of at most 9007199254740992"),
    ({"ttl_running_seconds": 10**400}, "cache.ttl_running_seconds", "a float can hold"),
    ({"max_entries": 12.5}, "cache.max_entries", "must be a whole number"),
    ({"max_entries": True}, "cache.max_entries", "must be a whole number"),
    # Switched off, the other settings are still checked: switching it on must not break.
    ({"enabled": False, "ttl_stopped_seconds": 90_000}, "cache.ttl_stopped_seconds", "86400"),
    ({"enabled": False, "max_entries": 0}, "cache.max_entries", "from 1 to 100000"),
    ({"ttl": 5}, "cache.ttl", "unknown setting"),
    ({"max_entries": 8, "size": 8}, "cache.size", "unknown setting"),
]


@pytest.mark.parametrize(
    ("cache", "key", "reason"),
    BAD_CACHE,
    ids=[f"{key}={cache!r}" for cache, key, _ in BAD_CACHE],
)
def test_a_bad_cache_setting_fails_naming_its_key(cache: Any, key: str, reason: str) -> None:
    # Given an otherwise valid configuration with one bad cache setting
    raw = with_cache(cache)

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: raw})

    # Then the error names the key in cdk.json (never the Lambda's variable), and says why
    assert caught.value.key == f"engagement-proxy.{key}"
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"cdk.json context engagement-proxy.{key}: ")
    assert "CACHE_" not in str(caught.value)


def test_an_absurdly_long_value_is_named_and_not_blamed_on_the_policy() -> None:
    # Given a max_entries of 5000 digits, more than Lambda's 4 KB environment holds
    raw = with_cache({"max_entries": 10**4999})

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: raw})

    # Then the error names the cache key, neither crashing nor blaming access_policy
    assert caught.value.key == "engagement-proxy.cache.max_entries"


def test_an_out_of_bounds_ttl_gives_the_lambdas_reason() -> None:
    # Given a running TTL of two hours
    raw = with_cache({"ttl_running_seconds": 7200})

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: raw})

    # Then the message is the Lambda's own bound, under the cdk.json key
    assert str(caught.value) == (
        "cdk.json context engagement-proxy.cache.ttl_running_seconds: "
        "the Lambda would refuse it: must be a number from 0 to 3600"
    )


def test_every_cache_variable_maps_back_to_a_cache_key() -> None:
    # Given every cache key set to a value out of the Lambda's bounds, one at a time
    out_of_bounds = {
        "ttl_running_seconds": 1e9,
        "ttl_stopped_seconds": 1e9,
        "ttl_not_found_seconds": 1e9,
        "max_entries": 10**9,
    }

    # When each is loaded
    named = set()
    for name, value in out_of_bounds.items():
        with pytest.raises(DeploymentSettingError) as caught:
            load_config({CONTEXT_KEY: with_cache({name: value})})
        named.add(caught.value.key)

    # Then each error names its own key; with `enabled`, that is every cache setting
    assert named == {f"engagement-proxy.cache.{name}" for name in out_of_bounds}
    assert {"enabled", *out_of_bounds} == set(CACHE_SETTINGS)


@pytest.fixture(scope="module")
def synth_without_cache(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(with_cache({"enabled": False}), tmp_path_factory.mktemp("no-cache"))


@pytest.mark.infra
def test_the_synthesized_lambda_of_a_disabled_cache_has_it_switched_off(
    synth_without_cache: Synthesized,
) -> None:
    # Given the function synthesized with the cache switched off
    variables = synth_without_cache.only("AWS::Lambda::Function")["Environment"]["Variables"]

    # Then CACHE_ENABLED is false and no other cache variable is set
    assert {name: variables[name] for name in CACHE_VARIABLES & set(variables)} == {
        "CACHE_ENABLED": "false"
    }


def test_the_shipped_cdk_json_and_the_complete_example_spell_out_every_cache_key() -> None:
    # Given cdk.json and the complete example of the deployment guide's Configuration
    example = json.loads(doc_json_examples("docs/deploy.md", "Configuration")[0])

    # Then both list each cache key, with the defaults
    for context in (repo_context(), example["context"]):
        assert context[CONTEXT_KEY]["cache"] == {
            "enabled": True,
            "ttl_running_seconds": 5,
            "ttl_stopped_seconds": 300,
            "ttl_not_found_seconds": 5,
            "max_entries": 512,
        }
