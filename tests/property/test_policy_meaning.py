"""The policy means what an IAM reader and an identity provider mean: principal patterns match
exactly the callers IAM would take them to name, and a token gets a tier only from a rule naming
one of its groups exactly. Each property checks the code against an oracle written here, from
the rules as docs/access-policy.md states them, without the code's regexes."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from engagement_proxy.identity import caller_from_jwt, caller_from_rest_identity
from engagement_proxy.policy import PolicyError, Tier, parse_access_policy, tier_for
from testing_support.events import EXAMPLE_PATH, ISSUER, Token, token
from tests.property.conftest import call, deployed, observed, upstream
from tests.property.strategies import EngagementAnswer, Request, well_formed_engagements
from tests.property.test_policy_properties import served_tier

pure = settings(max_examples=max(500, settings().max_examples))

# --- the oracle ---------------------------------------------------------------------------------


def glob_matches(pattern: str, text: str, case_blind_from: int = 0) -> bool:
    """IAM's ARN matching: `*` is any run of characters (slashes too), anything else itself.
    From index `case_blind_from` of `text` on (a name), letters compare in either case."""

    @cache
    def at(p: int, t: int) -> bool:
        if p == len(pattern):
            return t == len(text)
        if pattern[p] == "*":
            return at(p + 1, t) or (t < len(text) and at(p, t + 1))
        if t == len(text):
            return False
        same = pattern[p] == text[t] or (
            t >= case_blind_from and pattern[p].lower() == text[t].lower()
        )
        return same and at(p + 1, t + 1)

    return at(0, 0)


@dataclass(frozen=True)
class Who:
    """An IAM caller as a person would describe it."""

    partition: str
    account: str
    kind: str  # role (seen as an assumed-role session), user, federated-user
    name: str
    path: str = "/"

    @property
    def arn(self) -> str:
        if self.kind == "role":
            return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.name}/session"
        if self.kind == "federated-user":
            return f"arn:{self.partition}:sts::{self.account}:federated-user/{self.name}"
        return f"arn:{self.partition}:iam::{self.account}:user{self.path}{self.name}"


def refused(pattern: str) -> bool:
    """docs/access-policy.md: a role pattern with a path names one role; a wildcard with it
    is refused."""
    resource = pattern.split(":", 5)[5]
    kind, _, rest = resource.partition("/")
    return kind == "role" and "/" in rest and "*" in rest


def names(pattern: str, who: Who) -> bool:
    """Whether IAM would take `pattern` to name `who`, as docs/access-policy.md says the
    proxy reads it."""
    _, partition, _, _, account, resource = pattern.split(":", 5)
    kind, _, rest = resource.partition("/")
    if partition not in ("*", who.partition) or kind != who.kind:
        return False
    if not glob_matches(account, who.account):
        return False
    if kind == "user":
        # The user's path is in its ARN: the whole path and name, names in either case.
        return glob_matches("/" + rest, who.path + who.name, case_blind_from=len(who.path))
    path, _, name = rest.rpartition("/")
    if path:
        # One role named exactly (sessions do not show the path, so the name decides).
        return name.lower() == who.name.lower()
    return glob_matches(name, who.name, case_blind_from=0)


# --- generated patterns and callers -------------------------------------------------------------

PARTITIONS = ("aws", "aws-cn")
ACCOUNTS = ("111122223333", "111122224444", "555566667777")
KINDS = ("role", "user", "federated-user")
# A tiny alphabet of both cases, so that names, paths and wildcards collide often.
letters = st.text(alphabet="aAbB", min_size=1, max_size=3)
caller_names = st.builds("{}{}".format, letters, st.sampled_from(("", "-1", ".x", "@e")))
caller_paths = st.lists(letters, max_size=3).map(
    lambda parts: "/" + "".join(p + "/" for p in parts)
)
whos = st.builds(
    Who,
    st.sampled_from(PARTITIONS),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(KINDS),
    caller_names,
    caller_paths,
)
pattern_names = st.lists(
    st.one_of(letters, st.just("*"), st.sampled_from(("-1", ".x", "@e"))), min_size=1, max_size=3
).map("".join)
pattern_paths = st.lists(st.one_of(letters, st.just("*"), st.just("a*")), max_size=2).map(
    lambda parts: "".join(p + "/" for p in parts)
)
pattern_accounts = st.one_of(
    st.sampled_from(ACCOUNTS), st.sampled_from(("*", "1111*", "*7777", "1111*4444"))
)


@st.composite
def patterns(draw: st.DrawFn) -> str:
    partition = draw(st.sampled_from((*PARTITIONS, "*")))
    account = draw(pattern_accounts)
    kind = draw(st.sampled_from(KINDS))
    name = draw(pattern_names)
    if kind == "federated-user":
        return f"arn:{partition}:sts::{account}:federated-user/{name}"
    return f"arn:{partition}:iam::{account}:{kind}/{draw(pattern_paths)}{name}"


@st.composite
def patterns_near(draw: st.DrawFn, who: Who) -> str:
    """A pattern made from the caller's own ARN: its case changed here and there, a span of it
    replaced by `*`, its path kept, cut or changed, its kind or account swapped."""

    def blur(text: str) -> str:
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        text = "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        return (
            text[:start] + draw(st.sampled_from(("", "*"))) + text[end:]
            if draw(st.booleans())
            else text
        )

    kind = draw(st.sampled_from((who.kind, who.kind, who.kind, *KINDS)))
    account = draw(st.sampled_from((who.account, who.account, "*", who.account[:4] + "*")))
    partition = draw(st.sampled_from((who.partition, who.partition, "*", "aws-us-gov")))
    name = blur(who.name) or "*"
    if kind == "federated-user":
        return f"arn:{partition}:sts::{account}:federated-user/{name}"
    if kind == "role":
        path = draw(st.sampled_from(("/", "/", "/", who.path)))
    else:
        path = draw(st.sampled_from((who.path, who.path, "/", blur(who.path) or "/")))
    resource = blur(path + name) if kind == "user" and draw(st.booleans()) else path + name
    if not resource.startswith("/"):
        resource = "/" + resource
    return f"arn:{partition}:iam::{account}:{kind}{resource}"


def redacted_by(pattern: str) -> dict[str, object]:
    return {"rules": [{"tier": "redacted", "principals": [pattern]}]}


@pure
@given(who=whos, data=st.data())
def test_a_pattern_matches_exactly_the_callers_iam_takes_it_to_name(who: Who, data: st.DataObject):
    # Given a redacted rule for a principal pattern (any, or made from the caller's ARN), and
    # an IAM caller
    pattern = data.draw(st.one_of(patterns(), patterns_near(who)), label="pattern")
    note(f"pattern {pattern}, caller {who.arn}")
    try:
        policy = parse_access_policy(redacted_by(pattern))
    except PolicyError:
        # (a pattern refused at parse time serves nobody: checked by the next property)
        event("refused")
        return
    caller = caller_from_rest_identity({"userArn": who.arn, "accountId": who.account})
    assert caller is not None
    # When the caller's tier is decided
    tier = tier_for(policy, caller)
    expected = Tier.REDACTED if names(pattern, who) else Tier.DENY
    event(f"{who.kind}: {tier}")
    # Then the rule applies exactly when IAM would say the pattern names the caller
    assert tier is expected


@pure
@given(pattern=patterns(), tier=st.sampled_from(Tier))
def test_a_pattern_is_refused_exactly_when_the_readme_says(pattern: str, tier: Tier):
    # Given a pattern in a rule of some tier
    document = {"rules": [{"tier": str(tier), "principals": [pattern]}]}
    # When the policy is parsed
    try:
        parse_access_policy(document)
        outcome = None
    except PolicyError as error:
        outcome = str(error)
    event("refused" if outcome else "accepted")
    # Then it is refused when a role pattern puts a wildcard under a path, or when a full rule
    # names accounts by wildcard, and accepted otherwise
    wildcard_account = "*" in pattern.split(":")[4]
    if refused(pattern):
        assert outcome is not None and "a role pattern with a path must name one role" in outcome
    elif tier is Tier.FULL and wildcard_account:
        assert outcome is not None and "a full rule may not name accounts by wildcard" in outcome
    else:
        assert outcome is None


# --- groups, whole and exact --------------------------------------------------------------------

# Pieces that have broken group handling: spaces of every kind, brackets, and what API Gateway
# writes for arrays, objects and nulls.
PIECES = (
    "incident-commanders",
    "sre",
    " ",
    "\u00a0",
    "\u3000",
    "\t",
    "[",
    "]",
    "map[",
    "<nil>",
    ",",
    '"',
    "Former ",
    "é",
    "E\u0301",
    "Ω",
)
group_names = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join),
    st.text(min_size=1, max_size=12),
)


def near(group: str) -> list[str]:
    """Names a careless reader might take for `group`."""
    return [
        *group.split(),
        group.strip("[]"),
        group.lower(),
        group.upper(),
        unicodedata.normalize("NFC", group),
        "[" + group + "]",
    ]


@st.composite
def group_rules(draw: st.DrawFn, held: list[str]) -> list[tuple[Tier, str]]:
    """Rules naming groups the token holds, names near them, and others."""
    candidates = st.one_of(
        st.sampled_from(held) if held else group_names,
        st.sampled_from([name for group in held for name in near(group)] or ["x"]),
        group_names,
    )
    return draw(st.lists(st.tuples(st.sampled_from(Tier), candidates), min_size=1, max_size=6))


def valid_group(name: str) -> bool:
    try:
        parse_access_policy({"rules": [{"tier": "deny", "issuer": ISSUER, "groups": [name]}]})
    except PolicyError:
        return False
    return True


def expected_tier(rules: list[tuple[Tier, str]], held: list[str]) -> Tier:
    """deny beats full beats redacted; a rule applies when its group is one of the token's,
    compared as whole strings."""
    matched = {tier for tier, group in rules if any(group == mine for mine in held)}
    for tier in (Tier.DENY, Tier.FULL, Tier.REDACTED):
        if tier in matched:
            return tier
    return Tier.DENY


def groups_policy(rules: list[tuple[Tier, str]]) -> dict[str, object]:
    return {
        "rules": [{"tier": str(tier), "issuer": ISSUER, "groups": [group]} for tier, group in rules]
    }


@st.composite
def tokens_and_rules(draw: st.DrawFn) -> tuple[Token, list[str], list[tuple[Tier, str]]]:
    held = draw(st.lists(group_names, max_size=4))
    rules = [rule for rule in draw(group_rules(held)) if valid_group(rule[1])]
    if not rules:
        rules = [(Tier.FULL, "incident-commanders")]
    return token("00u-someone", held), held, rules


@pure
@given(generated=tokens_and_rules())
def test_a_token_gets_a_tier_only_from_a_rule_naming_one_of_its_groups(
    generated: tuple[Token, list[str], list[tuple[Tier, str]]],
):
    # Given a token whose groups hold spaces, brackets and any letters, and group rules naming
    # some of them, names near them, and others
    found, held, rules = generated
    note(f"groups {json.dumps(held)}, rules {rules}")
    policy = parse_access_policy(groups_policy(rules))
    # When the caller is read from the claims and the token as the Lambda gets them
    caller = caller_from_jwt(found.claims, found.authorization, "groups")
    tier = tier_for(policy, caller)
    event(f"tier {tier}")
    # Then its tier comes only from rules naming one of its groups exactly
    assert tier is expected_tier(rules, held)


@settings(max_examples=max(200, settings().max_examples))
@given(generated=tokens_and_rules(), answer=well_formed_engagements())
def test_through_the_handler_groups_are_whole_names(
    generated: tuple[Token, list[str], list[tuple[Tier, str]]], answer: EngagementAnswer
):
    # Given the same, deployed as ACCESS_POLICY, and SSM Contacts answering the engagement
    found, held, rules = generated
    note(f"groups {json.dumps(held)}, rules {rules}")
    policy = parse_access_policy(groups_policy(rules))
    with deployed(cache=False, policy=policy), upstream(answer), observed():
        # When the token's holder asks through the HTTP API
        served = served_tier(call(Request("http", found, EXAMPLE_PATH).event()), answer)
    event(f"served {served}")
    # Then it is served exactly the tier of the rules naming one of its groups
    assert served is expected_tier(rules, held)
