"""Who was paged: SSM Contacts' list operations, every NextToken followed within bounds, each
answer checked and turned into the model's frozen values. Talks to AWS only through `upstream`.

Bounded work: at most MAX_PAGES pages per engagement and MAX_ENGAGEMENTS engagements per answer;
past a bound the answer says it is truncated. Any failure fails the whole answer: a dashboard
cannot tell a page left out from a page not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from engagement_proxy.deadline import Deadline
from engagement_proxy.errors import ProxyError, UpstreamFailed
from engagement_proxy.ids import EngagementRef
from engagement_proxy.model import (
    EngagementSummary,
    Page,
    PageWithReceipts,
    Receipt,
    ReceiptType,
)
from engagement_proxy.upstream import SsmContacts

MAX_PAGES = 100
MAX_ENGAGEMENTS = 50
# The newest MAX_ENGAGEMENTS of a window need every engagement of it (SSM Contacts lists in no
# promised order): read at most this many per region, five upstream answers' worth.
MAX_WINDOW_SCAN = 500
MAX_RECEIPTS = 100  # per page: a page is sent, delivered, read; a hundred is a broken channel
_PAGE_SIZE = 100

_PAGE_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):ssm-contacts:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"page/[a-z0-9_-]{1,255}/[0-9a-f-]{36}",
    re.ASCII,
)

T = TypeVar("T")


@dataclass
class Tally:
    """The upstream calls one request has made, counted as each is made: a failure part way
    through a fan-out still reports every call it cost."""

    calls: int = 0


@dataclass(frozen=True)
class Listed:
    """What one bounded listing found."""

    items: tuple[Any, ...]
    truncated: bool


@dataclass(frozen=True)
class EngagementPages:
    """The pages of one engagement, each with its receipts: the cached unit of the pages and
    incident answers. Always kept as for a running engagement: a page is read long after the
    engagement stops paging."""

    pages: tuple[PageWithReceipts, ...]
    truncated: bool
    stopped: bool = False


@dataclass(frozen=True)
class EngagementList:
    """Engagements listed in one region (of an incident or a time window)."""

    engagements: tuple[EngagementSummary, ...]
    truncated: bool
    stopped: bool = False


def list_bounded(
    upstream: SsmContacts,
    region: str,
    operation: str,
    member: str,
    parse: Callable[[Mapping[str, Any]], T],
    limit: int,
    deadline: Deadline,
    tally: Tally,
    **params: Any,
) -> Listed:
    """Every item of a paginated operation, at most `limit` of them."""
    items: list[T] = []
    token: str | None = None
    while True:
        asked = dict(params, MaxResults=_PAGE_SIZE)
        if token is not None:
            asked["NextToken"] = token
        tally.calls += 1
        response = upstream.call(region, operation, deadline, **asked)
        found = response.get(member)
        if not isinstance(found, list):
            raise _malformed(response, f"SSM Contacts sent no {member} list.")
        items.extend(_parsed(parse, item, response) for item in found)
        token = response.get("NextToken") or None
        if len(items) > limit or (len(items) == limit and token is not None):
            return Listed(tuple(items[:limit]), True)
        if token is None:
            return Listed(tuple(items), False)
        if not isinstance(token, str):
            raise _malformed(response, "SSM Contacts sent a NextToken that is not text.")


def engagement_pages(
    upstream: SsmContacts, ref: EngagementRef, deadline: Deadline, tally: Tally
) -> EngagementPages:
    """The engagement's pages with their receipts; the receipts of all pages fetched side by
    side in the upstream pool, within the same deadline."""
    listed = list_bounded(
        upstream,
        ref.region,
        "list_pages_by_engagement",
        "Pages",
        page_from,
        MAX_PAGES,
        deadline,
        tally,
        EngagementId=ref.arn,
    )
    pages: tuple[Page, ...] = listed.items
    for page in pages:
        if page.EngagementArn != ref.arn or not _in_region(page.PageArn, ref):
            raise UpstreamFailed("SSM Contacts listed a page of another engagement.")
    first = []
    for page in pages:
        tally.calls += 1
        first.append(
            upstream.start(
                ref.region,
                "list_page_receipts",
                deadline,
                PageId=page.PageArn,
                MaxResults=_PAGE_SIZE,
            )
        )
    truncated = listed.truncated
    with_receipts = []
    for page, pending in zip(pages, first, strict=True):
        response = pending.result()
        receipts = _receipts(response)
        token = response.get("NextToken") or None
        while token is not None and len(receipts) < MAX_RECEIPTS:
            tally.calls += 1
            more = upstream.call(
                ref.region,
                "list_page_receipts",
                deadline,
                PageId=page.PageArn,
                MaxResults=_PAGE_SIZE,
                NextToken=token,
            )
            receipts += _receipts(more)
            token = more.get("NextToken") or None
        truncated = truncated or len(receipts) > MAX_RECEIPTS or token is not None
        with_receipts.append(PageWithReceipts(page, tuple(receipts[:MAX_RECEIPTS])))
    return EngagementPages(tuple(with_receipts), truncated)


def list_engagements(
    upstream: SsmContacts,
    region: str,
    deadline: Deadline,
    tally: Tally,
    limit: int,
    **params: Any,
) -> EngagementList:
    listed = list_bounded(
        upstream,
        region,
        "list_engagements",
        "Engagements",
        summary_from,
        limit,
        deadline,
        tally,
        **params,
    )
    return EngagementList(listed.items, listed.truncated)


def page_from(item: Mapping[str, Any]) -> Page:
    return Page(
        PageArn=_text(item, "PageArn"),
        EngagementArn=_text(item, "EngagementArn"),
        ContactArn=_text(item, "ContactArn"),
        Sender=_text(item, "Sender"),
        IncidentId=_optional_text(item, "IncidentId"),
        SentTime=_optional_time(item, "SentTime"),
        DeliveryTime=_optional_time(item, "DeliveryTime"),
        ReadTime=_optional_time(item, "ReadTime"),
    )


def receipt_from(item: Mapping[str, Any]) -> Receipt:
    try:
        kind = ReceiptType(str(item.get("ReceiptType")))
    except ValueError:
        raise UpstreamFailed("SSM Contacts sent a receipt of an unknown type.") from None
    moment = _optional_time(item, "ReceiptTime")
    if moment is None:
        raise UpstreamFailed("SSM Contacts sent a receipt without a time.")
    return Receipt(
        ContactChannelArn=_optional_text(item, "ContactChannelArn"),
        ReceiptType=kind,
        ReceiptInfo=_optional_text(item, "ReceiptInfo"),
        ReceiptTime=moment,
    )


def summary_from(item: Mapping[str, Any]) -> EngagementSummary:
    return EngagementSummary(
        EngagementArn=_text(item, "EngagementArn"),
        ContactArn=_text(item, "ContactArn"),
        Sender=_text(item, "Sender"),
        IncidentId=_optional_text(item, "IncidentId"),
        StartTime=_optional_time(item, "StartTime"),
        StopTime=_optional_time(item, "StopTime"),
    )


def _receipts(response: Mapping[str, Any]) -> list[Receipt]:
    found = response.get("Receipts")
    if not isinstance(found, list):
        raise _malformed(response, "SSM Contacts sent no Receipts list.")
    return [_parsed(receipt_from, item, response) for item in found]


def _parsed(parse: Callable[[Mapping[str, Any]], T], item: Any, response: Mapping[str, Any]) -> T:
    if not isinstance(item, Mapping):
        raise _malformed(response, "SSM Contacts sent a list item that is not an object.")
    try:
        return parse(item)
    except ProxyError as error:
        raise _malformed(response, error.detail) from None


def _in_region(page_arn: str, ref: EngagementRef) -> bool:
    match = _PAGE_ARN.fullmatch(page_arn)
    return (
        match is not None
        and match["region"] == ref.region
        and ref.arn.startswith(
            f"arn:{match['partition']}:ssm-contacts:{match['region']}:{match['account']}:"
        )
    )


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        raise UpstreamFailed(f"SSM Contacts sent an item without {name}.")
    return value


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is not None and not isinstance(value, str):
        raise UpstreamFailed(f"SSM Contacts sent an item whose {name} is not text.")
    return value


def _optional_time(item: Mapping[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    if value is not None and not isinstance(value, datetime):
        raise UpstreamFailed(f"SSM Contacts sent an item whose {name} is not a time.")
    return value


def _malformed(response: Mapping[str, Any], detail: str) -> ProxyError:
    error = UpstreamFailed(detail)
    error.upstream_code = "Malformed"
    metadata = response.get("ResponseMetadata")
    request_id = metadata.get("RequestId") if isinstance(metadata, Mapping) else None
    error.upstream_request_id = request_id if isinstance(request_id, str) else None
    return error
