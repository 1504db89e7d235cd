"""What operators see of each request: one audit line, one metric document, error lines.

JSON log lines with the correlation id and EMF metrics come from Powertools, as operators
query them; only the parts that cost and add nothing (decorators, JMESPath) are left out.
"""

from __future__ import annotations

import traceback
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from engagement_proxy.audit import AuditRecord
from engagement_proxy.config import SettingError
from engagement_proxy.errors import ProxyError, ProxyMisconfigured, UpstreamRoleFault
from engagement_proxy.policy import Tier
from engagement_proxy.problems import INTERNAL_ERROR, Problem
from engagement_proxy.service import Progress

logger = Logger()
metrics = Metrics()
_cold_start = True


def start_request(context: Any, request_id: str) -> None:
    """Keys every log line of this invocation carries, as Powertools' decorator would set."""
    global _cold_start
    logger.append_keys(
        cold_start=_cold_start,
        function_name=context.function_name,
        function_memory_size=context.memory_limit_in_mb,
        function_arn=context.invoked_function_arn,
        function_request_id=context.aws_request_id,
        correlation_id=request_id,
    )
    if _cold_start:
        metrics.provider.add_cold_start_metric(context)
        _cold_start = False


def log_invalid_configuration(error: SettingError, message: str) -> None:
    logger.error(message, extra={"setting": error.setting, "reason": error.reason})


def audit_record(
    progress: Progress, outcome: str, status: int, error: Exception | None
) -> AuditRecord:
    """The audit record of one request, from what its flow established and how it ended."""
    audit = AuditRecord(
        outcome=outcome,
        status=status,
        tier=progress.tier.value if progress.tier is not None else None,
        route=progress.route,
        engagement_arn=progress.target,
        incident_id=progress.incident,
        pages=progress.pages,
        engagements=progress.engagements,
        cache=progress.cache,
        upstream_calls=progress.upstream_calls,
        upstream_request_id=progress.upstream_request_id,
    )
    audit.record_caller(progress.caller)
    if isinstance(error, ProxyError) and error.upstream_code:
        audit.upstream_error = error.upstream_code
        if progress.cache != "hit":  # a shared call's id belongs to the request that made it
            audit.upstream_request_id = error.upstream_request_id
    return audit


def observe(audit: AuditRecord, progress: Progress) -> None:
    """The request's audit line and its one metric document: Requests (and Redactions) by tier
    and outcome."""
    logger.info("audit", extra=audit.fields())
    metrics.add_dimension(name="tier", value=audit.tier or "none")
    metrics.add_dimension(name="outcome", value=audit.outcome)
    if progress.tier is Tier.REDACTED and audit.outcome in ("served", "not-modified"):
        metrics.add_metric(name="Redactions", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    if progress.upstream_ms is not None:
        # By service alone, in a document of its own: the stack alarms on its p99.
        with single_metric(
            name="UpstreamLatency",
            unit=MetricUnit.Milliseconds,
            value=progress.upstream_ms,
            namespace=metrics.namespace,
        ):
            pass


def observe_error(error: Exception, problem: Problem, config_error: SettingError | None) -> None:
    """Logs and metrics for an error. Only our own safe text: never an upstream message."""
    if isinstance(error, ProxyError) and error.upstream_code:
        _count("UpstreamErrors", code=error.upstream_code)
    if isinstance(error, UpstreamRoleFault):
        _count("UpstreamRoleFault")  # the stack alarms on it, by service alone
        logger.error(
            "SSM Contacts refused the proxy's own role or KMS key: check the role and key policies",
            extra={"upstream_error": error.upstream_code},
        )
    elif isinstance(error, ProxyMisconfigured) and config_error is not None:
        log_invalid_configuration(config_error, "Invalid configuration: request refused")
    elif problem.kind is INTERNAL_ERROR:
        # Frames only: an exception's message may hold data we must not log.
        logger.error(
            "Unhandled error",
            extra={
                "error_type": type(error).__name__,
                "frames": traceback.format_tb(error.__traceback__),
            },
        )


def _count(name: str, **dimensions: str) -> None:
    """A count in a metric document of its own: the service dimension plus `dimensions`, not
    the per-request tier and outcome."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace
    ) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)
