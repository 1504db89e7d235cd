"""Identity normalisation: what API Gateway says about a caller, turned into one principal."""

from __future__ import annotations

from typing import Any

import pytest

from engagement_proxy.identity import Caller, IamPrincipal, caller_from_rest_identity

ACCOUNT = "111122223333"


def rest_identity(user_arn: Any, account_id: Any = ACCOUNT, org_id: Any = None) -> dict[str, Any]:
    """`requestContext.identity` of a REST API request authorised with AWS_IAM."""
    return {
        "userArn": user_arn,
        "accountId": account_id,
        "principalOrgId": org_id,
        "caller": "AROAEXAMPLE:session",
        "sourceIp": "198.51.100.7",
    }


def test_assumed_role_session_is_judged_as_its_role_and_named_as_authenticated() -> None:
    # Given an assumed-role session of the IncidentCommander role
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/IncidentCommander/alice"
    identity = rest_identity(session)

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then the policy judges the role (whose path the session does not show), and the caller
    # is still named by the session it authenticated as
    assert caller is not None
    assert caller.principal == IamPrincipal("aws", ACCOUNT, "role", "IncidentCommander", None)
    assert caller.principal.arn == f"arn:aws:iam::{ACCOUNT}:role/IncidentCommander"
    assert caller.name == caller.authenticated_arn == session


def test_iam_user_keeps_its_path() -> None:
    # Given an IAM user that lives under a path
    user = f"arn:aws:iam::{ACCOUNT}:user/division_abc/subdivision_xyz/Bob"
    identity = rest_identity(user)

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then it is the user Bob of that account, at that path
    assert caller is not None
    assert caller.principal == IamPrincipal(
        "aws", ACCOUNT, "user", "Bob", "/division_abc/subdivision_xyz/"
    )
    assert caller.principal.arn == caller.name == user


def test_iam_user_without_a_path_is_at_the_root_path() -> None:
    # Given an IAM user at the default path
    identity = rest_identity(f"arn:aws:iam::{ACCOUNT}:user/Bob")

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then its path is `/`
    assert caller is not None
    assert caller.principal == IamPrincipal("aws", ACCOUNT, "user", "Bob", "/")


def test_root_user_is_recognised() -> None:
    # Given the account's root user
    identity = rest_identity(f"arn:aws:iam::{ACCOUNT}:root")

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then it is the root principal of the account
    assert caller is not None
    assert caller.principal == IamPrincipal("aws", ACCOUNT, "root", "root")
    assert caller.name == f"arn:aws:iam::{ACCOUNT}:root"


def test_federated_user_is_recognised() -> None:
    # Given a federated user (GetFederationToken)
    identity = rest_identity(f"arn:aws:sts::{ACCOUNT}:federated-user/Carol")

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then it is that federated user, still named by its STS ARN
    assert caller is not None
    assert caller.principal == IamPrincipal("aws", ACCOUNT, "federated-user", "Carol")
    assert caller.name == f"arn:aws:sts::{ACCOUNT}:federated-user/Carol"


def test_partition_is_kept() -> None:
    # Given a caller in the China partition
    identity = rest_identity(f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/Reader/s1")

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then the principal stays in that partition
    assert caller is not None and caller.principal is not None
    assert caller.principal.arn == f"arn:aws-cn:iam::{ACCOUNT}:role/Reader"


def test_account_and_org_are_carried() -> None:
    # Given a caller of an organization
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/Reader/s1"
    identity = rest_identity(session, org_id="o-a1b2c3d4e5")

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then account and org are those API Gateway reported
    assert caller == Caller(
        principal=IamPrincipal("aws", ACCOUNT, "role", "Reader"),
        account_id=ACCOUNT,
        org_id="o-a1b2c3d4e5",
        authenticated_arn=session,
    )


@pytest.mark.parametrize("org_id", ["", None, 7])
def test_empty_or_odd_org_is_no_org(org_id: Any) -> None:
    # Given a caller whose principalOrgId is empty, null or not a string
    identity = rest_identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/Reader/s1", org_id=org_id)

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then the caller has no org (and so matches no org rule)
    assert caller is not None
    assert caller.org_id is None


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param(None, id="no identity"),
        pytest.param({}, id="empty identity"),
        pytest.param(rest_identity(None), id="userArn null"),
        pytest.param(
            rest_identity(f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s", account_id=None),
            id="accountId null",
        ),
        pytest.param({"accountId": ACCOUNT}, id="userArn absent"),
        pytest.param(
            {"userArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s"}, id="accountId absent"
        ),
        pytest.param(rest_identity(12), id="userArn not a string"),
    ],
)
def test_missing_identity_is_no_caller(identity: dict[str, Any] | None) -> None:
    # Given a request context without a complete identity
    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then there is no caller
    assert caller is None


def test_arn_of_another_account_than_reported_is_no_caller() -> None:
    # Given a userArn in one account but accountId naming another
    identity = rest_identity(
        "arn:aws:sts::444455556666:assumed-role/IncidentCommander/alice", account_id=ACCOUNT
    )

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then the inconsistent identity is not trusted
    assert caller is None


@pytest.mark.parametrize(
    "user_arn",
    [
        "not-an-arn",
        "",
        "arn:aws:s3:::engagement-bucket",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/RoleWithoutSession",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Role/s",  # session names have 2+ characters
        f"arn:aws:iam::{ACCOUNT}:group/Admins",
        f"arn:aws:iam::{ACCOUNT}:role/",
        f"arn:aws:iam::{ACCOUNT}:user/Bob\n",
        f"arn:aws:iam::{ACCOUNT}:user/Bob Smith",
        f"arn:aws-foo:iam::{ACCOUNT}:role/Reader",
        "arn:aws:iam::11112222333:role/Reader",
        f"arn:aws:sts::{ACCOUNT}:root",
        f" arn:aws:iam::{ACCOUNT}:role/Reader",
    ],
)
def test_garbage_arn_is_no_caller(user_arn: str) -> None:
    # Given a userArn that is not the ARN of a known IAM principal kind
    identity = rest_identity(user_arn)

    # When the caller is normalised
    caller = caller_from_rest_identity(identity)

    # Then there is no caller
    assert caller is None
