"""The audit record: one line per request saying who asked for what and what they got."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engagement_proxy.identity import Caller


@dataclass
class AuditRecord:
    caller: str | None = None
    issuer: str | None = None
    subject: str | None = None
    caller_name: str | None = None  # a token's email or name claim, when present
    account: str | None = None
    org: str | None = None
    tier: str | None = None
    route: str | None = None
    engagement_arn: str | None = None
    incident_id: str | None = None
    pages: int | None = None
    engagements: int | None = None
    outcome: str = "internal-error"
    status: int | None = None
    cache: str | None = None
    upstream_calls: int = 0
    upstream_request_id: str | None = None
    upstream_error: str | None = None

    def record_caller(self, caller: Caller | None) -> None:
        if caller is not None:
            self.caller = caller.name
            self.account = caller.account_id
            self.org = caller.org_id
            self.issuer = caller.issuer
            self.subject = caller.subject
            self.caller_name = caller.display_name

    def fields(self) -> dict[str, Any]:
        # A shallow copy: asdict's deep copy costs more than the whole audit line's other work.
        return dict(vars(self))
