"""Properties of the pages, receipts and incident answers, for any pages and receipts SSM
Contacts may list: each page's status follows the documented rule, and no answer below the full
tier holds any `ReceiptInfo`, in any form, in its bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engagement_proxy.model import (
    EngagementSummary,
    EngagementWithPages,
    Page,
    PageWithReceipts,
    Receipt,
    ReceiptType,
)
from engagement_proxy.pages_view import incident_view, pages_view
from engagement_proxy.policy import Tier
from testing_support.contract import expected_status

PREFIX = "arn:aws:ssm-contacts:us-east-2:111122223333"
ENGAGEMENT_ARN = f"{PREFIX}:engagement/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
INCIDENT_ID = "arn:aws:ssm-incidents::111122223333:incident-record/checkout/" + (
    "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
)
MARKER = "SECURE-RECEIPT"
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=7, minutes=30))]
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
MAYBE_MOMENTS = st.none() | MOMENTS
CONTACTS = st.sampled_from(["akua_mansa", "example_escalation", "db_oncall", "x"])
# Anything a provider or a contact could put there: quotes, escapes, control and non-ASCII
# characters, text that looks like JSON, or like the rest of the answer.
INFO_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=40
) | st.sampled_from(['", "ReceiptInfo": "x', "\\u0000", "null", "arn:aws:ssm-contacts", "é€😀"])


@st.composite
def receipts(draw: st.DrawFn) -> Receipt:
    return Receipt(
        ContactChannelArn=draw(st.none() | st.just(f"{PREFIX}:contact-channel/akua_mansa/1")),
        ReceiptType=draw(st.sampled_from(ReceiptType)),
        ReceiptInfo=draw(st.none() | INFO_TEXT.map(lambda text: f"{MARKER}{text}")),
        ReceiptTime=draw(MOMENTS),
    )


@st.composite
def pages_with_receipts(draw: st.DrawFn) -> PageWithReceipts:
    contact = draw(CONTACTS)
    page = Page(
        PageArn=f"{PREFIX}:page/{contact}/{draw(st.uuids())}",
        EngagementArn=ENGAGEMENT_ARN,
        ContactArn=f"{PREFIX}:contact/{contact}",
        Sender=draw(st.sampled_from(["tester", "arn:aws:sts::111122223333:assumed-role/IC/ana"])),
        IncidentId=draw(st.none() | st.just(INCIDENT_ID)),
        SentTime=draw(MAYBE_MOMENTS),
        DeliveryTime=draw(MAYBE_MOMENTS),
        ReadTime=draw(MAYBE_MOMENTS),
    )
    return PageWithReceipts(page, tuple(draw(st.lists(receipts(), max_size=6))))


PAGE_LISTS = st.lists(pages_with_receipts(), max_size=8)


@st.composite
def incidents(draw: st.DrawFn) -> list[EngagementWithPages]:
    engagements = []
    for index in range(draw(st.integers(0, 4))):
        summary = EngagementSummary(
            EngagementArn=f"{PREFIX}:engagement/contact_{index}/{draw(st.uuids())}",
            ContactArn=f"{PREFIX}:contact/contact_{index}",
            Sender="tester",
            IncidentId=INCIDENT_ID,
            StartTime=draw(MAYBE_MOMENTS),
            StopTime=draw(MAYBE_MOMENTS),
        )
        engagements.append(EngagementWithPages(summary, tuple(draw(PAGE_LISTS))))
    return engagements


def infos(pages: list[PageWithReceipts]) -> list[str]:
    return [r.ReceiptInfo for p in pages for r in p.receipts if r.ReceiptInfo is not None]


def traces(info: str) -> list[bytes]:
    """Every way `info` could show in a JSON body: as sent, and as json.dumps escapes it."""
    escaped = json.dumps(info)[1:-1]
    return [info.encode("utf-8", "surrogatepass"), escaped.encode()]


def receipt_infos_in(document: Any) -> list[Any]:
    """Every ReceiptInfo value anywhere in a parsed answer."""
    if isinstance(document, dict):
        found = [document["ReceiptInfo"]] if "ReceiptInfo" in document else []
        return found + [info for value in document.values() for info in receipt_infos_in(value)]
    if isinstance(document, list):
        return [info for value in document for info in receipt_infos_in(value)]
    return []


def sent(view: dict[str, Any]) -> bytes:
    return json.dumps(view, separators=(",", ":")).encode()


@given(pages=PAGE_LISTS, tier=st.sampled_from([Tier.FULL, Tier.REDACTED]))
def test_every_pages_status_follows_the_rule(pages: list[PageWithReceipts], tier: Tier) -> None:
    # Given any pages with any receipts
    # When the answer is built for a caller who may see pages
    shown = json.loads(sent(pages_view(ENGAGEMENT_ARN, pages, False, tier)))["Pages"]

    # Then each page's status is the first of the rule's that holds for it
    by_arn = {item.page.PageArn: item for item in pages}
    for page in shown:
        item = by_arn[page["PageArn"]]
        kinds = {receipt.ReceiptType.value for receipt in item.receipts}
        times = item.page.ReadTime, item.page.DeliveryTime, item.page.SentTime
        was_read, was_delivered, was_sent = (moment is not None for moment in times)
        assert page["Status"] == expected_status(was_read, was_delivered, was_sent, kinds)
    assert len(shown) == len(pages)


@given(pages=PAGE_LISTS, truncated=st.booleans())
def test_no_redacted_pages_answer_holds_any_receipt_info(
    pages: list[PageWithReceipts], truncated: bool
) -> None:
    # Given any pages whose receipts may hold secure info
    # When the redacted answer is built and serialized
    body = sent(pages_view(ENGAGEMENT_ARN, pages, truncated, Tier.REDACTED))

    # Then no info is in the bytes in any form, and every ReceiptInfo is null
    assert MARKER.encode() not in body
    assert not [info for info in infos(pages) for trace in traces(info) if trace in body]
    assert set(receipt_infos_in(json.loads(body))) <= {None}
    assert json.loads(body)["Redacted"] == ["ReceiptInfo"]


@given(engagements=incidents(), truncated=st.booleans())
def test_no_redacted_incident_answer_holds_any_receipt_info(
    engagements: list[EngagementWithPages], truncated: bool
) -> None:
    # Given any incident whose pages' receipts may hold secure info
    # When the redacted answer is built and serialized
    body = sent(incident_view(INCIDENT_ID, engagements, truncated, Tier.REDACTED))

    # Then no info is in the bytes in any form, and every ReceiptInfo is null
    every_info = [info for e in engagements for info in infos(list(e.pages))]
    assert MARKER.encode() not in body
    assert not [info for info in every_info for trace in traces(info) if trace in body]
    assert set(receipt_infos_in(json.loads(body))) <= {None}


@given(pages=PAGE_LISTS)
def test_the_full_answer_carries_every_receipt_info_unchanged(
    pages: list[PageWithReceipts],
) -> None:
    # Given any pages whose receipts may hold secure info
    # When the full answer is built and serialized
    document = json.loads(sent(pages_view(ENGAGEMENT_ARN, pages, False, Tier.FULL)))

    # Then every info arrives exactly as upstream gave it, so the redaction above is real
    shown = [info for info in receipt_infos_in(document) if info is not None]
    assert sorted(shown) == sorted(infos(pages))
    assert document["Redacted"] == []
