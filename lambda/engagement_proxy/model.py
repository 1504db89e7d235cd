"""What SSM Contacts told us, as plain frozen values: the shapes the pure modules share. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


class ReceiptType(StrEnum):
    """What a page's receipt reports: ListPageReceipts' `ReceiptType`."""

    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    ERROR = "ERROR"
    STOP = "STOP"


@dataclass(frozen=True)
class EngagementSummary:
    """An engagement as ListEngagements lists it: no message, so nothing secure."""

    EngagementArn: str
    ContactArn: str
    Sender: str
    IncidentId: str | None
    StartTime: datetime | None
    StopTime: datetime | None


@dataclass(frozen=True)
class Page:
    """A page of an engagement as ListPagesByEngagement lists it."""

    PageArn: str
    EngagementArn: str
    ContactArn: str
    Sender: str
    IncidentId: str | None
    SentTime: datetime | None
    DeliveryTime: datetime | None
    ReadTime: datetime | None


@dataclass(frozen=True)
class Receipt:
    """A receipt of a page as ListPageReceipts lists it. `ReceiptInfo` is secure: it can hold
    the accept code a contact answered with and the message provider's ids."""

    ContactChannelArn: str | None
    ReceiptType: ReceiptType
    ReceiptInfo: str | None
    ReceiptTime: datetime

    def __repr__(self) -> str:
        # Keep secure text out of tracebacks, debuggers and accidental log lines.
        return (
            f"Receipt(ContactChannelArn={self.ContactChannelArn!r}, "
            f"ReceiptType={self.ReceiptType.value!r}, ReceiptTime={self.ReceiptTime!r}, ...)"
        )


@dataclass(frozen=True)
class PageWithReceipts:
    """A page and every receipt of it."""

    page: Page
    receipts: tuple[Receipt, ...]


@dataclass(frozen=True)
class EngagementWithPages:
    """An engagement of an incident and its pages, each with its receipts."""

    engagement: EngagementSummary
    pages: tuple[PageWithReceipts, ...]
