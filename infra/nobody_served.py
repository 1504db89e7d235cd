"""Whether a deploy could serve anybody: the access policy's grants against who the REST API's
resource policy lets in. A deploy that grants no caller it lets in denies everyone, silently: the
shipped example policy names documentation accounts, so a first deploy elsewhere would."""

from __future__ import annotations

from dataclasses import dataclass

from engagement_proxy.identity import IamPrincipal, parse_principal_arn
from engagement_proxy.policy import PrincipalPattern, Rule, Tier, parse_access_policy
from infra.config import DeploymentConfig

NOBODY_SERVED = "Nobody would be served by this deploy"
_WHAT_TO_DO = (
    "Name a role or account of the deploying account in access_policy, or let the callers it "
    "names in with allowed_accounts or allowed_principals (docs/deploy.md: Set the access "
    "policy first)."
)


@dataclass(frozen=True)
class _LetIn:
    """Who the resource policy lets invoke the API (infra.resource_policy decides the same)."""

    accounts: frozenset[str]  # every principal of these
    principals: tuple[IamPrincipal, ...]
    any_account: bool  # organisations are let in: which accounts they hold is unknown here
    unknown_home: bool  # only the stack's own account, which synth does not know

    @classmethod
    def of(cls, config: DeploymentConfig, account: str | None) -> _LetIn:
        listed = config.allowed_accounts or config.allowed_org_ids or config.allowed_principals
        accounts = set(config.allowed_accounts)
        if not listed and account is not None:
            accounts.add(account)
        principals = (parse_principal_arn(arn) for arn in config.allowed_principals)
        return cls(
            accounts=frozenset(accounts),
            principals=tuple(principal for principal in principals if principal is not None),
            any_account=bool(config.allowed_org_ids),
            unknown_home=not listed and account is None,
        )

    def describe(self) -> str:
        names = [f"account {account}" for account in sorted(self.accounts)]
        names += [principal.arn for principal in self.principals]
        return ", ".join(names)


def nobody_served_warning(config: DeploymentConfig, account: str | None) -> str | None:
    """Why nobody would be served, or None when some caller let in may get a tier. `account` is
    the stack's, None when synth does not know it. Errs towards silence: a rule whose match
    depends on what synth cannot know (organisation membership, a wildcard account) counts."""
    grants = [
        rule
        for rule in parse_access_policy(config.access_policy).rules
        if rule.tier is not Tier.DENY
    ]
    let_in = _LetIn.of(config, account)
    if any(_may_serve(rule, let_in, token_entrance=config.oidc is not None) for rule in grants):
        return None
    named = sorted(_accounts_named(grants))
    grants_text = (
        f"the access policy's full and redacted rules name {_accounts(named)} only"
        if named
        else "the access policy has no full or redacted rule"
    )
    if let_in.unknown_home:
        where = f"unless the stack's account is {' or '.join(named)}" if named else "anywhere"
        return (
            f"{NOBODY_SERVED} {where}: the account is not known at synth, no allowed_* setting "
            f"lets another account in, and {grants_text}. Set account in cdk.json to have synth "
            "check it. " + _WHAT_TO_DO
        )
    return (
        f"{NOBODY_SERVED}: the REST API lets in {let_in.describe()} only, and {grants_text}, "
        "so every caller would get 403 access-denied. " + _WHAT_TO_DO
    )


def _may_serve(rule: Rule, let_in: _LetIn, *, token_entrance: bool) -> bool:
    if rule.issuer is not None:
        return token_entrance
    if rule.orgs or let_in.any_account:
        return True
    if let_in.unknown_home:
        return any(_any_account(pattern) for pattern in rule.principals)
    if rule.accounts & (let_in.accounts | {p.account_id for p in let_in.principals}):
        return True
    return any(
        any(pattern.account.fullmatch(account) for account in let_in.accounts)
        or any(pattern.matches(principal) for principal in let_in.principals)
        for pattern in rule.principals
    )


def _accounts(names: list[str]) -> str:
    return f"account {names[0]}" if len(names) == 1 else f"accounts {', '.join(names)}"


def _any_account(pattern: PrincipalPattern) -> bool:
    return "*" in pattern.text.split(":")[4]


def _accounts_named(rules: list[Rule]) -> set[str]:
    named = {account for rule in rules for account in rule.accounts}
    return named | {p.text.split(":")[4] for rule in rules for p in rule.principals}
