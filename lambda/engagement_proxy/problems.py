"""Every error as an RFC 9457 problem: the one place where exceptions become HTTP statuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engagement_proxy import errors

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:problem:engagement-proxy:"


@dataclass(frozen=True)
class ProblemKind:
    status: int
    slug: str
    title: str


INTERNAL_ERROR = ProblemKind(500, "internal-error", "Internal error")

_KINDS: dict[type[errors.ProxyError], ProblemKind] = {
    errors.InvalidEngagementId: ProblemKind(400, "invalid-engagement-id", "Invalid engagement id"),
    errors.InvalidIncidentId: ProblemKind(400, "invalid-incident-id", "Invalid incident id"),
    errors.InvalidTimeWindow: ProblemKind(400, "invalid-time-window", "Invalid time window"),
    errors.InvalidQuery: ProblemKind(400, "invalid-query", "Invalid query"),
    errors.UpstreamRejected: ProblemKind(400, "rejected-upstream", "Rejected by SSM Contacts"),
    errors.CallerDenied: ProblemKind(403, "access-denied", "Access denied"),
    errors.EngagementNotFound: ProblemKind(404, "engagement-not-found", "Engagement not found"),
    errors.IncidentNotFound: ProblemKind(404, "incident-not-found", "Incident not found"),
    errors.RouteNotFound: ProblemKind(404, "not-found", "Not found"),
    errors.MethodNotAllowed: ProblemKind(405, "method-not-allowed", "Method not allowed"),
    errors.ProxyMisconfigured: ProblemKind(500, "misconfigured", "Proxy misconfigured"),
    errors.UnreadableEvent: INTERNAL_ERROR,
    errors.UpstreamRoleFault: ProblemKind(
        502, "upstream-role-fault", "Proxy cannot read engagements"
    ),
    errors.UpstreamFailed: ProblemKind(502, "upstream-failed", "SSM Contacts failed"),
    errors.UpstreamThrottled: ProblemKind(503, "upstream-throttled", "SSM Contacts is throttling"),
    errors.UpstreamTimeout: ProblemKind(504, "upstream-timeout", "SSM Contacts timed out"),
    errors.UpstreamUnreachable: ProblemKind(
        504, "upstream-unreachable", "SSM Contacts unreachable"
    ),
}


def kind_of(error: BaseException) -> ProblemKind:
    for cls in type(error).__mro__:
        kind = _KINDS.get(cls)
        if kind is not None:
            return kind
    return INTERNAL_ERROR


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    detail: str
    headers: dict[str, str]

    def body(self, request_id: str) -> str:
        document: dict[str, Any] = {
            "type": TYPE_PREFIX + self.kind.slug,
            "title": self.kind.title,
            "status": self.kind.status,
            "detail": self.detail,
            "instance": request_id,
        }
        return json.dumps(document, separators=(",", ":"))


def problem_for(error: BaseException) -> Problem:
    """The problem a caller sees for `error`. Unknown errors say nothing about themselves."""
    kind = kind_of(error)
    if not isinstance(error, errors.ProxyError) or kind is INTERNAL_ERROR:
        return Problem(INTERNAL_ERROR, "The proxy failed unexpectedly; the logs say why.", {})
    headers: dict[str, str] = {}
    if isinstance(error, errors.UpstreamThrottled):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, errors.MethodNotAllowed):
        headers["Allow"] = "GET"
    return Problem(kind, error.detail, headers)
