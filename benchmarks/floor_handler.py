"""A hand-written floor for `make bench`: about the least a handler doing this job can cost.

For the REST entrance's happy path only: the caller's role decides the tier (no policy
document), a short or full engagement path becomes an ARN, one stock boto3 call (kept per ARN
when CACHE_ENABLED is true, the body and ETag memoised per answer and tier), the same view, one
JSON log line with the correlation id and one EMF document per request, as the project writes.
It validates and refuses nothing, so it is a reference to measure against, never a handler to
deploy. Stdlib and boto3 only, so that it measures the same whatever the real handler becomes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import boto3

_REGION = os.environ["AWS_REGION"]
_ACCOUNT = os.environ["SERVED_ACCOUNT_ID"]
_SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "engagement-proxy")
_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "EngagementProxy")
_CACHE_ON = os.environ.get("CACHE_ENABLED", "true") == "true"
_TTL_SECONDS = float(os.environ.get("CACHE_TTL_STOPPED_SECONDS", "300"))
_CLIENT = boto3.client("ssm-contacts", region_name=_REGION)
# Per ARN: until when, the answer, and its body and ETag by tier.
_KEPT: dict[str, tuple[float, dict[str, Any], dict[str, tuple[str, str]]]] = {}
_COLD = [True]
_write = sys.stdout.write


def _rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _describe(arn: str) -> tuple[dict[str, Any], dict[str, tuple[str, str]], str]:
    kept = _KEPT.get(arn)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1], kept[2], "hit"
    answer: dict[str, Any] = _CLIENT.describe_engagement(EngagementId=arn)
    bodies: dict[str, tuple[str, str]] = {}
    if _CACHE_ON:
        _KEPT[arn] = (time.monotonic() + _TTL_SECONDS, answer, bodies)
    return answer, bodies, "miss" if _CACHE_ON else "off"


def _body(answer: dict[str, Any], bodies: dict[str, tuple[str, str]], tier: str) -> tuple[str, str]:
    memo = bodies.get(tier)
    if memo is None:
        full = tier == "full"
        view = {
            "ContactArn": answer["ContactArn"],
            "EngagementArn": answer["EngagementArn"],
            "Sender": answer["Sender"],
            "Subject": answer["Subject"] if full else None,
            "Content": answer["Content"] if full else None,
            "PublicSubject": answer.get("PublicSubject"),
            "PublicContent": answer.get("PublicContent"),
            "IncidentId": answer.get("IncidentId"),
            "StartTime": _rfc3339(answer.get("StartTime")),
            "StopTime": _rfc3339(answer.get("StopTime")),
            "Redacted": [] if full else ["Subject", "Content"],
        }
        body = json.dumps(view, separators=(",", ":"))
        memo = bodies[tier] = (body, '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"')
    return memo


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    identity = event["requestContext"]["identity"]
    caller = identity.get("userArn") or ""
    tier = "full" if ":assumed-role/IncidentCommander/" in caller else "redacted"
    reference = event["pathParameters"]["proxy"]
    arn = (
        reference
        if reference.startswith("arn:")
        else f"arn:aws:ssm-contacts:{_REGION}:{_ACCOUNT}:engagement/{reference}"
    )
    answer, bodies, cache = _describe(arn)
    body, etag = _body(answer, bodies, tier)
    headers = {"Cache-Control": "private, no-cache", "Vary": "Authorization", "ETag": etag}
    if (event.get("headers") or {}).get("If-None-Match") == etag:
        status, outcome, body = 304, "not-modified", ""
    else:
        status, outcome = 200, "served"
        headers["Content-Type"] = "application/json"
    now = time.time()
    request_id = event["requestContext"]["requestId"]
    audit = {
        "level": "INFO",
        "location": "lambda_handler",
        "message": "audit",
        "timestamp": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "service": _SERVICE,
        "cold_start": _COLD[0],
        "function_name": context.function_name,
        "function_request_id": context.aws_request_id,
        "correlation_id": request_id,
        "caller": caller,
        "account": identity.get("accountId"),
        "org": identity.get("principalOrgId"),
        "tier": tier,
        "engagement_arn": arn,
        "outcome": outcome,
        "status": status,
        "cache": cache,
        "upstream_request_id": answer["ResponseMetadata"]["RequestId"],
        "xray_trace_id": os.environ.get("_X_AMZN_TRACE_ID", "").partition(";")[0][5:],
    }
    metrics = {
        "_aws": {
            "Timestamp": int(now * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": _NAMESPACE,
                    "Dimensions": [["service", "tier", "outcome"]],
                    "Metrics": [{"Name": "Requests", "Unit": "Count"}],
                }
            ],
        },
        "service": _SERVICE,
        "tier": tier,
        "outcome": outcome,
        "Requests": [1.0],
    }
    _write(json.dumps(audit, separators=(",", ":")) + "\n" + json.dumps(metrics) + "\n")
    sys.stdout.flush()
    _COLD[0] = False
    return {"statusCode": status, "headers": headers, "body": body}
