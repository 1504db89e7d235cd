"""The access policy: parsed and validated once, then which tier a caller gets.

Pure on purpose: the Lambda parses ACCESS_POLICY with it at cold start and the CDK app
validates the same document with it at synth, so it imports neither boto3 nor Powertools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engagement_proxy.identity import Caller, IamPrincipal


class Tier(StrEnum):
    FULL = "full"
    REDACTED = "redacted"
    DENY = "deny"


# Most restrictive first: deny beats everything, then full beats redacted.
_PRECEDENCE = (Tier.DENY, Tier.FULL, Tier.REDACTED)


class PolicyError(ValueError):
    """The access policy document is invalid; the message says where and why, never a secret."""


_PRINCIPAL_PATTERN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov|\*):iam::(?P<account>[0-9*]{1,12}):"
    r"(?P<kind>role|user)/(?:[\x21-\x2e\x30-\x7e]+/)*(?P<name>[\w+=,.@*-]{1,128})",
    re.ASCII,
)
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")


def _glob(pattern: str, allowed: str) -> re.Pattern[str]:
    """`*` matches any run of `allowed` characters; everything else is literal."""
    return re.compile(
        f"[{allowed}]*".join(re.escape(part) for part in pattern.split("*")), re.ASCII
    )


@dataclass(frozen=True)
class PrincipalPattern:
    """`arn:aws:iam::ACCOUNT:role/[path/]NAME` or `.../user/...`, `*` as a wildcard.

    A path in the pattern is accepted but not compared: callers arrive as assumed-role
    sessions, whose ARN carries no path, and IAM names are unique within an account.
    """

    text: str
    partition: str
    account: re.Pattern[str]
    kind: str
    name: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> PrincipalPattern:
        match = _PRINCIPAL_PATTERN.fullmatch(text)
        if match is None:
            raise ValueError("not an IAM role or user ARN pattern (arn:aws:iam::ACCOUNT:role/NAME)")
        account = match["account"]
        if account != "*" and "*" not in account and not _ACCOUNT_ID.fullmatch(account):
            raise ValueError("account must be 12 digits or contain `*`")
        return cls(
            text=text,
            partition=match["partition"],
            account=_glob(account, "0-9"),
            kind=match["kind"],
            name=_glob(match["name"], r"\w+=,.@-"),
        )

    def matches(self, principal: IamPrincipal) -> bool:
        return (
            self.partition in ("*", principal.partition)
            and self.kind == principal.kind
            and self.account.fullmatch(principal.account_id) is not None
            and self.name.fullmatch(principal.name) is not None
        )


@dataclass(frozen=True)
class Rule:
    """One rule: a tier, and the callers it covers (any matcher may match)."""

    tier: Tier
    principals: tuple[PrincipalPattern, ...] = ()
    accounts: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    issuer: str | None = None
    groups: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()

    def matches(self, caller: Caller) -> bool:
        if caller.principal is not None:
            if any(pattern.matches(caller.principal) for pattern in self.principals):
                return True
            if caller.account_id in self.accounts or caller.org_id in self.orgs:
                return True
        if caller.issuer is not None and caller.issuer == self.issuer:
            return caller.subject in self.subjects or not self.groups.isdisjoint(caller.groups)
        return False


@dataclass(frozen=True)
class AccessPolicy:
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @property
    def issuers(self) -> frozenset[str]:
        """Token issuers the policy names; the deployment must trust each of them."""
        return frozenset(rule.issuer for rule in self.rules if rule.issuer is not None)


def tier_for(policy: AccessPolicy, caller: Caller | None) -> Tier:
    """The caller's tier. No identity, or no matching rule, is deny."""
    if caller is None:
        return Tier.DENY
    matched = {rule.tier for rule in policy.rules if rule.matches(caller)}
    return next((tier for tier in _PRECEDENCE if tier in matched), Tier.DENY)


def parse_access_policy(document: str | Mapping[str, Any]) -> AccessPolicy:
    """Parse and validate an access policy (JSON text or an already-decoded mapping)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            raise PolicyError(
                f"not valid JSON (line {error.lineno}, column {error.colno})"
            ) from None
    if not isinstance(document, Mapping):
        raise PolicyError("must be a JSON object with a `rules` list")
    _reject_unknown_keys(document, {"rules"}, "policy")
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules:
        raise PolicyError("`rules` must be a non-empty list")
    return AccessPolicy(tuple(_parse_rule(rule, f"rules[{i}]") for i, rule in enumerate(rules)))


_MATCHERS = ("principals", "accounts", "orgs", "groups", "subjects")


def _parse_rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: must be an object")
    _reject_unknown_keys(raw, {"tier", "issuer", *_MATCHERS}, where)
    try:
        tier = Tier(str(raw.get("tier")))
    except ValueError:
        raise PolicyError(f"{where}.tier: must be one of full, redacted, deny") from None
    if not any(key in raw for key in _MATCHERS):
        raise PolicyError(
            f"{where}: names no callers (principals, accounts, orgs, groups, subjects)"
        )

    issuer = raw.get("issuer")
    token_matchers = "groups" in raw or "subjects" in raw
    if token_matchers and (not isinstance(issuer, str) or not issuer.startswith("https://")):
        raise PolicyError(
            f"{where}.issuer: groups and subjects need the https issuer they belong to"
        )
    if issuer is not None and not token_matchers:
        raise PolicyError(f"{where}.issuer: only meaningful with groups or subjects")

    return Rule(
        tier=tier,
        principals=tuple(_items(raw, "principals", where, PrincipalPattern.parse)),
        accounts=frozenset(
            _items(raw, "accounts", where, _pattern_check(_ACCOUNT_ID, "12 digits"))
        ),
        orgs=frozenset(_items(raw, "orgs", where, _pattern_check(_ORG_ID, "an o-... org id"))),
        issuer=issuer,
        groups=frozenset(_items(raw, "groups", where, _group_name)),
        subjects=frozenset(_items(raw, "subjects", where, _non_empty)),
    )


def _items(
    raw: Mapping[str, Any], key: str, where: str, parse: Callable[[str], Any]
) -> Iterable[Any]:
    if key not in raw:
        return ()
    values = raw[key]
    if not isinstance(values, list) or not values:
        raise PolicyError(f"{where}.{key}: must be a non-empty list of strings")
    parsed = []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise PolicyError(f"{where}.{key}[{i}]: must be a string")
        try:
            parsed.append(parse(value))
        except ValueError as error:
            raise PolicyError(f"{where}.{key}[{i}]: {error}") from None
    return parsed


def _pattern_check(pattern: re.Pattern[str], expected: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"must be {expected}")
        return value

    return check


def _group_name(value: str) -> str:
    # HTTP APIs hand array claims over as one string, "[a b c]", split here on whitespace: a
    # group named "Former sre" would arrive as "Former" and "sre". Refuse such names rather
    # than let them match the wrong rule.
    if not value or any(character.isspace() for character in value):
        raise ValueError("must be a group name without whitespace")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _reject_unknown_keys(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}")
