"""The access policy: parsed and validated once, then which tier a caller gets.

Pure on purpose: the Lambda parses ACCESS_POLICY with it at cold start and the CDK app
validates the same document with it at synth, so it imports neither boto3 nor Powertools.
"""

from __future__ import annotations

import json
import re
import unicodedata
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
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov|\*):(?P<service>iam|sts)::(?P<account>[0-9*]{1,12}):"
    r"(?P<kind>role|user|federated-user)(?P<path>/(?:[\x21-\x2e\x30-\x7e]+/)*)"
    r"(?P<name>[\w+=,.@*-]{1,128})",
    re.ASCII,
)
_SERVICE_OF_KIND = {"role": "iam", "user": "iam", "federated-user": "sts"}
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_NAME_CHARACTERS = r"\w+=,.@-"
# Anything an IAM path or name may hold: what `*` stands for in a user pattern.
_PATH_CHARACTERS = r"\x21-\x7e"


def _glob(pattern: str, allowed: str, flags: int = 0) -> re.Pattern[str]:
    """`*` matches any run of `allowed` characters; everything else is literal."""
    return re.compile(
        f"[{allowed}]*".join(re.escape(part) for part in pattern.split("*")), re.ASCII | flags
    )


def _user_glob(pattern: str) -> re.Pattern[str]:
    """A user's path and name (`/ops/team/alice`) against `pattern`, as IAM matches an ARN: `*`
    spans any characters, `/` included. Letters in the name (the part after the caller's last
    `/`) match either case, because IAM names are unique whatever their case; paths do not."""
    pieces = []
    for character in pattern:
        if character == "*":
            pieces.append(f"[{_PATH_CHARACTERS}]*")
        elif character.isascii() and character.isalpha():
            other = character.swapcase()
            pieces.append(f"(?:{character}|(?=[^/]*\\Z){other})")
        else:
            pieces.append(re.escape(character))
    return re.compile("".join(pieces), re.ASCII)


@dataclass(frozen=True)
class PrincipalPattern:
    """`arn:PARTITION:iam::ACCOUNT:role/NAME`, `.../role/PATH/NAME`, `.../user/[PATH/]NAME` or
    `arn:PARTITION:sts::ACCOUNT:federated-user/NAME`, `*` as a wildcard, read as IAM reads it.

    Names compare whatever their case (IAM names are unique regardless of case). A role is
    judged by its name alone: callers arrive as assumed-role sessions, whose ARN carries no
    path, so a role pattern with a path must name one role exactly. A user's path is in its
    ARN and is compared; `*` spans path segments, as in IAM (`user/ops/*` covers
    `user/ops/team/alice`).
    """

    text: str
    partition: str
    account: re.Pattern[str]
    kind: str
    # Against the role or federated user's name; for users, against path + name.
    subject: re.Pattern[str]

    @property
    def wildcard_account(self) -> bool:
        return "*" in self.text.split(":")[4]

    @classmethod
    def parse(cls, text: str) -> PrincipalPattern:
        if "?" in text:
            # IAM reads `?` as any one character; a literal `?` would mean something else.
            raise ValueError("`?` is not supported (IAM reads it as a wildcard); use `*`")
        match = _PRINCIPAL_PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(
                "not an IAM role, IAM user or federated user ARN pattern "
                "(arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/PATH/NAME, "
                "arn:aws:sts::ACCOUNT:federated-user/NAME)"
            )
        kind, path, name, account = match["kind"], match["path"], match["name"], match["account"]
        if match["service"] != _SERVICE_OF_KIND[kind]:
            raise ValueError(f"a {kind} ARN is arn:PARTITION:{_SERVICE_OF_KIND[kind]}::...")
        if "*" not in account and not _ACCOUNT_ID.fullmatch(account):
            raise ValueError("account must be 12 digits or contain `*`")
        if kind == "federated-user" and path != "/":
            raise ValueError("a federated user has no path (federated-user/NAME)")
        if kind == "role" and path != "/" and "*" in path + name:
            raise ValueError(
                "a role pattern with a path must name one role: assumed-role sessions do not "
                "carry their role's path, so a wildcard under a path cannot be checked; name "
                "the role (role/PATH/NAME) or match names without the path (role/NAME-*)"
            )
        if kind == "user":
            subject = _user_glob(path + name)
        else:
            subject = _glob(name, _NAME_CHARACTERS, re.IGNORECASE)
        return cls(
            text=text,
            partition=match["partition"],
            account=_glob(account, "0-9"),
            kind=kind,
            subject=subject,
        )

    def matches(self, principal: IamPrincipal) -> bool:
        if not (
            self.partition in ("*", principal.partition)
            and self.kind == principal.kind
            and self.account.fullmatch(principal.account_id) is not None
        ):
            return False
        if self.kind == "user":
            # A user's path is always in its ARN; without one, nothing can be compared.
            return (
                principal.path is not None
                and self.subject.fullmatch(principal.path + principal.name) is not None
            )
        return self.subject.fullmatch(principal.name) is not None


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

    principals = tuple(_items(raw, "principals", where, PrincipalPattern.parse))
    for index, pattern in enumerate(principals):
        if tier is Tier.FULL and pattern.wildcard_account:
            # Any account the resource policy admits could create a matching role for itself.
            raise PolicyError(
                f"{where}.principals[{index}]: a full rule may not name accounts by wildcard "
                "(any account that can reach the proxy could create a matching role and read "
                "the secure text); list the accounts"
            )
    return Rule(
        tier=tier,
        principals=principals,
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
    # Compared whole and exactly with the token's groups, so any name the identity provider
    # allows is fine, spaces and non-ASCII included. Invisible edges and control characters are
    # refused: a reader could not tell the rule's group from another.
    if not value:
        raise ValueError("must be a non-empty group name")
    if value != value.strip():
        raise ValueError("must not begin or end with whitespace (groups compare exactly)")
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("must not hold control characters")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _reject_unknown_keys(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}")
