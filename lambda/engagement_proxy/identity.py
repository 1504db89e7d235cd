"""Who is calling: the authenticated identity API Gateway hands us, normalised. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PrincipalKind = Literal["role", "user", "root", "federated-user"]

_NAME = r"[\w+=,.@-]{1,128}"
_PATH = r"(?:/[\x21-\x7e]*)?/"


def _caller_arn(service: str, resource: str) -> re.Pattern[str]:
    return re.compile(
        rf"arn:(?P<partition>aws|aws-cn|aws-us-gov):{service}::(?P<account>[0-9]{{12}}):{resource}",
        re.ASCII,
    )


# The forms of caller ARN API Gateway reports, and the principal kind each becomes.
_CALLER_ARNS: tuple[tuple[PrincipalKind, re.Pattern[str]], ...] = (
    ("role", _caller_arn("sts", rf"assumed-role/(?P<name>{_NAME})/[\w+=,.@-]{{2,64}}")),
    ("federated-user", _caller_arn("sts", rf"federated-user/(?P<name>{_NAME})")),
    ("role", _caller_arn("iam", rf"role{_PATH}(?P<name>{_NAME})")),
    ("user", _caller_arn("iam", rf"user{_PATH}(?P<name>{_NAME})")),
    ("root", _caller_arn("iam", r"(?P<name>root)")),
)


@dataclass(frozen=True)
class IamPrincipal:
    """An IAM caller. Assumed-role sessions become their role: STS hides the role's path, and
    role names are unique within an account, so the name identifies the role."""

    partition: str
    account_id: str
    kind: PrincipalKind
    name: str

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"arn:{self.partition}:iam::{self.account_id}:root"
        service = "sts" if self.kind == "federated-user" else "iam"
        return f"arn:{self.partition}:{service}::{self.account_id}:{self.kind}/{self.name}"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: an IAM principal, or a token subject of one issuer."""

    principal: IamPrincipal | None = None
    account_id: str | None = None
    org_id: str | None = None
    issuer: str | None = None
    subject: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    display_name: str | None = None

    @property
    def name(self) -> str:
        """The caller as audit lines name it."""
        if self.principal is not None:
            return self.principal.arn
        return f"{self.issuer}#{self.subject}"


def parse_principal_arn(arn: str) -> IamPrincipal | None:
    """The principal behind a caller ARN as API Gateway reports it, or None if unrecognised."""
    for kind, pattern in _CALLER_ARNS:
        match = pattern.fullmatch(arn)
        if match is not None:
            return IamPrincipal(match["partition"], match["account"], kind, match["name"])
    return None


def caller_from_jwt_claims(claims: Mapping[str, Any] | None, groups_claim: str) -> Caller | None:
    """The caller of an HTTP API (v2) request whose token API Gateway's JWT authorizer verified,
    or None without issuer and subject. Only the authorizer's claims count, never headers."""
    if not claims:
        return None
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not issuer or not isinstance(subject, str) or not subject:
        return None
    name = claims.get("email") or claims.get("name")
    return Caller(
        issuer=issuer,
        subject=subject,
        groups=frozenset(_claim_values(claims.get(groups_claim))),
        display_name=name if isinstance(name, str) else None,
    )


def _claim_values(value: Any) -> list[str]:
    # HTTP APIs flatten array claims into one string, "[a b c]"; tests and other callers may
    # pass real lists.
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str) and item]
    if isinstance(value, str):
        inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
        return inner.split()
    return []


def caller_from_rest_identity(identity: Mapping[str, Any] | None) -> Caller | None:
    """The caller of a REST API (v1) request authorised with AWS_IAM, or None when there is no
    trustworthy identity. Fails closed: anything unrecognised or inconsistent is no identity."""
    if not identity:
        return None
    user_arn = identity.get("userArn")
    account_id = identity.get("accountId")
    if not isinstance(user_arn, str) or not isinstance(account_id, str):
        return None
    principal = parse_principal_arn(user_arn)
    if principal is None or principal.account_id != account_id:
        return None
    org_id = identity.get("principalOrgId")
    return Caller(
        principal=principal,
        account_id=account_id,
        org_id=org_id if isinstance(org_id, str) and org_id else None,
    )
