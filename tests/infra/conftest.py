"""Infra tests: synthesize the real app (cdk-nag included) once per module, offline."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import CONTEXT_KEY

# Before aws_cdk starts its Node process: jsii calls Node 20 end-of-life (it supports 22 and 24)
# but still runs on it; its banner is silenced for Node 20 alone, as in the Makefile.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Template  # noqa: E402
from cfnlint.api import lint  # noqa: E402
from cfnlint.config import ManualArgs  # noqa: E402

from infra.application import build_app  # noqa: E402

HOME_ACCOUNT = "123456789012"
HOME_REGION = "eu-west-1"
REPO_ROOT = Path(__file__).resolve().parents[2]

# CDK adds DependsOn next to a GetAtt of the same resource; the Makefile ignores it too.
IGNORED_CFN_LINT_RULES = ["W3005"]

POLICY = {
    "rules": [
        {"tier": "full", "principals": ["arn:aws:iam::210987654321:role/IncidentCommander"]},
        {"tier": "redacted", "accounts": ["444455556666"]},
    ]
}
MINIMAL_SETTINGS: dict[str, Any] = {"served_regions": [HOME_REGION], "access_policy": POLICY}


@dataclass(frozen=True)
class Synthesized:
    template: Template
    resources: dict[str, Any]
    outputs: dict[str, Any]
    outdir: Path
    template_path: Path

    def only(self, resource_type: str) -> dict[str, Any]:
        """The properties of the one resource of this type."""
        found = [r for r in self.resources.values() if r["Type"] == resource_type]
        assert len(found) == 1, f"{len(found)} {resource_type} resources"
        return dict(found[0].get("Properties", {}))

    def all(self, resource_type: str) -> list[dict[str, Any]]:
        found = [r for r in self.resources.values() if r["Type"] == resource_type]
        return [dict(r.get("Properties", {})) for r in found]


def repo_context() -> dict[str, Any]:
    """The context in the repository's cdk.json, as `python app.py` reads it."""
    return dict(json.loads((REPO_ROOT / "cdk.json").read_text())["context"])


def synthesize(
    settings: dict[str, Any],
    outdir: Path,
    *,
    account: str | None = HOME_ACCOUNT,
    region: str | None = HOME_REGION,
) -> Synthesized:
    """Build and synthesize the app as app.py does, with cdk.json's feature flags and these
    settings; any cdk-nag finding not acknowledged fails here."""
    context = {**repo_context(), CONTEXT_KEY: settings}
    environ = {"CDK_DEFAULT_ACCOUNT": account or "", "CDK_DEFAULT_REGION": region or ""}
    environ = {name: value for name, value in environ.items() if value}
    assembly = build_app(context, environ=environ, outdir=str(outdir)).synth()
    (stack,) = assembly.stacks
    template = dict(stack.template)
    return Synthesized(
        template=Template.from_json(template),
        resources=template["Resources"],
        outputs=template.get("Outputs", {}),
        outdir=outdir,
        template_path=Path(stack.template_full_path),
    )


def cfn_lint_findings(synth: Synthesized, region: str) -> list[str]:
    """What the real cfn-lint says about the template file written to the cloud assembly."""
    config = ManualArgs(regions=[region], ignore_checks=IGNORED_CFN_LINT_RULES)
    return [str(match) for match in lint(synth.template_path.read_text(), config=config)]
