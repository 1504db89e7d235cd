"""What SSM Contacts told us, as plain frozen values: the shapes the pure modules share. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Engagement:
    """An engagement as DescribeEngagement describes it: exactly the fields this proxy knows."""

    ContactArn: str
    EngagementArn: str
    Sender: str
    Subject: str
    Content: str
    PublicSubject: str | None
    PublicContent: str | None
    IncidentId: str | None
    StartTime: datetime | None
    StopTime: datetime | None

    def __repr__(self) -> str:
        # Keep secure text out of tracebacks, debuggers and accidental log lines.
        return f"Engagement(EngagementArn={self.EngagementArn!r}, ...)"


@dataclass(frozen=True)
class Described:
    """One DescribeEngagement answer and the request id SSM Contacts gave it."""

    engagement: Engagement
    request_id: str | None

    @property
    def stopped(self) -> bool:
        return self.engagement.StopTime is not None
