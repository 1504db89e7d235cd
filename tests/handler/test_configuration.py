"""Fail closed: a cold start with bad configuration answers every request with a 500 problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engagement_proxy import handler  # after the conftest has set the environment
from testing_support.events import COMMANDER, EXAMPLE_CONTACT, EXAMPLE_UUID
from tests.handler.conftest import LAMBDA_ENV, call

SECRETISH = "arn:aws:iam::111122223333:role/Hidden-Value-7731"


@pytest.fixture
def cold_start(monkeypatch, captured):
    """A container started with the Lambda's environment changed by `env_changes`."""

    def start(env_changes: dict[str, str | None], event: dict[str, Any]) -> dict[str, Any]:
        env = dict(LAMBDA_ENV)
        for name, value in env_changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        monkeypatch.setattr(handler, "RUNTIME", handler.cold_start(env))
        return call(event)

    return start


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"SERVED_ACCOUNT_ID": None}, "SERVED_ACCOUNT_ID"),
        ({"SERVED_ACCOUNT_ID": "not-an-account"}, "SERVED_ACCOUNT_ID"),
        ({"ACCESS_POLICY": None}, "ACCESS_POLICY"),
        (
            {"ACCESS_POLICY": json.dumps({"rules": [{"tier": "ful", "principals": [SECRETISH]}]})},
            "ACCESS_POLICY",
        ),
        (
            {"ACCESS_POLICY": json.dumps({"rules": [{"tier": "full", "roles": [SECRETISH]}]})},
            "ACCESS_POLICY",
        ),
        ({"SERVED_REGIONS": "us-east-2,Hidden-Value-7731"}, "SERVED_REGIONS"),
        ({"UPSTREAM_TIMEOUT_SECONDS": "600"}, "UPSTREAM_TIMEOUT_SECONDS"),
    ],
    ids=[
        "account-missing",
        "account-malformed",
        "policy-missing",
        "policy-unknown-tier",
        "policy-unknown-key",
        "region-malformed",
        "timeout-too-long",
    ],
)
def test_bad_configuration_serves_nobody_and_names_the_setting(
    changes, setting, cold_start, captured
):
    # Given a Lambda started with a bad setting
    from testing_support.events import rest_event

    event = rest_event(f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}", COMMANDER)
    # When the incident commander asks for an engagement
    response = cold_start(changes, event)
    # Then the answer is a 500 problem naming the setting but not its value
    assert response["statusCode"] == 500
    problem = json.loads(response["body"])
    assert problem["type"] == "urn:problem:engagement-proxy:misconfigured"
    assert problem["status"] == 500
    assert setting in problem["detail"]
    assert "Hidden-Value-7731" not in response["body"]
    # And the log says which setting is wrong and why, at cold start and on the request
    errors = [record for record in captured.records() if record.get("level") == "ERROR"]
    assert [error["message"] for error in errors] == [
        "Invalid configuration: no request will be served",
        "Invalid configuration: request refused",
    ]
    assert all(error["setting"] == setting and error["reason"] for error in errors)


@pytest.mark.parametrize(
    ("path", "method"),
    [("/incidents/1", "GET"), (f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}", "DELETE")],
    ids=["unknown-route", "other-method"],
)
def test_bad_configuration_refuses_every_route_not_only_engagements(path, method, cold_start):
    # Given a Lambda started without its served account
    from testing_support.events import rest_event

    event = rest_event(path, COMMANDER, method=method)
    # When a request arrives for another route or with another method
    response = cold_start({"SERVED_ACCOUNT_ID": None}, event)
    # Then it too is the 500 problem, not the 404 or 405 a configured proxy would give
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["type"] == "urn:problem:engagement-proxy:misconfigured"
