"""The REST API's resource policy: who may invoke its GET methods, and nobody else."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from infra.config import DeploymentConfig

INVOKE = "execute-api:Invoke"


# The API's methods: the engagements of a window, one engagement (and its pages), and the
# engagements of an incident. `engagements/*` does not match `engagements` itself.
METHOD_PATHS = ("engagements", "engagements/*", "incidents/*")


def method_resources(stage_name: str) -> list[str]:
    return [f"execute-api:/{stage_name}/GET/{path}" for path in METHOD_PATHS]


def resource_policy(config: DeploymentConfig, *, home_account: str) -> iam.PolicyDocument:
    """Allow the configured accounts, organisations and roles (by default the home account),
    deny every other principal explicitly (an IAM policy in the home account must not be
    enough), and for a PRIVATE endpoint deny every request not through the listed endpoints.
    """
    accounts = config.allowed_accounts
    if not (accounts or config.allowed_org_ids or config.allowed_principals):
        accounts = (home_account,)
    methods = method_resources(config.stage_name)
    statements: list[iam.PolicyStatement] = []
    callers: list[iam.IPrincipal] = [iam.AccountPrincipal(account) for account in accounts]
    callers += [iam.ArnPrincipal(arn) for arn in config.allowed_principals]
    if callers:
        statements.append(
            iam.PolicyStatement(
                sid="AllowListedAccountsAndRoles",
                actions=[INVOKE],
                principals=callers,
                resources=methods,
            )
        )
    if config.allowed_org_ids:
        statements.append(
            iam.PolicyStatement(
                sid="AllowListedOrganizations",
                actions=[INVOKE],
                principals=[iam.AnyPrincipal()],
                resources=methods,
                conditions={"StringEquals": {"aws:PrincipalOrgID": list(config.allowed_org_ids)}},
            )
        )
    statements.append(
        iam.PolicyStatement(
            sid="DenyEveryoneElse",
            effect=iam.Effect.DENY,
            actions=[INVOKE],
            principals=[iam.AnyPrincipal()],
            resources=methods,
            conditions=_not_listed(accounts, config),
        )
    )
    if config.is_private:
        statements.append(
            iam.PolicyStatement(
                sid="DenyOutsideListedVpcEndpoints",
                effect=iam.Effect.DENY,
                actions=[INVOKE],
                principals=[iam.AnyPrincipal()],
                resources=["execute-api:/*"],
                conditions={"StringNotEquals": {"aws:SourceVpce": list(config.vpc_endpoint_ids)}},
            )
        )
    return iam.PolicyDocument(statements=statements)


def _not_listed(
    accounts: tuple[str, ...], config: DeploymentConfig
) -> dict[str, dict[str, list[str]]]:
    """Conditions true for a caller that no allow statement names (all keys must hold)."""
    different: dict[str, list[str]] = {}
    if accounts:
        different["aws:PrincipalAccount"] = list(accounts)
    if config.allowed_org_ids:
        different["aws:PrincipalOrgID"] = list(config.allowed_org_ids)
    conditions = {"StringNotEquals": different} if different else {}
    if config.allowed_principals:
        conditions["ArnNotLike"] = {"aws:PrincipalArn": list(config.allowed_principals)}
    return conditions
