"""Synth warns, loudly, when a deploy would serve nobody: no full or redacted rule of the access
policy names a caller that the resource policy lets in (by default, the deploying account)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.config import CONTEXT_KEY, load_config
from infra.nobody_served import NOBODY_SERVED, nobody_served_warning
from tests.infra.conftest import REPO_ROOT, Synthesized, repo_context, synthesize

pytestmark = pytest.mark.infra

HOME = "210987654321"
OTHER = "444455556666"
COMMANDER = f"arn:aws:iam::{HOME}:role/IncidentCommander"
ISSUER = "https://idp.example.com"
OIDC = {"issuer": ISSUER, "audiences": ["engagement-proxy"]}


def warning_for(rules: list[dict[str, Any]], account: str | None = HOME, **settings: Any) -> Any:
    raw = {"served_regions": ["us-east-2"], "access_policy": {"rules": rules}, **settings}
    return nobody_served_warning(load_config({CONTEXT_KEY: raw}), account)


# --- Who may be served ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "settings"),
    [
        pytest.param([{"tier": "full", "principals": [COMMANDER]}], {}, id="a role of home"),
        pytest.param([{"tier": "redacted", "accounts": [HOME]}], {}, id="the home account"),
        pytest.param(
            [{"tier": "redacted", "principals": ["arn:aws:iam::*:role/OnCall-*"]}],
            {},
            id="a role of any account",
        ),
        pytest.param(
            [{"tier": "redacted", "accounts": [OTHER]}],
            {"allowed_accounts": [OTHER]},
            id="another account let in",
        ),
        pytest.param(
            [{"tier": "redacted", "principals": [f"arn:aws:iam::{OTHER}:role/Reader"]}],
            {"allowed_principals": [f"arn:aws:iam::{OTHER}:role/team/Reader"]},
            id="a role let in, by name",
        ),
        pytest.param(
            [{"tier": "redacted", "accounts": [OTHER]}],
            {"allowed_principals": [f"arn:aws:iam::{OTHER}:role/Reader"]},
            id="the account of a role let in",
        ),
        pytest.param([{"tier": "redacted", "orgs": ["o-a1b2c3d4e5"]}], {}, id="an organisation"),
        pytest.param(
            [{"tier": "redacted", "accounts": [OTHER]}],
            {"allowed_org_ids": ["o-a1b2c3d4e5"]},
            id="any account of an organisation let in",
        ),
        pytest.param(
            [{"tier": "full", "issuer": ISSUER, "groups": ["incident-commanders"]}],
            {"oidc": OIDC},
            id="token callers",
        ),
    ],
)
def test_no_warning_when_somebody_let_in_may_be_served(
    rules: list[dict[str, Any]], settings: dict[str, Any]
) -> None:
    # Given an access policy with a full or redacted rule for a caller the API lets in
    # When the deploy is checked
    warning = warning_for(rules, **settings)
    # Then there is nothing to warn about
    assert warning is None


def test_a_policy_naming_only_other_accounts_warns_that_nobody_would_be_served() -> None:
    # Given a policy for another account only, and no allowed_* setting (only home may invoke)
    rules = [{"tier": "full", "principals": [f"arn:aws:iam::{OTHER}:role/IncidentCommander"]}]

    # When the deploy to HOME is checked
    warning = warning_for(rules)

    # Then the warning says nobody would be served, why, and what to do
    assert warning is not None
    assert warning.startswith(NOBODY_SERVED)
    assert f"account {HOME}" in warning
    assert f"account {OTHER} only" in warning
    assert "access_policy" in warning and "Set the access policy first" in warning


def test_deny_rules_serve_nobody_even_when_they_name_the_home_account() -> None:
    # Given a policy that names home only to deny, and grants another account
    rules = [
        {"tier": "deny", "accounts": [HOME]},
        {"tier": "redacted", "accounts": [OTHER]},
    ]
    # When the deploy to HOME is checked
    warning = warning_for(rules)
    # Then it warns: only full and redacted rules serve anyone
    assert warning is not None and warning.startswith(NOBODY_SERVED)


def test_with_the_account_unknown_the_warning_names_the_accounts_that_would_work() -> None:
    # Given a policy for two accounts and a synth that does not know the stack's account
    rules = [
        {"tier": "full", "principals": [f"arn:aws:iam::{OTHER}:role/IncidentCommander"]},
        {"tier": "redacted", "accounts": ["111122223333"]},
    ]
    # When the deploy is checked
    warning = warning_for(rules, account=None)
    # Then it says the account is not known, and where a deploy would serve somebody
    assert warning is not None and warning.startswith(NOBODY_SERVED)
    assert "not known at synth" in warning
    assert f"unless the stack's account is 111122223333 or {OTHER}:" in warning


# --- The real synth -------------------------------------------------------------------------------


def shipped_settings() -> dict[str, Any]:
    return dict(repo_context()[CONTEXT_KEY])


def synth_warnings(synth: Synthesized) -> list[str]:
    """The warnings in the cloud assembly's metadata, which the CDK CLI prints."""
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    warnings = []
    for artifact in manifest["artifacts"].values():
        metadata = dict(artifact.get("metadata", {}))
        if "additionalMetadataFile" in artifact:
            metadata.update(
                json.loads((synth.outdir / artifact["additionalMetadataFile"]).read_text())
            )
        warnings += [
            entry["data"]
            for entries in metadata.values()
            for entry in entries
            if entry["type"] == "aws:cdk:warning"
        ]
    return warnings


def test_the_shipped_cdk_json_deployed_to_another_account_warns(tmp_path: Path) -> None:
    # Given cdk.json as shipped, synthesized as `cdk deploy` does for an account it does not name
    synth = synthesize(shipped_settings(), tmp_path, account="999988887777", region="us-east-2")

    # When the cloud assembly's warnings are read
    warnings = synth_warnings(synth)

    # Then one says that nobody would be served there
    (warning,) = [text for text in warnings if text.startswith(NOBODY_SERVED)]
    assert "account 999988887777" in warning


def test_the_shipped_cdk_json_deployed_to_the_account_it_names_does_not_warn(
    tmp_path: Path,
) -> None:
    # Given cdk.json as shipped, synthesized for the account its example policy names
    synth = synthesize(shipped_settings(), tmp_path, account="111122223333", region="us-east-2")

    # When the cloud assembly's warnings are read
    warnings = synth_warnings(synth)

    # Then none is about nobody being served
    assert [text for text in warnings if text.startswith(NOBODY_SERVED)] == []


def test_make_synth_prints_the_warning_where_it_cannot_be_missed(tmp_path: Path) -> None:
    # Given a copy of the repository, with cdk.json as shipped
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO_ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv*", "node_modules", "cdk.out", "*_cache"),
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CDK_")}

    # When app.py synthesizes it, as `make synth` does (no account known)
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )

    # Then stderr carries the warning in a banner, and synthesis still succeeds
    assert "WARNING" in result.stderr
    assert NOBODY_SERVED in result.stderr
    assert "not known at synth" in result.stderr
    assert "Synthesized cdk.out/EngagementProxy.template.json" in result.stdout
