"""A PRIVATE endpoint for dashboards inside a VPC: reachable only through the listed
VPC endpoints, on top of the usual callers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import MINIMAL_SETTINGS, Synthesized, cfn_lint_findings, synthesize

pytestmark = pytest.mark.infra

ENDPOINTS = ["vpce-0123456789abcdef0", "vpce-0fedcba9876543210"]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    settings = {
        **MINIMAL_SETTINGS,
        "endpoint_type": "PRIVATE",
        "vpc_endpoint_ids": ENDPOINTS,
        "allowed_org_ids": ["o-a1b2c3d4e5"],
    }
    return synthesize(settings, tmp_path_factory.mktemp("private"))


def statements_by_sid(synth: Synthesized) -> dict[str, dict[str, Any]]:
    policy = synth.only("AWS::ApiGateway::RestApi")["Policy"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_the_api_is_private_and_bound_to_the_listed_vpc_endpoints(synth: Synthesized) -> None:
    # Given the API's endpoint configuration
    endpoint = synth.only("AWS::ApiGateway::RestApi")["EndpointConfiguration"]

    # Then it is PRIVATE and associated with exactly the configured endpoints
    assert endpoint == {"Types": ["PRIVATE"], "VpcEndpointIds": ENDPOINTS}


def test_requests_not_through_a_listed_vpc_endpoint_are_denied(synth: Synthesized) -> None:
    # Given the resource policy
    statements = statements_by_sid(synth)

    # Then any request whose aws:SourceVpce is not listed is denied, for the whole API
    assert statements["DenyOutsideListedVpcEndpoints"] == {
        "Sid": "DenyOutsideListedVpcEndpoints",
        "Effect": "Deny",
        "Action": "execute-api:Invoke",
        "Principal": {"AWS": "*"},
        "Resource": "execute-api:/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": ENDPOINTS}},
    }


def test_the_configured_callers_are_still_the_only_ones_allowed(synth: Synthesized) -> None:
    # Given the resource policy of a PRIVATE API that grants one organisation
    statements = statements_by_sid(synth)

    # Then only that organisation is allowed, and principals outside it are denied
    assert set(statements) == {
        "AllowListedOrganizations",
        "DenyEveryoneElse",
        "DenyOutsideListedVpcEndpoints",
    }
    assert statements["DenyEveryoneElse"]["Condition"] == {
        "StringNotEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}
    }


def test_cfn_lint_finds_nothing(synth: Synthesized) -> None:
    # Given the template of the PRIVATE configuration

    # When the real cfn-lint checks it
    findings = cfn_lint_findings(synth, "eu-west-1")

    # Then there is nothing to report
    assert findings == []
