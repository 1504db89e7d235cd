"""The audit record: one line per request saying who asked for what and what they got."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engagement_proxy.identity import Caller


@dataclass
class AuditRecord:
    # The caller's ARN exactly as authenticated (an assumed-role session with its session name),
    # or a token's `issuer#subject`.
    caller: str | None = None
    principal: str | None = None  # the IAM principal the policy judged (a session's role)
    issuer: str | None = None
    subject: str | None = None
    caller_name: str | None = None  # a token's email or name claim, when present
    token_groups: str | None = None  # whether a token's groups were believed, or why not
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
            self.principal = caller.principal.arn if caller.principal is not None else None
            self.account = caller.account_id
            self.org = caller.org_id
            self.issuer = caller.issuer
            self.subject = caller.subject
            self.caller_name = caller.display_name
            self.token_groups = caller.token_groups

    def fields(self) -> dict[str, Any]:
        # A shallow copy: asdict's deep copy costs more than the whole audit line's other work.
        return dict(vars(self))
