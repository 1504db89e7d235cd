"""Who is calling: the authenticated identity API Gateway hands us, normalised. Pure."""

from __future__ import annotations

import base64
import json
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
    ("role", _caller_arn("iam", rf"role(?P<path>{_PATH})(?P<name>{_NAME})")),
    ("user", _caller_arn("iam", rf"user(?P<path>{_PATH})(?P<name>{_NAME})")),
    ("root", _caller_arn("iam", r"(?P<name>root)")),
)


@dataclass(frozen=True)
class IamPrincipal:
    """An IAM caller, as the policy judges it. Assumed-role sessions become their role: STS hides
    the role's path (`path` None), and role names are unique within an account, so the name
    identifies the role. IAM users keep the path their ARN shows."""

    partition: str
    account_id: str
    kind: PrincipalKind
    name: str
    path: str | None = None

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"arn:{self.partition}:iam::{self.account_id}:root"
        if self.kind == "federated-user":
            return f"arn:{self.partition}:sts::{self.account_id}:federated-user/{self.name}"
        resource = f"{self.kind}{self.path or '/'}{self.name}"
        return f"arn:{self.partition}:iam::{self.account_id}:{resource}"


# Why a token caller has the groups it has (or none): the audit line says it.
TokenGroups = Literal["verified", "no-groups", "no-token", "unreadable-token", "token-differs"]


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
    # The caller's ARN exactly as API Gateway authenticated it (an assumed-role session with its
    # session name): who it was, where `principal` is what the policy judged.
    authenticated_arn: str | None = None
    token_groups: TokenGroups | None = None

    @property
    def name(self) -> str:
        """The caller as audit lines name it: as authenticated."""
        if self.authenticated_arn is not None:
            return self.authenticated_arn
        if self.principal is not None:
            return self.principal.arn
        return f"{self.issuer}#{self.subject}"


def parse_principal_arn(arn: str) -> IamPrincipal | None:
    """The principal behind a caller ARN as API Gateway reports it, or None if unrecognised."""
    for kind, pattern in _CALLER_ARNS:
        match = pattern.fullmatch(arn)
        if match is not None:
            return IamPrincipal(
                match["partition"],
                match["account"],
                kind,
                match["name"],
                match.groupdict().get("path"),
            )
    return None


# The claims that bind the token in the Authorization header to the one the authorizer verified.
_BINDING_CLAIMS = ("iss", "sub", "aud", "exp", "iat")
_BEARER = re.compile(r"(?:[Bb][Ee][Aa][Rr][Ee][Rr] +)?(?P<token>[^ ]+)", re.ASCII)
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def caller_from_jwt(
    claims: Mapping[str, Any] | None, authorization: Any, groups_claim: str
) -> Caller | None:
    """The caller of an HTTP API (v2) request whose token API Gateway's JWT authorizer verified,
    or None without issuer and subject.

    Issuer, subject and name come from the authorizer's claims, never from headers. Groups come
    from the token itself (the Authorization header of the same request), where they are an
    array of whole names: the authorizer hands arrays on flattened into one string, "[a b]", in
    which a group holding a space cannot be told from two groups. The token's signature is not
    checked again (the authorizer did, and the Lambda holds no keys); the token is believed only
    when its iss, sub, aud, exp and iat equal the verified claims, and otherwise the request has
    no groups.
    """
    if not claims:
        return None
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not issuer or not isinstance(subject, str) or not subject:
        return None
    name = claims.get("email") or claims.get("name")
    groups, verdict = _token_groups(claims, authorization, groups_claim)
    return Caller(
        issuer=issuer,
        subject=subject,
        groups=groups,
        display_name=name if isinstance(name, str) else None,
        token_groups=verdict,
    )


def _token_groups(
    claims: Mapping[str, Any], authorization: Any, groups_claim: str
) -> tuple[frozenset[str], TokenGroups]:
    if not isinstance(authorization, str) or not authorization.strip():
        return frozenset(), "no-token"
    payload = _token_payload(authorization.strip())
    if payload is None:
        return frozenset(), "unreadable-token"
    bound = (*_BINDING_CLAIMS, groups_claim)
    if not all(_same_claim(payload.get(name), claims.get(name)) for name in bound):
        return frozenset(), "token-differs"
    if any(name not in payload for name in _BINDING_CLAIMS) or not all(
        _is_number(payload[name]) for name in ("exp", "iat")
    ):
        return frozenset(), "token-differs"
    groups = payload.get(groups_claim)
    if groups is None:
        return frozenset(), "no-groups"
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        return frozenset(), "unreadable-token"
    return frozenset(group for group in groups if group), "verified"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _token_payload(authorization: str) -> dict[str, Any] | None:
    """The claims of a JWS compact token (`header.payload.signature`), unverified, or None."""
    bearer = _BEARER.fullmatch(authorization)
    if bearer is None:
        return None
    parts = bearer["token"].split(".")
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(part) for part in parts[:2]):
        return None
    try:
        text = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        payload = json.loads(text, object_pairs_hook=_refuse_duplicates)
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A claim given twice may be read one way by the authorizer and another way here.
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a claim is given twice")
    return found


def _same_claim(in_token: Any, verified: Any) -> bool:
    """Whether the authorizer could have handed `in_token` on as `verified`: the same value, or
    its text as HTTP APIs write it (numbers as integers, arrays "[a b]"). Absent is only the
    same as absent."""
    if in_token is None or verified is None:
        return in_token is None and verified is None
    if type(in_token) is type(verified) and in_token == verified:
        return True
    rendered = _authorizer_text(in_token)
    return rendered is not None and rendered == verified


def _authorizer_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        items = [_authorizer_text(item) for item in value]
        if all(item is not None for item in items):
            return "[" + " ".join(item for item in items if item is not None) + "]"
    return None


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
        authenticated_arn=user_arn,
    )
