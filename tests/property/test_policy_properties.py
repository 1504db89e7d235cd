"""The access policy is monotone: more deny never widens, fewer grants never widen, order never
matters. Over the pure `tier_for`, and through the whole handler with the policy deployed."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from engagement_proxy.identity import Caller
from engagement_proxy.policy import AccessPolicy, Rule, Tier, parse_access_policy, tier_for
from testing_support.events import EXAMPLE_PATH
from tests.property.conftest import call, deployed, observed, upstream
from tests.property.strategies import (
    EngagementAnswer,
    Request,
    Who,
    callers,
    deny_rules,
    grant_rules,
    policy_callers,
    rule_documents,
    rules,
    well_formed_engagements,
)

# "Wider" access: deny < redacted < full.
WIDTH = {Tier.DENY: 0, Tier.REDACTED: 1, Tier.FULL: 2}
# The pure policy costs next to nothing: even the quick profile can afford many more examples.
pure = settings(max_examples=max(300, settings().max_examples))


# --- the pure policy ---------------------------------------------------------------------------


@pure
@given(
    found=st.lists(rules, min_size=1, max_size=8),
    deny=deny_rules,
    position=st.integers(0, 8),
    caller=callers,
)
def test_adding_a_deny_rule_never_widens_anyones_access(
    found: list[Rule], deny: Rule, position: int, caller: Caller | None
):
    # Given a policy, and the same policy with one more deny rule anywhere in it
    before = AccessPolicy(tuple(found))
    after = AccessPolicy(tuple(found[:position] + [deny] + found[position:]))
    # When the caller's tier is decided under each
    tiers = tier_for(before, caller), tier_for(after, caller)
    event(f"deny rule added: {tiers[0]} -> {tiers[1]}")
    # Then the extra deny rule never gives the caller more than before
    assert WIDTH[tiers[1]] <= WIDTH[tiers[0]]


@pure
@given(
    others=st.lists(rules, min_size=1, max_size=7),
    grant=grant_rules,
    position=st.integers(0, 5),
    caller=callers,
)
def test_removing_a_full_or_redacted_rule_never_widens_anyones_access(
    others: list[Rule], grant: Rule, position: int, caller: Caller | None
):
    # Given a policy with a full or redacted rule somewhere, and the same policy without it
    before = AccessPolicy(tuple(others[:position] + [grant] + others[position:]))
    after = AccessPolicy(tuple(others))
    # When the caller's tier is decided under each
    tiers = tier_for(before, caller), tier_for(after, caller)
    event(f"{grant.tier} rule removed: {tiers[0]} -> {tiers[1]}")
    # Then taking a grant away never gives the caller more than before
    assert WIDTH[tiers[1]] <= WIDTH[tiers[0]]


@pure
@given(found=st.lists(rules, min_size=1, max_size=8), caller=callers, data=st.data())
def test_tiers_never_depend_on_rule_order(
    found: list[Rule], caller: Caller | None, data: st.DataObject
):
    # Given a policy, and the same rules in another order
    shuffled = data.draw(st.permutations(found), label="reordered rules")
    # When the caller's tier is decided under both
    tier = tier_for(AccessPolicy(tuple(found)), caller)
    event(f"tier {tier}")
    # Then it is the same
    assert tier_for(AccessPolicy(tuple(shuffled)), caller) is tier


# --- through the handler -----------------------------------------------------------------------


def served_tier(response: dict[str, Any], answer: EngagementAnswer) -> Tier:
    """The tier a caller was actually served, read from the answer alone."""
    if response["statusCode"] == 403:
        return Tier.DENY
    assert response["statusCode"] == 200, response["body"]
    body = json.loads(response["body"])
    if body["Redacted"] == ["Subject", "Content"]:
        assert body["Subject"] is None and body["Content"] is None
        return Tier.REDACTED
    assert body["Redacted"] == []
    assert (body["Subject"], body["Content"]) == (answer.secrets.subject, answer.secrets.content)
    return Tier.FULL


@given(
    documents=st.lists(rule_documents(), min_size=2, max_size=6),
    deny=rule_documents(Tier.DENY),
    position=st.integers(0, 5),
    who=policy_callers,
    answer=well_formed_engagements(),
    data=st.data(),
)
def test_through_the_handler_more_deny_never_widens_and_order_never_matters(
    documents: list[dict[str, Any]],
    deny: dict[str, Any],
    position: int,
    who: Who,
    answer: EngagementAnswer,
    data: st.DataObject,
):
    # Given an ACCESS_POLICY, the same with one more deny rule, and the same reordered
    deployments = {
        "as written": documents,
        "with a deny rule": documents[:position] + [deny] + documents[position:],
        "reordered": data.draw(st.permutations(documents), label="reordered rules"),
    }
    request = Request(who[0], who[1], EXAMPLE_PATH)
    served: dict[str, Tier] = {}
    for name, rules_written in deployments.items():
        policy = parse_access_policy({"rules": rules_written})
        with deployed(cache=False, policy=policy), upstream(answer), observed():
            # When the caller asks for an engagement under each deployment
            served[name] = served_tier(call(request.event()), answer)
    event(" / ".join(f"{name}: {tier}" for name, tier in served.items()))
    # Then the deny rule never gets the caller more, and the order changes nothing
    assert WIDTH[served["with a deny rule"]] <= WIDTH[served["as written"]]
    assert served["reordered"] is served["as written"]
