"""The access policy means what it says, through lambda_handler: no tier escalation through token
groups, IAM paths, wildcard accounts, case or federated sessions; and an audit line that names the
person, not only the role."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from engagement_proxy import handler
from engagement_proxy.config import load_settings
from testing_support.events import (
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    ISSUER,
    SERVED_ACCOUNT,
    Token,
    http_event,
    rest_event,
    token,
)
from tests.handler.conftest import LAMBDA_ENV, SECURE_SUBJECT, Captured, call, engagement_answer
from tests.handler.test_configuration import cold_start as cold_start  # the fixture

PARTNER = "444455556666"
Deploy = Callable[[dict[str, Any]], None]


@pytest.fixture
def deploy(monkeypatch: pytest.MonkeyPatch) -> Deploy:
    """The Lambda as if it had cold-started with this ACCESS_POLICY (and the tests' other
    settings)."""

    def apply(document: dict[str, Any]) -> None:
        settings = load_settings({**LAMBDA_ENV, "ACCESS_POLICY": json.dumps(document)})
        monkeypatch.setattr(handler, "RUNTIME", replace(handler.RUNTIME, settings=settings))

    return apply


def iam(user_arn: str, org: str | None = None) -> dict[str, Any]:
    """`requestContext.identity` of a SigV4 caller whose ARN is `user_arn`."""
    return {
        "userArn": user_arn,
        "accountId": user_arn.split(":")[4],
        "principalOrgId": org,
        "caller": "AIDAEXAMPLE:session",
    }


def tier_served(response: dict[str, Any]) -> str:
    """What the caller got, read from the answer alone: full, redacted, or the status."""
    if response["statusCode"] != 200:
        return str(response["statusCode"])
    body = json.loads(response["body"])
    return "full" if body["Subject"] == SECURE_SUBJECT else "redacted"


def answer_once(stubbed: Callable[..., Any]) -> None:
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )


# --- token groups, whole and exactly as issued ------------------------------------------------


@pytest.mark.parametrize(
    "group",
    [
        "Former incident-commanders",
        "Former\u00a0incident-commanders",
        "Former\u3000incident-commanders",
    ],
    ids=["space", "no-break-space", "ideographic-space"],
)
def test_a_token_group_holding_a_space_is_one_group(stubbed, captured: Captured, group: str):
    # Given the deployed policy (full for the group `incident-commanders`), and a token whose
    # only group is another one that merely contains that name after a space; no upstream
    # answer is stubbed, so any upstream call would fail
    stubbed()
    caller = token("00u-former", [group])
    # When it asks through the HTTP API
    response = call(http_event(EXAMPLE_PATH, caller))
    # Then it is denied: its one group is named by no rule
    assert response["statusCode"] == 403
    assert captured.audit_lines()[-1]["tier"] == "deny"


@pytest.mark.parametrize(
    ("groups", "served"),
    [(["Incident Commanders"], "full"), (["Incident", "Commanders"], "403")],
    ids=["the-group", "its-words-as-two-groups"],
)
def test_a_policy_group_with_a_space_grants_exactly_that_group(
    stubbed, captured, deploy: Deploy, groups: list[str], served: str
):
    # Given a full rule for the group `Incident Commanders`, as IdPs with display names spell it
    deploy({"rules": [{"tier": "full", "issuer": ISSUER, "groups": ["Incident Commanders"]}]})
    if served == "full":
        answer_once(stubbed)
    # When a token with that group, or with its two words as two groups, asks
    response = call(http_event(EXAMPLE_PATH, token("00u-dana", groups)))
    # Then only the whole group is served
    assert tier_served(response) == served


def _other_token(**changes: Any) -> Token:
    """The commander's claims as the authorizer verified them, next to a different token."""
    verified = token("00u-commander", ["incident-commanders"])
    return Token(
        token("00u-commander", ["incident-commanders"], **changes).payload, verified.claims
    )


