"""Who was paged and did it reach them: each page's status, and the answers about pages,
receipts and engagements, built field by field from an allow-list for the caller's tier. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from engagement_proxy.model import (
    EngagementSummary,
    EngagementWithPages,
    Page,
    PageWithReceipts,
    Receipt,
    ReceiptType,
)
from engagement_proxy.policy import Tier
from engagement_proxy.view import rfc3339

SECURE_RECEIPT_FIELDS = ("ReceiptInfo",)
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class PageStatus(StrEnum):
    READ = "read"
    DELIVERED = "delivered"
    STOPPED = "stopped"
    SENT = "sent"
    FAILED = "failed"
    PENDING = "pending"


def page_status(page: Page, receipts: Iterable[Receipt]) -> PageStatus:
    """The first status that holds, most advanced first: a read page was delivered and sent
    too, and a later receipt never takes an earlier status back."""
    types = {receipt.ReceiptType for receipt in receipts}
    if page.ReadTime is not None or ReceiptType.READ in types:
        return PageStatus.READ
    if page.DeliveryTime is not None or ReceiptType.DELIVERED in types:
        return PageStatus.DELIVERED
    if ReceiptType.STOP in types:
        return PageStatus.STOPPED
    if page.SentTime is not None or ReceiptType.SENT in types:
        return PageStatus.SENT
    if ReceiptType.ERROR in types:
        return PageStatus.FAILED
    return PageStatus.PENDING


def withheld_receipt_fields(tier: Tier) -> tuple[str, ...]:
    """The receipt fields a caller of `tier` does not see. Deny has no view: asking is a bug."""
    if tier is Tier.FULL:
        return ()
    if tier is Tier.REDACTED:
        return SECURE_RECEIPT_FIELDS
    raise ValueError(f"no view for tier {tier}")


def pages_view(
    engagement_arn: str, pages: Sequence[PageWithReceipts], truncated: bool, tier: Tier
) -> dict[str, Any]:
    """The answer to GET /engagements/{engagement}/pages."""
    withheld = withheld_receipt_fields(tier)
    return {
        "EngagementArn": engagement_arn,
        "Pages": _pages(pages, withheld),
        "Truncated": truncated,
        "Redacted": list(withheld),
    }


def incident_view(
    incident_id: str, engagements: Sequence[EngagementWithPages], truncated: bool, tier: Tier
) -> dict[str, Any]:
    """The answer to GET /incidents/{incident}/engagements: each engagement with its pages."""
    withheld = withheld_receipt_fields(tier)
    ordered = sorted(engagements, key=lambda item: _engagement_order(item.engagement))
    return {
        "IncidentId": incident_id,
        "Engagements": [
            {
                "EngagementArn": item.engagement.EngagementArn,
                "ContactArn": item.engagement.ContactArn,
                "Sender": item.engagement.Sender,
                "StartTime": rfc3339(item.engagement.StartTime),
                "StopTime": rfc3339(item.engagement.StopTime),
                "Pages": _pages(item.pages, withheld),
            }
            for item in ordered
        ],
        "Truncated": truncated,
        "Redacted": list(withheld),
    }


def engagements_list_view(
    engagements: Sequence[EngagementSummary], truncated: bool, tier: Tier
) -> dict[str, Any]:
    """The answer to GET /engagements: newest first, without pages, so nothing to redact."""
    withheld_receipt_fields(tier)  # refuses deny like every other view
    ordered = sorted(engagements, key=lambda item: item.EngagementArn)
    # Newest first. Sorting in reverse is still stable, so equal start times keep the ARN
    # order, and engagements without a start time come last.
    ordered.sort(
        key=lambda item: (item.StartTime is not None, item.StartTime or _EARLIEST), reverse=True
    )
    return {
        "Engagements": [
            {
                "EngagementArn": item.EngagementArn,
                "ContactArn": item.ContactArn,
                "Sender": item.Sender,
                "IncidentId": item.IncidentId,
                "StartTime": rfc3339(item.StartTime),
                "StopTime": rfc3339(item.StopTime),
            }
            for item in ordered
        ],
        "Truncated": truncated,
    }


def _pages(pages: Iterable[PageWithReceipts], withheld: tuple[str, ...]) -> list[dict[str, Any]]:
    ordered = sorted(pages, key=lambda item: (*_time_order(item.page.SentTime), item.page.PageArn))
    return [_page(item, withheld) for item in ordered]


def _page(item: PageWithReceipts, withheld: tuple[str, ...]) -> dict[str, Any]:
    page = item.page
    # Stable: receipts at the same instant keep SSM Contacts' order.
    receipts = sorted(item.receipts, key=lambda receipt: receipt.ReceiptTime)
    return {
        "PageArn": page.PageArn,
        "ContactArn": page.ContactArn,
        "Sender": page.Sender,
        "SentTime": rfc3339(page.SentTime),
        "DeliveryTime": rfc3339(page.DeliveryTime),
        "ReadTime": rfc3339(page.ReadTime),
        "Status": page_status(page, item.receipts).value,
        "Receipts": [
            {
                "ContactChannelArn": receipt.ContactChannelArn,
                "ReceiptType": receipt.ReceiptType.value,
                "ReceiptInfo": None if "ReceiptInfo" in withheld else receipt.ReceiptInfo,
                "ReceiptTime": rfc3339(receipt.ReceiptTime),
            }
            for receipt in receipts
        ],
    }


def _engagement_order(engagement: EngagementSummary) -> tuple[bool, datetime, str]:
    return (*_time_order(engagement.StartTime), engagement.EngagementArn)


def _time_order(moment: datetime | None) -> tuple[bool, datetime]:
    """Earliest first, and what has no time yet after everything that has one."""
    return (moment is None, moment or _EARLIEST)
