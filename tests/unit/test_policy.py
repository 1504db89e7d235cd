"""The access policy: which tier each caller gets, and which documents are refused."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from engagement_proxy.identity import Caller, caller_from_rest_identity
from engagement_proxy.policy import AccessPolicy, PolicyError, Tier, parse_access_policy, tier_for
from testing_support.docs import doc_json_examples

COMMANDER_ACCOUNT = "111122223333"
PARTNER_ACCOUNT = "444455556666"
ORG = "o-a1b2c3d4e5"
ISSUER = "https://login.example.com/"

ON_CALL_ACCOUNT = "999900001111"
# After the example policy of docs/access-policy.md (full rules name their accounts: no
# wildcard account grants full).
ISSUE_POLICY: dict[str, Any] = {
    "rules": [
        {
            "tier": "full",
            "principals": [
                f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/IncidentCommander",
                f"arn:aws:iam::{ON_CALL_ACCOUNT}:role/OnCall-*",
                f"arn:aws:iam::{PARTNER_ACCOUNT}:role/OnCall-*",
            ],
        },
        {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
        {"tier": "redacted", "orgs": [ORG]},
        {"tier": "deny", "principals": [f"arn:aws:iam::{PARTNER_ACCOUNT}:role/Contractor"]},
    ]
}


def iam_caller(user_arn: str, org_id: str | None = None) -> Caller:
    """The caller API Gateway would report for `user_arn` (account taken from the ARN)."""
    account = user_arn.split(":")[4]
    caller = caller_from_rest_identity(
        {"userArn": user_arn, "accountId": account, "principalOrgId": org_id}
    )
    assert caller is not None, user_arn
    return caller


def token_caller(issuer: str, subject: str, *groups: str) -> Caller:
    return Caller(issuer=issuer, subject=subject, groups=frozenset(groups))


def policy_of(*rules: dict[str, Any]) -> AccessPolicy:
    return parse_access_policy(json.dumps({"rules": list(rules)}))


ISSUE_CALLERS = [
    pytest.param(
        f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/IncidentCommander/alice",
        None,
        Tier.FULL,
        id="commander",
    ),
    pytest.param(
        "arn:aws:sts::999900001111:assumed-role/OnCall-Primary/pager",
        None,
        Tier.FULL,
        id="on-call role of a listed account",
    ),
    pytest.param(
        f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/SRE/bob",
        None,
        Tier.REDACTED,
        id="redacted account",
    ),
    pytest.param(
        "arn:aws:sts::777788889999:assumed-role/Dashboard/grafana",
        ORG,
        Tier.REDACTED,
        id="redacted org",
    ),
    pytest.param(
        f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/Contractor/carol",
        None,
        Tier.DENY,
        id="contractor in redacted account: deny beats everything",
    ),
    pytest.param(
        f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/Contractor/carol",
        ORG,
        Tier.DENY,
        id="contractor in redacted account and org",
    ),
    pytest.param(
        f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/OnCall-Secondary/dave",
        ORG,
        Tier.FULL,
        id="on-call role in redacted account: full beats redacted",
    ),
    pytest.param(
        "arn:aws:sts::999900001111:assumed-role/Anyone/mallory",
        None,
        Tier.DENY,
        id="no rule matches",
    ),
    pytest.param(
        "arn:aws:sts::123456789012:assumed-role/OnCall-Primary/pager",
        None,
        Tier.DENY,
        id="on-call role of an account not listed",
    ),
    pytest.param(
        "arn:aws:sts::999900001111:assumed-role/Anyone/mallory",
        "o-zzzzzzzzzz",
        Tier.DENY,
        id="another org",
    ),
    pytest.param(
        f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/IncidentCommanderDeputy/eve",
        None,
        Tier.DENY,
        id="role name merely starting like the commander's",
    ),
]


@pytest.mark.parametrize(("user_arn", "org_id", "expected"), ISSUE_CALLERS)
def test_issue_policy_gives_each_caller_its_tier(
    user_arn: str, org_id: str | None, expected: Tier
) -> None:
    # Given the issue's example policy
    policy = parse_access_policy(json.dumps(ISSUE_POLICY))

    # When the tier of the caller is decided
    tier = tier_for(policy, iam_caller(user_arn, org_id))

    # Then it is the tier the issue describes
    assert tier is expected


@pytest.mark.parametrize(("user_arn", "org_id", "expected"), ISSUE_CALLERS)
def test_rule_order_does_not_change_the_tier(
    user_arn: str, org_id: str | None, expected: Tier
) -> None:
    # Given the issue's rules in every possible order
    policies = [policy_of(*order) for order in itertools.permutations(ISSUE_POLICY["rules"])]
    caller = iam_caller(user_arn, org_id)

    # When the caller's tier is decided under each order
    tiers = {tier_for(policy, caller) for policy in policies}

    # Then every order gives the same tier
    assert tiers == {expected}


@pytest.mark.parametrize("order", [1, -1], ids=["full rule first", "deny rule first"])
def test_deny_beats_full(order: int) -> None:
    # Given a caller named by a full rule (wildcard) and by a deny rule
    rules = [
        {"tier": "full", "principals": [f"arn:aws:iam::{PARTNER_ACCOUNT}:role/OnCall-*"]},
        {"tier": "deny", "principals": [f"arn:aws:iam::{PARTNER_ACCOUNT}:role/OnCall-Vendor"]},
    ]
    policy = policy_of(*rules[::order])

    # When that caller's tier is decided
    caller = iam_caller(f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/OnCall-Vendor/v1")
    tier = tier_for(policy, caller)

    # Then the deny wins
    assert tier is Tier.DENY


def test_no_identity_is_denied() -> None:
    # Given a policy that lets every on-call role in
    policy = parse_access_policy(json.dumps(ISSUE_POLICY))

    # When there is no authenticated caller
    tier = tier_for(policy, None)

    # Then the request is denied
    assert tier is Tier.DENY


def test_policy_accepts_a_decoded_mapping() -> None:
    # Given the policy as an already-decoded object (as the CDK app holds it)
    # When it is parsed
    policy = parse_access_policy(ISSUE_POLICY)

    # Then it decides like the JSON text does
    commander = iam_caller(f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/IncidentCommander/a1")
    assert tier_for(policy, commander) is Tier.FULL


def test_role_pattern_with_path_names_one_role_and_matches_its_session_by_name() -> None:
    # Given a rule naming a role under a path (STS session ARNs carry no path)
    policy = policy_of(
        {"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/ops/ic/Commander"]}
    )
    caller = iam_caller(f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/Commander/alice")

    # When the session's tier is decided
    tier = tier_for(policy, caller)

    # Then the session of that role is matched by the role's name
    assert tier is Tier.FULL


@pytest.mark.parametrize(
    ("user_arn", "expected"),
    [
        pytest.param(f"arn:aws:iam::{COMMANDER_ACCOUNT}:user/Bob", Tier.FULL, id="user"),
        pytest.param(
            f"arn:aws:iam::{COMMANDER_ACCOUNT}:user/team/Bob", Tier.DENY, id="user Bob elsewhere"
        ),
        pytest.param(
            f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/Bob/s1", Tier.DENY, id="role Bob"
        ),
        pytest.param(
            f"arn:aws:sts::{COMMANDER_ACCOUNT}:federated-user/Bob", Tier.DENY, id="federated Bob"
        ),
    ],
)
def test_user_pattern_matches_users_not_roles(user_arn: str, expected: Tier) -> None:
    # Given a rule naming the IAM user Bob
    policy = policy_of(
        {"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:user/Bob"]}
    )

    # When a principal called Bob asks
    tier = tier_for(policy, iam_caller(user_arn))

    # Then only the user Bob at the root path gets the tier
    assert tier is expected


def test_role_pattern_does_not_match_a_user_of_that_name() -> None:
    # Given a rule naming the role Bob
    policy = policy_of(
        {"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/Bob"]}
    )

    # When the IAM user Bob asks
    tier = tier_for(policy, iam_caller(f"arn:aws:iam::{COMMANDER_ACCOUNT}:user/Bob"))

    # Then the user is not the role
    assert tier is Tier.DENY


@pytest.mark.parametrize(
    ("pattern_account", "caller_account", "expected"),
    [
        ("*", "999900001111", Tier.REDACTED),
        ("1111*", "111100000000", Tier.REDACTED),
        ("1111*", "211100000000", Tier.DENY),
        ("*3333", COMMANDER_ACCOUNT, Tier.REDACTED),
        (COMMANDER_ACCOUNT, "111122223334", Tier.DENY),
    ],
)
def test_account_wildcard(pattern_account: str, caller_account: str, expected: Tier) -> None:
    # Given a redacted rule whose account part may hold `*`
    policy = policy_of(
        {"tier": "redacted", "principals": [f"arn:aws:iam::{pattern_account}:role/Reader"]}
    )

    # When the Reader role of some account asks
    tier = tier_for(policy, iam_caller(f"arn:aws:sts::{caller_account}:assumed-role/Reader/s1"))

    # Then only accounts the wildcard covers get the tier
    assert tier is expected


@pytest.mark.parametrize(
    ("pattern_partition", "caller_partition", "expected"),
    [
        ("aws", "aws", Tier.FULL),
        ("aws", "aws-cn", Tier.DENY),
        ("aws-us-gov", "aws", Tier.DENY),
        ("aws-cn", "aws-cn", Tier.FULL),
        ("*", "aws-us-gov", Tier.FULL),
    ],
)
def test_partition_must_match(
    pattern_partition: str, caller_partition: str, expected: Tier
) -> None:
    # Given a rule for the Reader role in one partition
    policy = policy_of(
        {
            "tier": "full",
            "principals": [f"arn:{pattern_partition}:iam::{COMMANDER_ACCOUNT}:role/Reader"],
        }
    )

    # When the Reader role of some partition asks
    caller = iam_caller(f"arn:{caller_partition}:sts::{COMMANDER_ACCOUNT}:assumed-role/Reader/s1")
    tier = tier_for(policy, caller)

    # Then only the named partition gets the tier
    assert tier is expected


def test_name_wildcard_does_not_cross_into_other_characters() -> None:
    # Given a rule for roles named OnCall-*
    policy = policy_of({"tier": "full", "principals": ["arn:aws:iam::999900001111:role/OnCall-*"]})

    # When roles with and without the prefix ask
    on_call = iam_caller("arn:aws:sts::999900001111:assumed-role/OnCall-Primary/p1")
    other = iam_caller("arn:aws:sts::999900001111:assumed-role/Ops-OnCall-Primary/p1")

    # Then the prefix is anchored at the start of the name
    assert (tier_for(policy, on_call), tier_for(policy, other)) == (Tier.FULL, Tier.DENY)


def test_root_and_federated_users_match_only_account_rules() -> None:
    # Given a rule that names every role and user, and one naming an account
    policy = policy_of(
        {
            "tier": "full",
            "principals": [
                f"arn:aws:iam::{PARTNER_ACCOUNT}:role/*",
                f"arn:aws:iam::{PARTNER_ACCOUNT}:user/*",
            ],
        },
        {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
    )

    # When the root user and a federated user of that account ask
    root = iam_caller(f"arn:aws:iam::{PARTNER_ACCOUNT}:root")
    federated = iam_caller(f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/Carol")

    # Then neither is a role or user, both are in the account
    assert (tier_for(policy, root), tier_for(policy, federated)) == (Tier.REDACTED, Tier.REDACTED)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        pytest.param(token_caller(ISSUER, "sub-1", "sre"), Tier.FULL, id="group, same issuer"),
        pytest.param(token_caller(ISSUER, "sub-2"), Tier.REDACTED, id="subject, same issuer"),
        pytest.param(
            token_caller("https://evil.example.com/", "sub-1", "sre"),
            Tier.DENY,
            id="group, other issuer",
        ),
        pytest.param(
            token_caller("https://evil.example.com/", "sub-2"),
            Tier.DENY,
            id="subject, other issuer",
        ),
        pytest.param(token_caller(ISSUER, "sub-3", "finance"), Tier.DENY, id="other group"),
    ],
)
def test_groups_and_subjects_match_only_callers_of_their_issuer(
    caller: Caller, expected: Tier
) -> None:
    # Given rules for a group and a subject of one issuer
    policy = policy_of(
        {"tier": "full", "issuer": ISSUER, "groups": ["sre"]},
        {"tier": "redacted", "issuer": ISSUER, "subjects": ["sub-2"]},
    )

    # When a token caller asks
    tier = tier_for(policy, caller)

    # Then only callers of that issuer match
    assert tier is expected


def test_token_caller_never_matches_iam_rules() -> None:
    # Given a policy of IAM rules only, wildcards everywhere
    policy = policy_of({"tier": "redacted", "principals": ["arn:*:iam::*:role/*"]})

    # When a token caller asks
    tier = tier_for(policy, token_caller(ISSUER, "sub-1", "sre"))

    # Then it is denied
    assert tier is Tier.DENY


def test_policy_lists_the_issuers_it_names() -> None:
    # Given rules of two issuers and an IAM rule
    policy = policy_of(
        {"tier": "full", "issuer": ISSUER, "groups": ["sre"]},
        {"tier": "redacted", "issuer": "https://other.example.com/", "subjects": ["s"]},
        {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
    )

    # When the deployment asks which issuers to trust
    issuers = policy.issuers

    # Then exactly the two issuers are named
    assert issuers == {ISSUER, "https://other.example.com/"}


def _rules(*rules: Any) -> str:
    return json.dumps({"rules": list(rules)})


VALID_RULE = {"tier": "full", "accounts": [COMMANDER_ACCOUNT]}


@pytest.mark.parametrize(
    ("document", "where"),
    [
        pytest.param('{"rules": [', "not valid JSON (line 1, column 12)", id="not JSON"),
        pytest.param("[]", "must be a JSON object", id="not an object"),
        pytest.param('"rules"', "must be a JSON object", id="a string"),
        pytest.param(
            json.dumps({"rules": [VALID_RULE], "version": 2}),
            "policy: unknown key(s) version",
            id="unknown top-level key",
        ),
        pytest.param(json.dumps({"rules": []}), "`rules` must be a non-empty list", id="no rules"),
        pytest.param("{}", "`rules` must be a non-empty list", id="rules missing"),
        pytest.param(
            json.dumps({"rules": VALID_RULE}), "`rules` must be a non-empty list", id="rules object"
        ),
        pytest.param(_rules(VALID_RULE, "full"), "rules[1]: must be an object", id="rule string"),
        pytest.param(
            _rules(VALID_RULE, {**VALID_RULE, "principal": ["x"]}),
            "rules[1]: unknown key(s) principal",
            id="unknown rule key",
        ),
        pytest.param(
            _rules({"tier": "admin", "accounts": [COMMANDER_ACCOUNT]}),
            "rules[0].tier: must be one of full, redacted, deny",
            id="unknown tier",
        ),
        pytest.param(
            _rules({"tier": "FULL", "accounts": [COMMANDER_ACCOUNT]}),
            "rules[0].tier:",
            id="tier in capitals",
        ),
        pytest.param(
            _rules({"accounts": [COMMANDER_ACCOUNT]}), "rules[0].tier:", id="tier missing"
        ),
        pytest.param(_rules({"tier": "full"}), "rules[0]: names no callers", id="no matchers"),
        pytest.param(
            _rules(VALID_RULE, {"tier": "deny", "principals": []}),
            "rules[1].principals: must be a non-empty list of strings",
            id="empty matcher list",
        ),
        pytest.param(
            _rules({"tier": "deny", "orgs": ORG}),
            "rules[0].orgs: must be a non-empty list of strings",
            id="matcher not a list",
        ),
        pytest.param(
            _rules({"tier": "deny", "accounts": [COMMANDER_ACCOUNT, 444455556666]}),
            "rules[0].accounts[1]: must be a string",
            id="non-string item",
        ),
        pytest.param(
            _rules(VALID_RULE, VALID_RULE, {"tier": "full", "principals": ["IncidentCommander"]}),
            "rules[2].principals[0]: not an IAM role, IAM user or federated user ARN pattern",
            id="malformed principal pattern",
        ),
        pytest.param(
            _rules(
                {
                    "tier": "full",
                    "principals": [
                        f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/A",
                        f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/A/s",
                    ],
                }
            ),
            "rules[0].principals[1]: not an IAM role, IAM user or federated user ARN pattern",
            id="session ARN as pattern",
        ),
        pytest.param(
            _rules({"tier": "full", "principals": ["arn:aws:iam::12345:role/A"]}),
            "rules[0].principals[0]: account must be 12 digits or contain `*`",
            id="wildcard-free short account in pattern",
        ),
        pytest.param(
            _rules({"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/"]}),
            "rules[0].principals[0]: not an IAM role, IAM user or federated user ARN pattern",
            id="pattern without a name",
        ),
        pytest.param(
            _rules({"tier": "redacted", "accounts": ["12345"]}),
            "rules[0].accounts[0]: must be 12 digits",
            id="bad account id",
        ),
        pytest.param(
            _rules({"tier": "redacted", "accounts": ["\uff11" * 12]}),
            "rules[0].accounts[0]: must be 12 digits",
            id="account of full-width digits",
        ),
        pytest.param(
            _rules({"tier": "redacted", "accounts": ["1111*"]}),
            "rules[0].accounts[0]: must be 12 digits",
            id="wildcard in accounts",
        ),
        pytest.param(
            _rules({"tier": "redacted", "orgs": [ORG, "a1b2c3d4e5"]}),
            "rules[0].orgs[1]: must be an o-... org id",
            id="bad org id",
        ),
        pytest.param(
            _rules({"tier": "full", "groups": ["sre"]}),
            "rules[0].issuer: groups and subjects need the https issuer",
            id="groups without issuer",
        ),
        pytest.param(
            _rules({"tier": "full", "issuer": "http://login.example.com/", "subjects": ["s"]}),
            "rules[0].issuer: groups and subjects need the https issuer",
            id="subjects with http issuer",
        ),
        pytest.param(
            _rules({"tier": "full", "issuer": ISSUER, "accounts": [COMMANDER_ACCOUNT]}),
            "rules[0].issuer: only meaningful with groups or subjects",
            id="issuer without groups or subjects",
        ),
        pytest.param(
            _rules({"tier": "full", "issuer": ISSUER, "groups": ["  "]}),
            "rules[0].groups[0]: must not begin or end with whitespace",
            id="blank group",
        ),
    ],
)
def test_invalid_policy_is_refused_saying_where(document: str, where: str) -> None:
    # Given an invalid policy document
    # When it is parsed
    with pytest.raises(PolicyError) as raised:
        parse_access_policy(document)

    # Then the error says where and what is wrong
    assert where in str(raised.value)


# --- principal patterns with IAM's meaning ------------------------------------------------------


def refusal(document: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as raised:
        parse_access_policy(document)
    return str(raised.value)


@pytest.mark.parametrize(
    "pattern",
    [
        f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/incident-response/*",
        f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/incident-response/IC-*",
        f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/*/Commander",
        f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/ops*/Commander",
    ],
)
@pytest.mark.parametrize("tier", ["full", "redacted", "deny"])
def test_a_role_pattern_with_a_path_and_a_wildcard_is_refused(pattern: str, tier: str) -> None:
    # Given a rule for "the roles under a path", which a session (it carries no path) cannot
    # be checked against
    document = {"rules": [{"tier": tier, "principals": [pattern]}]}
    # When the policy is parsed
    message = refusal(document)
    # Then it is refused, saying where and why
    assert message.startswith(
        "rules[0].principals[0]: a role pattern with a path must name one role"
    )
    assert "sessions do not carry their role's path" in message


@pytest.mark.parametrize(
    ("user_arn", "expected"),
    [
        ("user/ops/alice", Tier.FULL),
        ("user/ops/team/alice", Tier.FULL),
        ("user/interns/bob", Tier.DENY),
        ("user/bob", Tier.DENY),
        ("user/OPS/alice", Tier.DENY),
        ("user/opsx/alice", Tier.DENY),
        ("user/interns/ops/alice", Tier.DENY),
    ],
)
def test_a_user_pattern_covers_the_users_under_its_path(user_arn: str, expected: Tier) -> None:
    # Given a full rule for the users under /ops/ (paths compare exactly, as in IAM)
    policy = policy_of(
        {"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:user/ops/*"]}
    )
    # When a user of the account asks
    tier = tier_for(policy, iam_caller(f"arn:aws:iam::{COMMANDER_ACCOUNT}:{user_arn}"))
    # Then only users whose path starts with /ops/ get the tier
    assert tier is expected


@pytest.mark.parametrize(
    ("pattern", "user_arn", "expected"),
    [
        ("user/ops/alice", "user/ops/Alice", Tier.FULL),
        ("user/ops/ALICE", "user/ops/alice", Tier.FULL),
        ("user/ops/al*", "user/ops/ALICE", Tier.FULL),
        ("user/ops/a*", "user/ops/Admins/bob", Tier.DENY),
        ("user/ops/a*", "user/ops/admins/bob", Tier.FULL),
        ("user/*/alice", "user/ops/team/Alice", Tier.FULL),
        ("user/*/alice", "user/alice", Tier.DENY),
    ],
)
def test_user_names_ignore_case_and_paths_do_not(
    pattern: str, user_arn: str, expected: Tier
) -> None:
    # Given a full rule for a user pattern
    policy = policy_of(
        {"tier": "full", "principals": [f"arn:aws:iam::{COMMANDER_ACCOUNT}:{pattern}"]}
    )
    # When a user asks
    tier = tier_for(policy, iam_caller(f"arn:aws:iam::{COMMANDER_ACCOUNT}:{user_arn}"))
    # Then the name matches in any case, the path only as written
    assert tier is expected


@pytest.mark.parametrize("tier", [Tier.FULL, Tier.REDACTED, Tier.DENY])
@pytest.mark.parametrize(
    ("pattern", "user_arn"),
    [
        ("iam::{a}:role/contractor", "sts::{a}:assumed-role/Contractor/carol"),
        ("iam::{a}:role/ops/CONTRACTOR", "sts::{a}:assumed-role/Contractor/carol"),
        ("iam::{a}:role/contract*", "sts::{a}:assumed-role/CONTRACTOR-7/carol"),
        ("iam::{a}:user/carol", "iam::{a}:user/Carol"),
        ("sts::{a}:federated-user/carol", "sts::{a}:federated-user/CAROL"),
    ],
    ids=["role", "role-with-path", "role-wildcard", "user", "federated-user"],
)
def test_names_compare_whatever_their_case_for_every_tier(
    pattern: str, user_arn: str, tier: Tier
) -> None:
    # Given a rule naming a principal in one case
    rule = {"tier": str(tier), "principals": [f"arn:aws:{pattern.format(a=PARTNER_ACCOUNT)}"]}
    policy = policy_of(rule, {"tier": "redacted", "orgs": [ORG]})
    # When that principal, spelled in another case, asks (from the redacted org)
    tier_given = tier_for(policy, iam_caller(f"arn:aws:{user_arn.format(a=PARTNER_ACCOUNT)}", ORG))
    # Then it is the same principal: the rule applies
    assert tier_given is tier


@pytest.mark.parametrize(
    ("user_arn", "expected"),
    [
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/carol", Tier.DENY),
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/carol2", Tier.REDACTED),
        (f"arn:aws:iam::{PARTNER_ACCOUNT}:user/carol", Tier.REDACTED),
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/carol/s1", Tier.REDACTED),
        ("arn:aws:sts::999900001111:federated-user/carol", Tier.DENY),
    ],
)
def test_federated_user_patterns_name_federated_users(user_arn: str, expected: Tier) -> None:
    # Given a redacted account and a deny for its federated user `carol`
    policy = policy_of(
        {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
        {"tier": "deny", "principals": [f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/carol"]},
    )
    # When a caller asks
    tier = tier_for(policy, iam_caller(user_arn))
    # Then only that federated user is denied (the last has no rule at all)
    assert tier is expected


def test_a_deny_on_a_user_does_not_reach_the_federated_sessions_it_creates() -> None:
    # Given a deny on the IAM user carol, who may call GetFederationToken with any name
    policy = policy_of(
        {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
        {"tier": "deny", "principals": [f"arn:aws:iam::{PARTNER_ACCOUNT}:user/carol"]},
    )
    # When a federated session she created, named as she likes, asks
    tier = tier_for(policy, iam_caller(f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/carol"))
    # Then the deny does not follow her there (docs/access-policy.md says how to deny those)
    assert tier is Tier.REDACTED


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            f"arn:aws:iam::{PARTNER_ACCOUNT}:federated-user/carol",
            "a federated-user ARN is arn:PARTITION:sts::",
        ),
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:role/Reader", "a role ARN is arn:PARTITION:iam::"),
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:user/bob", "a user ARN is arn:PARTITION:iam::"),
        (
            f"arn:aws:sts::{PARTNER_ACCOUNT}:federated-user/team/carol",
            "a federated user has no path",
        ),
        (f"arn:aws:iam::{PARTNER_ACCOUNT}:user/ops/b?b", "`?` is not supported"),
        (f"arn:aws:iam::{PARTNER_ACCOUNT}:root", "not an IAM role, IAM user or federated user ARN"),
        (f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/Reader/s1", "not an IAM role, IAM user"),
    ],
)
def test_patterns_of_the_wrong_service_or_shape_are_refused(pattern: str, message: str) -> None:
    # Given a deny rule with a pattern an IAM reader would not write that way
    # When the policy is parsed
    found = refusal({"rules": [{"tier": "deny", "principals": [pattern]}]})
    # Then it is refused, saying why
    assert found.startswith("rules[0].principals[0]: ")
    assert message in found


@pytest.mark.parametrize("account", ["*", "1111*", "*3333", "4444*6666"])
def test_a_full_rule_may_not_name_accounts_by_wildcard(account: str) -> None:
    # Given a full rule whose pattern's account holds `*`
    document = {
        "rules": [
            {"tier": "redacted", "accounts": [PARTNER_ACCOUNT]},
            {
                "tier": "full",
                "principals": [
                    f"arn:aws:iam::{COMMANDER_ACCOUNT}:role/IncidentCommander",
                    f"arn:aws:iam::{account}:role/OnCall-*",
                ],
            },
        ]
    }
    # When the policy is parsed
    message = refusal(document)
    # Then it is refused, naming the pattern and why
    assert message.startswith(
        "rules[1].principals[1]: a full rule may not name accounts by wildcard"
    )
    assert "list the accounts" in message


@pytest.mark.parametrize("tier", [Tier.REDACTED, Tier.DENY])
def test_wildcard_accounts_stay_allowed_below_full(tier: Tier) -> None:
    # Given a redacted or deny rule for `OnCall-*` roles of any account
    policy = policy_of({"tier": str(tier), "principals": ["arn:aws:iam::*:role/OnCall-*"]})
    # When such a role of an unlisted account asks
    caller = iam_caller("arn:aws:sts::123456789012:assumed-role/OnCall-x/s1")
    # Then the rule applies to it
    assert tier_for(policy, caller) is tier


# --- group names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "near_misses"),
    [
        ("Incident Commanders", ["Incident", "Commanders", "incident commanders"]),
        ("Équipe d’astreinte", ["Equipe d'astreinte", "Équipe", "d’astreinte"]),
        ("[sre]", ["sre", "[sre", "sre]"]),
        ("a\u00a0b", ["a b", "a", "b"]),
    ],
)
def test_group_names_may_hold_spaces_and_any_letters(group: str, near_misses: list[str]) -> None:
    # Given a group rule whose name holds a space, non-ASCII letters or brackets
    policy = policy_of({"tier": "full", "issuer": ISSUER, "groups": [group]})
    # When tokens with exactly that group, and with names near it, ask
    whole = tier_for(policy, token_caller(ISSUER, "s1", group))
    near = tier_for(policy, token_caller(ISSUER, "s2", *near_misses))
    # Then only the whole name, exactly, gets the tier
    assert (whole, near) == (Tier.FULL, Tier.DENY)


@pytest.mark.parametrize(
    ("group", "reason"),
    [
        ("", "must be a non-empty group name"),
        ("  ", "must not begin or end with whitespace"),
        (" sre", "must not begin or end with whitespace"),
        ("sre\t", "must not begin or end with whitespace"),
        ("sre\u00a0", "must not begin or end with whitespace"),
        ("s\nre", "must not hold control characters"),
        ("s\x00re", "must not hold control characters"),
    ],
)
def test_group_names_with_invisible_edges_or_control_characters_are_refused(
    group: str, reason: str
) -> None:
    # Given a group rule whose name a reader could not tell from another
    document = {"rules": [{"tier": "redacted", "issuer": ISSUER, "groups": [group]}]}
    # When the policy is parsed
    message = refusal(document)
    # Then it is refused, naming where and why
    assert message == f"rules[0].groups[0]: {reason}" or message.startswith(
        f"rules[0].groups[0]: {reason}"
    )


def test_the_documented_example_policy_gives_the_tiers_it_says() -> None:
    # Given the example policy of docs/access-policy.md
    policy = parse_access_policy(doc_json_examples("docs/access-policy.md", "Rules")[0])

    # When its callers are judged
    def tier(user_arn: str) -> Tier:
        return tier_for(policy, iam_caller(user_arn))

    # Then they get the tiers the text below it states
    assert tier(f"arn:aws:sts::{COMMANDER_ACCOUNT}:assumed-role/IncidentCommander/alice") is (
        Tier.FULL
    )
    assert tier(f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/OnCall-bob/pager") is Tier.FULL
    assert tier(f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/Dashboard/grafana") is Tier.REDACTED
    assert tier(f"arn:aws:sts::{PARTNER_ACCOUNT}:assumed-role/Contractor/carol") is Tier.DENY
    assert tier(f"arn:aws:sts::{ON_CALL_ACCOUNT}:assumed-role/Dashboard/grafana") is Tier.DENY