@pytest.mark.parametrize(
    "mismatch",
    [
        _other_token(sub="00u-someone-else"),
        _other_token(iss="https://idp.other.example/"),
        _other_token(aud="another-api"),
        _other_token(aud=["engagement-proxy", "another-api"]),
        _other_token(exp=1795669201),
        _other_token(iat=1795665601),
        _other_token(iat=None),
    ],
    ids=["sub", "iss", "aud", "aud-list", "exp", "iat", "no-iat"],
)
def test_groups_count_only_from_the_token_the_authorizer_verified(stubbed, captured, mismatch):
    # Given claims of a commander as the authorizer verified them, but an Authorization header
    # holding a token whose claims differ from them
    stubbed()
    # When the request reaches the Lambda
    response = call(http_event(EXAMPLE_PATH, mismatch))
    # Then the request has no groups: denied, and the audit line says why
    assert response["statusCode"] == 403
    assert captured.audit_lines()[-1]["token_groups"] == "token-differs"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not.a.jwt", "Basic YWxpY2U6c2VjcmV0", "Bearer a.b.c.d.e"],
    ids=["absent", "empty", "no-token", "garbage", "basic", "five-parts"],
)
def test_without_a_readable_token_the_flattened_groups_claim_is_not_believed(
    stubbed, captured, authorization: str | None
):
    # Given the commander's verified claims (groups "[incident-commanders staff]") but no token
    # the Lambda can read in the Authorization header
    stubbed()
    event = http_event(EXAMPLE_PATH, token("00u-commander", ["incident-commanders", "staff"]))
    if authorization is None:
        del event["headers"]["authorization"]
    else:
        event["headers"]["authorization"] = authorization
    # When the request reaches the Lambda
    response = call(event)
    # Then the request has no groups, and so no tier
    assert response["statusCode"] == 403
    assert captured.audit_lines()[-1]["token_groups"] in ("no-token", "unreadable-token")


def test_subjects_still_decide_without_groups(stubbed, captured, deploy: Deploy):
    # Given a redacted rule for one subject, and that subject's token without any groups claim
    deploy({"rules": [{"tier": "redacted", "issuer": ISSUER, "subjects": ["00u-sre"]}]})
    answer_once(stubbed)
    # When it asks
    response = call(http_event(EXAMPLE_PATH, token("00u-sre")))
    # Then its subject gets it the redacted view
    assert tier_served(response) == "redacted"


# --- principal patterns with IAM's meaning ------------------------------------------------------


