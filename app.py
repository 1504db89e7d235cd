#!/usr/bin/env python3
"""CDK entry point: settings from cdk.json context -> stack -> cdk-nag -> synth to cdk.out."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The access policy is validated by the Lambda's own parser, which lives in lambda/.
sys.path.insert(0, str(ROOT / "lambda"))
# jsii calls Node 20 end-of-life (it supports 22 and 24) but still runs on it; its 12-line
# banner on every synth would bury the findings, so it is silenced for Node 20 alone.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import cx_api  # noqa: E402

from infra.application import build_app  # noqa: E402
from infra.context_reader import DeploymentSettingError  # noqa: E402


def main() -> None:
    # The CLI passes context and the output folder itself; run directly, we read cdk.json.
    launched_by_cli = "CDK_OUTDIR" in os.environ
    context = None if launched_by_cli else json.loads((ROOT / "cdk.json").read_text())["context"]
    outdir = None if launched_by_cli else str(ROOT / "cdk.out")
    try:
        assembly = build_app(context, environ=os.environ, outdir=outdir).synth()
    except DeploymentSettingError as error:
        sys.exit(f"engagement-proxy: {error}")
    except RuntimeError as error:
        if not str(error).startswith("ValidationFailed"):
            raise
        # CDK has printed each finding above; a traceback would only bury them.
        sys.exit(f"engagement-proxy: {error}")
    if not launched_by_cli:
        for stack in assembly.stacks:
            resources = len(stack.template["Resources"])
            path = Path(stack.template_full_path).relative_to(ROOT)
            print(f"Synthesized {path}: {resources} resources, no unacknowledged cdk-nag findings")
            # The CLI prints a stack's warnings itself; run directly, they must not scroll by.
            for message in stack.messages:
                if message.level == cx_api.SynthesisMessageLevel.WARNING:
                    print(
                        banner(f"WARNING ({stack.stack_name}): {message.entry.data}"),
                        file=sys.stderr,
                    )


def banner(text: str, width: int = 78) -> str:
    rule = "!" * width
    lines = textwrap.wrap(text, width - 4)
    return "\n".join([rule, *(f"! {line:<{width - 4}} !" for line in lines), rule])


if __name__ == "__main__":
    main()
