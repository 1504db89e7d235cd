"""Pages, receipts and engagements: each page's status, and the answers built from an
allow-list per tier, `ReceiptInfo` only for the full tier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from engagement_proxy.model import (
    EngagementSummary,
    EngagementWithPages,
    Page,
    PageWithReceipts,
    Receipt,
    ReceiptType,
)
from engagement_proxy.pages_view import (
    engagements_list_view,
    incident_view,
    page_status,
    pages_view,
)
from engagement_proxy.policy import Tier
from testing_support.contract import (
    ENGAGEMENTS_LIST_KEYS,
    INCIDENT_ANSWER_KEYS,
    INCIDENT_ENGAGEMENT_KEYS,
    LISTED_ENGAGEMENT_KEYS,
    PAGE_KEYS,
    PAGES_ANSWER_KEYS,
    RECEIPT_KEYS,
)

ACCOUNT = "111122223333"
PREFIX = f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}"
ENGAGEMENT_ARN = f"{PREFIX}:engagement/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
INCIDENT_ID = f"arn:aws:ssm-incidents::{ACCOUNT}:incident-record/checkout/" + (
    "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
)
PAGE_ARN = f"{PREFIX}:page/akua_mansa/ad0052bd-e606-498a-861b-25726292eb93"
CONTACT_ARN = f"{PREFIX}:contact/akua_mansa"
CHANNEL_ARN = f"{PREFIX}:contact-channel/akua_mansa/fc7405c4-46b2-48b7-87b2-93e2f225b90d"
SECURE_INFO = "SECURE-RECEIPT accept code 771904, provider message id 4f7e-SMS-9921"
# 20:25:42.000 at UTC+02:00, i.e. 18:25:42Z; botocore hands out local-time datetimes.
SENT = datetime(2021, 5, 18, 20, 25, 42, tzinfo=timezone(timedelta(hours=2)))
DELIVERED = datetime(2021, 5, 18, 18, 25, 43, 250000, tzinfo=UTC)
READ = datetime(2021, 5, 18, 18, 27, 5, tzinfo=UTC)


def page(**changes: Any) -> Page:
    fields: dict[str, Any] = {
        "PageArn": PAGE_ARN,
        "EngagementArn": ENGAGEMENT_ARN,
        "ContactArn": CONTACT_ARN,
        "Sender": "tester",
        "IncidentId": INCIDENT_ID,
        "SentTime": SENT,
        "DeliveryTime": DELIVERED,
        "ReadTime": None,
    }
    fields.update(changes)
    return Page(**fields)


def receipt(kind: ReceiptType, moment: datetime, **changes: Any) -> Receipt:
    fields: dict[str, Any] = {
        "ContactChannelArn": CHANNEL_ARN,
        "ReceiptType": kind,
        "ReceiptInfo": SECURE_INFO,
        "ReceiptTime": moment,
    }
    fields.update(changes)
    return Receipt(**fields)


def delivered_page() -> PageWithReceipts:
    return PageWithReceipts(
        page(),
        (receipt(ReceiptType.DELIVERED, DELIVERED), receipt(ReceiptType.SENT, SENT)),
    )


def summary(arn: str = ENGAGEMENT_ARN, start: datetime | None = SENT) -> EngagementSummary:
    return EngagementSummary(
        EngagementArn=arn,
        ContactArn=f"{PREFIX}:contact/example_escalation",
        Sender="tester",
        IncidentId=INCIDENT_ID,
        StartTime=start,
        StopTime=None,
    )


def body_of(view: dict[str, Any]) -> bytes:
    return json.dumps(view, separators=(",", ":")).encode()


# --- the pages of an engagement ------------------------------------------------------------------


def test_full_tier_sees_every_page_field_and_the_receipt_info() -> None:
    # Given a delivered page with a SENT and a DELIVERED receipt
    # When the full view of the engagement's pages is built
    view = pages_view(ENGAGEMENT_ARN, [delivered_page()], False, Tier.FULL)

    # Then it is exactly the documented answer, receipts by time, nothing withheld
    assert view == {
        "EngagementArn": ENGAGEMENT_ARN,
        "Pages": [
            {
                "PageArn": PAGE_ARN,
                "ContactArn": CONTACT_ARN,
                "Sender": "tester",
                "SentTime": "2021-05-18T18:25:42.000Z",
                "DeliveryTime": "2021-05-18T18:25:43.250Z",
                "ReadTime": None,
                "Status": "delivered",
                "Receipts": [
                    {
                        "ContactChannelArn": CHANNEL_ARN,
                        "ReceiptType": "SENT",
                        "ReceiptInfo": SECURE_INFO,
                        "ReceiptTime": "2021-05-18T18:25:42.000Z",
                    },
                    {
                        "ContactChannelArn": CHANNEL_ARN,
                        "ReceiptType": "DELIVERED",
                        "ReceiptInfo": SECURE_INFO,
                        "ReceiptTime": "2021-05-18T18:25:43.250Z",
                    },
                ],
            }
        ],
        "Truncated": False,
        "Redacted": [],
    }


def test_redacted_tier_gets_null_receipt_info_and_is_told_so() -> None:
    # Given a page whose receipts hold secure text
    # When the redacted view is built
    view = pages_view(ENGAGEMENT_ARN, [delivered_page()], False, Tier.REDACTED)

    # Then every ReceiptInfo is null, the rest of each receipt is there, and Redacted says so
    receipts = view["Pages"][0]["Receipts"]
    assert [r["ReceiptInfo"] for r in receipts] == [None, None]
    assert [r["ReceiptType"] for r in receipts] == ["SENT", "DELIVERED"]
    assert view["Redacted"] == ["ReceiptInfo"]


def test_redacted_view_bytes_hold_no_receipt_info() -> None:
    # Given receipts whose info holds an accept code and a provider message id
    # When the redacted view is serialized
    data = body_of(pages_view(ENGAGEMENT_ARN, [delivered_page()], False, Tier.REDACTED))

    # Then neither the info nor any part of it is in the bytes
    for secret in (SECURE_INFO, "SECURE-RECEIPT", "771904", "4f7e-SMS-9921"):
        assert secret.encode() not in data
    assert data.count(b'"ReceiptInfo":null') == 2


@pytest.mark.parametrize("tier", [Tier.FULL, Tier.REDACTED])
def test_pages_answer_has_exactly_the_documented_keys_in_order(tier: Tier) -> None:
    # Given any page with receipts
    # When a view is built and sent as JSON
    sent = json.loads(body_of(pages_view(ENGAGEMENT_ARN, [delivered_page()], True, tier)))

    # Then the answer, each page and each receipt have the documented keys, in order
    assert tuple(sent) == PAGES_ANSWER_KEYS
    assert tuple(sent["Pages"][0]) == PAGE_KEYS
    assert tuple(sent["Pages"][0]["Receipts"][0]) == RECEIPT_KEYS
    assert sent["Truncated"] is True


def test_absent_page_and_receipt_fields_are_null_not_missing() -> None:
    # Given a page never sent, with a receipt that names no channel and carries no info
    bare = PageWithReceipts(
        page(SentTime=None, DeliveryTime=None, ReadTime=None),
        (receipt(ReceiptType.ERROR, READ, ContactChannelArn=None, ReceiptInfo=None),),
    )

    # When the full view is built
    (shown,) = pages_view(ENGAGEMENT_ARN, [bare], False, Tier.FULL)["Pages"]

    # Then those keys are there, and null
    assert tuple(shown) == PAGE_KEYS
    assert (shown["SentTime"], shown["DeliveryTime"], shown["ReadTime"]) == (None, None, None)
    assert shown["Receipts"][0]["ContactChannelArn"] is None
    assert shown["Receipts"][0]["ReceiptInfo"] is None


def test_pages_are_ordered_by_sent_time_then_arn_and_unsent_pages_come_last() -> None:
    # Given pages sent at different times, two at the same instant, and one not sent yet
    def at(name: str, sent: datetime | None) -> PageWithReceipts:
        return PageWithReceipts(page(PageArn=f"{PREFIX}:page/{name}/{'0' * 8}", SentTime=sent), ())

    pages = [at("zed", None), at("bee", SENT), at("ann", SENT), at("cat", SENT - timedelta(1))]

    # When the view is built
    view = pages_view(ENGAGEMENT_ARN, pages, False, Tier.FULL)

    # Then the earliest is first, equal times go by ARN, the unsent page is last
    order = [shown["PageArn"].split("/")[1] for shown in view["Pages"]]
    assert order == ["cat", "ann", "bee", "zed"]


def test_receipts_are_ordered_by_time_and_equal_times_keep_upstreams_order() -> None:
    # Given receipts upstream listed out of time order, two of them at the same instant
    receipts = (
        receipt(ReceiptType.READ, READ),
        receipt(ReceiptType.DELIVERED, SENT),
        receipt(ReceiptType.SENT, SENT),
        receipt(ReceiptType.SENT, SENT - timedelta(seconds=1)),
    )

    # When the view is built
    (shown,) = pages_view(ENGAGEMENT_ARN, [PageWithReceipts(page(), receipts)], False, Tier.FULL)[
        "Pages"
    ]

    # Then they are by time, and the two at one instant in the order upstream gave them
    assert [r["ReceiptType"] for r in shown["Receipts"]] == ["SENT", "DELIVERED", "SENT", "READ"]


def test_times_are_rfc3339_utc_with_milliseconds() -> None:
    # Given a page sent at 20:25:42 UTC+02:00, read at a moment with microseconds
    read = datetime(2021, 5, 18, 12, 0, 0, 123999, tzinfo=timezone(timedelta(hours=-5)))
    item = PageWithReceipts(page(ReadTime=read), (receipt(ReceiptType.READ, read),))

    # When the view is built
    (shown,) = pages_view(ENGAGEMENT_ARN, [item], False, Tier.FULL)["Pages"]

    # Then every time is UTC with Z and milliseconds
    assert shown["SentTime"] == "2021-05-18T18:25:42.000Z"
    assert shown["ReadTime"] == "2021-05-18T17:00:00.123Z"
    assert shown["Receipts"][0]["ReceiptTime"] == "2021-05-18T17:00:00.123Z"


# --- the status rule -----------------------------------------------------------------------------

NONE: tuple[ReceiptType, ...] = ()


@pytest.mark.parametrize(
    ("times", "kinds", "status"),
    [
        pytest.param({"ReadTime": READ}, NONE, "read", id="read time"),
        pytest.param({}, (ReceiptType.READ,), "read", id="read receipt"),
        pytest.param({"DeliveryTime": DELIVERED}, NONE, "delivered", id="delivery time"),
        pytest.param({}, (ReceiptType.DELIVERED,), "delivered", id="delivered receipt"),
        pytest.param({"SentTime": SENT}, (ReceiptType.STOP,), "stopped", id="stop after sent"),
        pytest.param({}, (ReceiptType.STOP,), "stopped", id="stop receipt"),
        pytest.param({"SentTime": SENT}, NONE, "sent", id="sent time"),
        pytest.param({}, (ReceiptType.SENT,), "sent", id="sent receipt"),
        pytest.param({}, (ReceiptType.ERROR,), "failed", id="error receipt"),
        pytest.param({}, NONE, "pending", id="nothing yet"),
        pytest.param(
            {"DeliveryTime": DELIVERED}, (ReceiptType.STOP,), "delivered", id="delivered beats stop"
        ),
        pytest.param({}, (ReceiptType.ERROR, ReceiptType.SENT), "sent", id="sent beats error"),
        pytest.param({}, (ReceiptType.ERROR, ReceiptType.READ), "read", id="read beats error"),
        pytest.param(
            {"SentTime": SENT}, (ReceiptType.ERROR,), "sent", id="error after sent is still sent"
        ),
    ],
)
def test_status_is_the_first_that_holds(
    times: dict[str, datetime], kinds: tuple[ReceiptType, ...], status: str
) -> None:
    # Given a page with these times (the others unset) and receipts of these types
    item = page(**{"SentTime": None, "DeliveryTime": None, "ReadTime": None, **times})
    receipts = [receipt(kind, SENT) for kind in kinds]

    # When its status is decided, and shown
    decided = page_status(item, receipts)
    (shown,) = pages_view(
        ENGAGEMENT_ARN, [PageWithReceipts(item, tuple(receipts))], False, Tier.REDACTED
    )["Pages"]

    # Then it is the first of the rule's statuses that holds
    assert decided == status
    assert shown["Status"] == status


# --- the engagements of an incident --------------------------------------------------------------


def incident_answer(tier: Tier) -> dict[str, Any]:
    later = summary(f"{PREFIX}:engagement/later/{'1' * 8}", SENT + timedelta(minutes=5))
    earlier = summary(f"{PREFIX}:engagement/earlier/{'2' * 8}", SENT)
    unstarted = summary(f"{PREFIX}:engagement/unstarted/{'3' * 8}", None)
    engagements = [
        EngagementWithPages(unstarted, ()),
        EngagementWithPages(later, ()),
        EngagementWithPages(earlier, (delivered_page(),)),
    ]
    return incident_view(INCIDENT_ID, engagements, False, tier)


def test_incident_engagements_are_ordered_by_start_time_each_with_its_pages() -> None:
    # Given an incident with engagements started at different times and one not started
    # When the full view is built
    view = incident_answer(Tier.FULL)

    # Then the earliest comes first, the unstarted last, and each carries its own pages
    assert [e["EngagementArn"].split("/")[1] for e in view["Engagements"]] == [
        "earlier",
        "later",
        "unstarted",
    ]
    assert [len(e["Pages"]) for e in view["Engagements"]] == [1, 0, 0]
    assert view["Engagements"][0]["Pages"][0]["Status"] == "delivered"
    assert view["Engagements"][0]["StartTime"] == "2021-05-18T18:25:42.000Z"
    assert view["Engagements"][0]["StopTime"] is None


@pytest.mark.parametrize("tier", [Tier.FULL, Tier.REDACTED])
def test_incident_answer_has_exactly_the_documented_keys_in_order(tier: Tier) -> None:
    # Given an incident's engagements
    # When a view is built and sent as JSON
    sent = json.loads(body_of(incident_answer(tier)))

    # Then the answer and each engagement have the documented keys, in order
    assert tuple(sent) == INCIDENT_ANSWER_KEYS
    assert {tuple(engagement) for engagement in sent["Engagements"]} == {INCIDENT_ENGAGEMENT_KEYS}
    assert sent["IncidentId"] == INCIDENT_ID
    assert tuple(sent["Engagements"][0]["Pages"][0]) == PAGE_KEYS


def test_redacted_incident_answer_holds_no_receipt_info() -> None:
    # Given an incident whose pages' receipts hold secure text
    # When the redacted view is serialized
    data = body_of(incident_answer(Tier.REDACTED))

    # Then the text is not in the bytes, and Redacted names the field
    assert SECURE_INFO.encode() not in data
    assert json.loads(data)["Redacted"] == ["ReceiptInfo"]


def test_full_incident_answer_holds_the_receipt_info() -> None:
    # Given the same incident
    # When the full view is built
    view = incident_answer(Tier.FULL)

    # Then the receipts carry their info and nothing is withheld
    receipts = view["Engagements"][0]["Pages"][0]["Receipts"]
    assert [r["ReceiptInfo"] for r in receipts] == [SECURE_INFO, SECURE_INFO]
    assert view["Redacted"] == []


# --- the engagements of a time window ------------------------------------------------------------


def test_listed_engagements_are_newest_first_then_by_arn_unstarted_last() -> None:
    # Given engagements started at three moments, two at the same one, and one not started
    listed = [
        summary(f"{PREFIX}:engagement/old/{'1' * 8}", SENT),
        summary(f"{PREFIX}:engagement/unstarted/{'2' * 8}", None),
        summary(f"{PREFIX}:engagement/newb/{'3' * 8}", SENT + timedelta(hours=1)),
        summary(f"{PREFIX}:engagement/newa/{'4' * 8}", SENT + timedelta(hours=1)),
        summary(f"{PREFIX}:engagement/mid/{'5' * 8}", SENT + timedelta(minutes=1)),
    ]

    # When the list view is built
    view = engagements_list_view(listed, False, Tier.REDACTED)

    # Then the newest come first, equal times by ARN, the unstarted one last
    order = [e["EngagementArn"].split("/")[1] for e in view["Engagements"]]
    assert order == ["newa", "newb", "mid", "old", "unstarted"]


def test_engagements_list_has_exactly_the_documented_keys_and_nothing_redacted() -> None:
    # Given one engagement
    # When the list view is built and sent as JSON
    sent = json.loads(body_of(engagements_list_view([summary()], True, Tier.REDACTED)))

    # Then the answer and the engagement have the documented keys, in order; no pages
    assert tuple(sent) == ENGAGEMENTS_LIST_KEYS
    assert tuple(sent["Engagements"][0]) == LISTED_ENGAGEMENT_KEYS
    assert sent["Engagements"][0]["IncidentId"] == INCIDENT_ID
    assert sent["Truncated"] is True


# --- deny, and what a traceback shows -----------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda tier: pages_view(ENGAGEMENT_ARN, [delivered_page()], False, tier),
        lambda tier: incident_view(INCIDENT_ID, [], False, tier),
        lambda tier: engagements_list_view([summary()], False, tier),
    ],
    ids=["pages", "incident", "list"],
)
def test_deny_has_no_view(build: Any) -> None:
    # Given a caller denied by the policy
    # When a view is asked for anyway
    # Then it is refused rather than built
    with pytest.raises(ValueError, match="deny"):
        build(Tier.DENY)


def test_receipt_repr_holds_no_receipt_info() -> None:
    # Given a receipt with secure info, inside a page, inside an engagement
    secure = receipt(ReceiptType.READ, READ)
    nested = EngagementWithPages(summary(), (PageWithReceipts(page(), (secure,)),))

    # When they are shown in a traceback, a debugger or an f-string
    shown = [repr(secure), str(secure), f"{secure}", repr(nested), repr([secure])]

    # Then the info is nowhere, but the type and time say which receipt it is
    for text in shown:
        assert SECURE_INFO not in text
        assert "771904" not in text
    assert "READ" in repr(secure) and "2021" in repr(secure)