@pytest.mark.parametrize(
    ("user_arn", "served"),
    [
        (f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/alice", "full"),
        (f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/team/carol", "full"),
        (f"arn:aws:iam::{SERVED_ACCOUNT}:user/interns/bob", "403"),
        (f"arn:aws:iam::{SERVED_ACCOUNT}:user/bob", "403"),
        (f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/ReadOnlyDashboard/s1", "403"),
    ],
    ids=["under-ops", "deeper-under-ops", "interns", "no-path", "a-role"],
)
def test_a_user_pattern_path_is_compared_with_the_callers_path(
    stubbed, captured, deploy: Deploy, user_arn: str, served: str
):
    # Given a full rule for the users under /ops/
    deploy(
        {"rules": [{"tier": "full", "principals": [f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/*"]}]}
    )
    if served == "full":
        answer_once(stubbed)
    else:
        stubbed()
    # When a user (or a role) of the account asks with SigV4
    response = call(rest_event(EXAMPLE_PATH, iam(user_arn)))
    # Then only users under /ops/ are served
    assert tier_served(response) == served


def refused_at_cold_start(
    start: Any, captured: Captured, document: dict[str, Any], caller: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    event = rest_event(EXAMPLE_PATH, caller)
    response: dict[str, Any] = start({"ACCESS_POLICY": json.dumps(document)}, event)
    return response, captured.text


def assert_misconfigured_policy(response: dict[str, Any], output: str, reason: str) -> None:
    assert response["statusCode"] == 500
    problem = json.loads(response["body"])
    assert problem["type"] == "urn:problem:engagement-proxy:misconfigured"
    assert "ACCESS_POLICY" in problem["detail"]
    assert reason in output


def test_a_role_pattern_with_a_path_and_a_wildcard_is_refused_at_cold_start(cold_start, captured):
    # Given a full rule for "the roles under /incident-response/", which assumed-role sessions
    # (they carry no path) cannot be checked against
    document = {
        "rules": [
            {
                "tier": "full",
                "principals": [f"arn:aws:iam::{SERVED_ACCOUNT}:role/incident-response/*"],
            }
        ]
    }
    # When the Lambda cold-starts with it and any role of the account asks
    response, output = refused_at_cold_start(
        cold_start,
        captured,
        document,
        iam(f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/ReadOnlyDashboard/s1"),
    )
    # Then nobody is served, and the log says why
    assert_misconfigured_policy(response, output, "sessions do not carry their role's path")


def test_a_role_pattern_with_a_path_names_one_role_by_name(stubbed, captured, deploy: Deploy):
    # Given a full rule naming one role that lives under a path
    deploy(
        {
            "rules": [
                {
                    "tier": "full",
                    "principals": [
                        f"arn:aws:iam::{SERVED_ACCOUNT}:role/incident-response/Commander"
                    ],
                }
            ]
        }
    )
    answer_once(stubbed)
    # When a session of that role, and one of another role, ask
    commander = call(
        rest_event(EXAMPLE_PATH, iam(f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/Commander/alice"))
    )
    other = call(
        rest_event(EXAMPLE_PATH, iam(f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/ReadOnly/bob"))
    )
    # Then the role's name decides
    assert (tier_served(commander), tier_served(other)) == ("full", "403")


def test_a_full_rule_with_a_wildcard_account_is_refused_at_cold_start(cold_start, captured):
    # Given the formerly documented full rule for `OnCall-*` roles of any account, and a role
    # that an account the policy only redacts created to match it
    document = {
        "rules": [
            {"tier": "full", "principals": ["arn:aws:iam::*:role/OnCall-*"]},
            {"tier": "redacted", "accounts": [PARTNER]},
        ]
    }
    # When the Lambda cold-starts with it and that role asks
    response, output = refused_at_cold_start(
        cold_start, captured, document, iam(f"arn:aws:sts::{PARTNER}:assumed-role/OnCall-bob/bob")
    )
    # Then nobody is served, and the log says why
    assert_misconfigured_policy(response, output, "a full rule may not name accounts by wildcard")


def test_a_wildcard_account_still_redacts(stubbed, captured, deploy: Deploy):
    # Given a redacted rule for `OnCall-*` roles of any account
    deploy({"rules": [{"tier": "redacted", "principals": ["arn:aws:iam::*:role/OnCall-*"]}]})
    answer_once(stubbed)
    # When such a role of some account asks
    response = call(
        rest_event(EXAMPLE_PATH, iam("arn:aws:sts::999900001111:assumed-role/OnCall-x/s1"))
    )
    # Then it gets the redacted view
    assert tier_served(response) == "redacted"


@pytest.mark.parametrize(
    ("pattern", "user_arn"),
    [
        (
            f"arn:aws:iam::{PARTNER}:role/contractor",
            f"arn:aws:sts::{PARTNER}:assumed-role/Contractor/carol",
        ),
        (
            f"arn:aws:iam::{PARTNER}:role/CONTRACTOR",
            f"arn:aws:sts::{PARTNER}:assumed-role/Contractor/carol",
        ),
        (f"arn:aws:iam::{PARTNER}:user/ops/Carol", f"arn:aws:iam::{PARTNER}:user/ops/carol"),
        (
            f"arn:aws:iam::{PARTNER}:role/contract*",
            f"arn:aws:sts::{PARTNER}:assumed-role/Contractor/carol",
        ),
    ],
    ids=["role-lower", "role-upper", "user", "role-wildcard"],
)
def test_deny_ignores_the_case_of_names(stubbed, captured, deploy: Deploy, pattern, user_arn):
    # Given a redacted account and a deny rule naming one of its principals in another case
    # (IAM names are unique whatever their case: this is the same principal)
    deploy(
        {
            "rules": [
                {"tier": "redacted", "accounts": [PARTNER]},
                {"tier": "deny", "principals": [pattern]},
            ]
        }
    )
    stubbed()
    # When that principal asks
    response = call(rest_event(EXAMPLE_PATH, iam(user_arn)))
    # Then the deny applies
    assert response["statusCode"] == 403


def test_full_ignores_the_case_of_names_too(stubbed, captured, deploy: Deploy):
    # Given a full rule naming the commander role in lower case
    deploy(
        {
            "rules": [
                {
                    "tier": "full",
                    "principals": [f"arn:aws:iam::{SERVED_ACCOUNT}:role/incidentcommander"],
                }
            ]
        }
    )
    answer_once(stubbed)
    # When a session of `IncidentCommander` asks
    response = call(
        rest_event(
            EXAMPLE_PATH, iam(f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/IncidentCommander/alice")
        )
    )
    # Then it is the same role
    assert tier_served(response) == "full"


@pytest.mark.parametrize(
    ("user_arn", "served"),
    [
        (f"arn:aws:sts::{PARTNER}:federated-user/Carol", "403"),
        (f"arn:aws:sts::{PARTNER}:federated-user/dave", "redacted"),
        (f"arn:aws:sts::{PARTNER}:assumed-role/SRE/carol", "redacted"),
    ],
    ids=["the-federated-user", "another-federated-user", "a-role-session-named-carol"],
)
def test_a_deny_can_name_a_federated_user(stubbed, captured, deploy: Deploy, user_arn, served):
    # Given a redacted account and a deny for one of its federated users
    deploy(
        {
            "rules": [
                {"tier": "redacted", "accounts": [PARTNER]},
                {"tier": "deny", "principals": [f"arn:aws:sts::{PARTNER}:federated-user/carol"]},
            ]
        }
    )
    if served == "redacted":
        answer_once(stubbed)
    else:
        stubbed()
    # When a caller of that account asks
    response = call(rest_event(EXAMPLE_PATH, iam(user_arn)))
    # Then only that federated user is denied
    assert tier_served(response) == served


# --- the audit line names the person --------------------------------------------------------


SSO_SESSION = (
    f"arn:aws:sts::{SERVED_ACCOUNT}:assumed-role/AWSReservedSSO_ReadOnly_abc/bob@example.com"
)


def test_the_audit_line_names_the_session_and_the_role_it_matched(stubbed, captured: Captured):
    # Given a person signed in through IAM Identity Center, redacted by their organisation
    answer_once(stubbed)
    # When they read an engagement with SigV4
    call(rest_event(EXAMPLE_PATH, iam(SSO_SESSION, org="o-a1b2c3d4e5")))
    # Then the audit line names them as authenticated, and the role the policy judged
    (audit,) = captured.audit_lines()
    assert audit["caller"] == SSO_SESSION
    assert audit["principal"] == f"arn:aws:iam::{SERVED_ACCOUNT}:role/AWSReservedSSO_ReadOnly_abc"
    assert (audit["account"], audit["org"], audit["tier"]) == (
        SERVED_ACCOUNT,
        "o-a1b2c3d4e5",
        "redacted",
    )
    assert SECURE_SUBJECT not in captured.text


def test_the_audit_line_names_a_user_with_its_path(stubbed, captured: Captured, deploy: Deploy):
    # Given a full rule for the users under /ops/
    deploy(
        {"rules": [{"tier": "full", "principals": [f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/*"]}]}
    )
    answer_once(stubbed)
    # When one of them reads an engagement
    call(rest_event(EXAMPLE_PATH, iam(f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/alice")))
    # Then the audit line names the user with its path, twice: as caller and as principal
    (audit,) = captured.audit_lines()
    assert audit["caller"] == audit["principal"] == f"arn:aws:iam::{SERVED_ACCOUNT}:user/ops/alice"


def test_the_audit_line_of_a_token_names_issuer_subject_and_person(stubbed, captured: Captured):
    # Given a token caller of the redacted `sre` group
    answer_once(stubbed)
    # When it reads an engagement through the HTTP API
    caller = token("00u-sre", ["sre"], email="bob@example.com")
    call(http_event(EXAMPLE_PATH, caller))
    # Then the audit line names issuer, subject and e-mail, says the groups came from the
    # verified token, and names no IAM principal; the token itself is nowhere
    (audit,) = captured.audit_lines()
    assert (audit["caller"], audit["issuer"], audit["subject"]) == (
        f"{ISSUER}#00u-sre",
        ISSUER,
        "00u-sre",
    )
    assert audit["caller_name"] == "bob@example.com"
    assert audit["token_groups"] == "verified"
    assert "principal" not in audit
    assert caller.jwt.split(".")[1] not in captured.text
