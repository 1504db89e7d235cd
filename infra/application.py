"""The CDK app: settings from context, the stack, cdk-nag's AWS Solutions checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Annotations, App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import CONTEXT_KEY, load_config
from infra.nobody_served import nobody_served_warning
from infra.stack import EngagementProxyStack, stack_environment


def build_app(
    context: Mapping[str, Any] | None,
    *,
    environ: Mapping[str, str],
    outdir: str | None = None,
) -> App:
    """The app, its stack and its checks; raises DeploymentSettingError before building the stack.

    `context` is None when the CDK CLI launched us: the CLI hands App its context itself.
    """
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    config = load_config({CONTEXT_KEY: app.node.try_get_context(CONTEXT_KEY)})
    environment = stack_environment(config, environ)
    stack = EngagementProxyStack(app, config.stack_name, config=config, env=environment)
    # A warning, not an error: the access policy may be meant for a later grant. The CLI prints
    # it on synth and deploy; app.py, run directly, prints it itself.
    warning = nobody_served_warning(config, environment.account)
    if warning is not None:
        Annotations.of(stack).add_warning_v2("engagement-proxy:nobody-served", warning)
    # Any finding not acknowledged (with a reason) next to its resource fails synthesis.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
