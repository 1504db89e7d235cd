"""The documented contract, written out once as the tests' oracle.

Deliberately not derived from the proxy's own code: an oracle that shares the code under test
cannot catch its mistakes.
"""

from __future__ import annotations

from typing import Final

# The answer's keys, in order (docs/api.md, "An engagement").
ANSWER_KEYS: Final = (
    "ContactArn",
    "EngagementArn",
    "Sender",
    "Subject",
    "Content",
    "PublicSubject",
    "PublicContent",
    "IncidentId",
    "StartTime",
    "StopTime",
    "Redacted",
)
SECURE_FIELDS: Final = ("Subject", "Content")

# What the proxy answers for each local fault switch, by fault name: status and problem slug.
FAULT_ANSWERS: Final = {
    "ThrottlingException": (503, "upstream-throttled"),
    "InternalServerException": (502, "upstream-failed"),
    "AccessDeniedException": (502, "upstream-role-fault"),
    "DataEncryptionException": (502, "upstream-role-fault"),
    "ResourceNotFoundException": (404, "engagement-not-found"),
    "not-json": (502, "upstream-failed"),
    "truncated-json": (502, "upstream-failed"),
    "slow": (504, "upstream-timeout"),
}

# GET /engagements/{engagement}/pages, GET /incidents/{incident}/engagements and
# GET /engagements: their keys, in order, and the status rule's statuses in the order they are
# tried (the first that holds wins).
PAGES_ANSWER_KEYS: Final = ("EngagementArn", "Pages", "Truncated", "Redacted")
PAGE_KEYS: Final = (
    "PageArn",
    "ContactArn",
    "Sender",
    "SentTime",
    "DeliveryTime",
    "ReadTime",
    "Status",
    "Receipts",
)
RECEIPT_KEYS: Final = ("ContactChannelArn", "ReceiptType", "ReceiptInfo", "ReceiptTime")
SECURE_RECEIPT_FIELDS: Final = ("ReceiptInfo",)
INCIDENT_ANSWER_KEYS: Final = ("IncidentId", "Engagements", "Truncated", "Redacted")
INCIDENT_ENGAGEMENT_KEYS: Final = (
    "EngagementArn",
    "ContactArn",
    "Sender",
    "StartTime",
    "StopTime",
    "Pages",
)
ENGAGEMENTS_LIST_KEYS: Final = ("Engagements", "Truncated")
LISTED_ENGAGEMENT_KEYS: Final = (
    "EngagementArn",
    "ContactArn",
    "Sender",
    "IncidentId",
    "StartTime",
    "StopTime",
)
PAGE_STATUSES: Final = ("read", "delivered", "stopped", "sent", "failed", "pending")


def expected_status(read: bool, delivered: bool, sent: bool, receipt_types: set[str]) -> str:
    """The status rule (docs/api.md, "Its pages"): the first status that holds, given whether
    the page has a ReadTime, a DeliveryTime and a SentTime, and the types of its receipts."""
    holds = {
        "read": read or "READ" in receipt_types,
        "delivered": delivered or "DELIVERED" in receipt_types,
        "stopped": "STOP" in receipt_types,
        "sent": sent or "SENT" in receipt_types,
        "failed": "ERROR" in receipt_types,
        "pending": True,
    }
    return next(status for status in PAGE_STATUSES if holds[status])
