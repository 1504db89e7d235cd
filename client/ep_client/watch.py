"""--watch: poll with If-None-Match and print only what changed (a page going sent ->
delivered -> read), until Ctrl-C. What changed is computed here, purely; the loop is given
its fetching, printing, sleeping and clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, NoReturn, TextIO

from ep_client.exits import TRANSIENT, Failure
from ep_client.render import (
    arn_region,
    arn_resource,
    contact_name,
    short_id,
    text,
    tier_text,
    when,
)
from ep_client.routes import Command
from ep_client.terminal import shortened
from ep_client.transport import Answer

_VALUE_LIMIT = 120
# GET /engagements/{engagement}'s fields, in the order the readable answer shows them.
_ENGAGEMENT_FIELDS = (
    ("ContactArn", "Contact"),
    ("Sender", "Sender"),
    ("IncidentId", "Incident"),
    ("StartTime", "Started"),
    ("Subject", "Subject"),
    ("Content", "Content"),
    ("PublicSubject", "Public subject"),
    ("PublicContent", "Public content"),
)


def changes(command: Command, before: Any, after: Any, zone: tzinfo | None) -> list[str]:
    """What a person watching needs to hear about: one line per change, in the answer's order;
    a generic line when the answer changed in a way ep has no words for."""
    if command is Command.GET:
        lines = _engagement_changes(before, after, zone)
    elif command is Command.PAGES:
        lines = _truncation(before, after) + page_changes(
            before.get("Pages") or [], after.get("Pages") or [], zone
        )
    elif command is Command.INCIDENT:
        lines = _truncation(before, after) + _incident_changes(before, after, zone)
    else:
        lines = _truncation(before, after) + _list_changes(before, after, zone)
    if not lines and before != after:
        lines = ["the answer changed (`--json` shows it whole)"]
    return lines


def _engagement_changes(before: Any, after: Any, zone: tzinfo | None) -> list[str]:
    lines = []
    if before.get("Redacted") != after.get("Redacted"):
        lines.append(f"tier: {_tier(before.get('Redacted'))} -> {_tier(after.get('Redacted'))}")
    for key, label in _ENGAGEMENT_FIELDS:
        if before.get(key) != after.get(key):
            lines.append(f"{label}: {_short(before.get(key))} -> {_short(after.get(key))}")
    if before.get("StopTime") != after.get("StopTime"):
        stop = after.get("StopTime")
        lines.append(
            "engagement running again" if stop is None else f"engagement stopped {when(stop, zone)}"
        )
    return lines


def page_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]], zone: tzinfo | None
) -> list[str]:
    """Per page (by PageArn): new pages, status changes, new receipts, pages gone."""
    old = {page.get("PageArn"): page for page in before if isinstance(page, dict)}
    lines = []
    seen = set()
    for page in after:
        if not isinstance(page, dict):
            continue
        arn = page.get("PageArn")
        seen.add(arn)
        name = f"{contact_name(page.get('ContactArn'))} page {short_id(arn)}"
        previous = old.get(arn)
        if previous is None:
            lines.append(f"{name}: {text(page.get('Status'))} (new page)")
            continue
        if previous.get("Status") != page.get("Status"):
            lines.append(f"{name}: {text(previous.get('Status'))} -> {text(page.get('Status'))}")
        for receipt in _new_receipts(previous.get("Receipts"), page.get("Receipts")):
            lines.append(
                f"{name}: receipt {text(receipt.get('ReceiptType'))} "
                f"{when(receipt.get('ReceiptTime'), zone)}"
            )
    for arn, page in old.items():
        if arn not in seen:
            lines.append(
                f"{contact_name(page.get('ContactArn'))} page {short_id(arn)}: no longer listed"
            )
    return lines


def _new_receipts(before: object, after: object) -> list[Mapping[str, Any]]:
    def key(receipt: Mapping[str, Any]) -> tuple[str, str, str]:
        return (
            str(receipt.get("ReceiptType")),
            str(receipt.get("ReceiptTime")),
            str(receipt.get("ContactChannelArn")),
        )

    known = Counter(key(item) for item in _list(before))
    fresh = []
    for receipt in _list(after):
        if known[key(receipt)] > 0:
            known[key(receipt)] -= 1
        else:
            fresh.append(receipt)
    return fresh


def _incident_changes(before: Any, after: Any, zone: tzinfo | None) -> list[str]:
    old = {item.get("EngagementArn"): item for item in _list(before.get("Engagements"))}
    lines = []
    for item in _list(after.get("Engagements")):
        name = contact_name(item.get("ContactArn"))
        previous = old.get(item.get("EngagementArn"))
        if previous is None:
            lines.append(f"new engagement of {name}, started {when(item.get('StartTime'), zone)}")
            previous = {}
        elif previous.get("StopTime") is None and item.get("StopTime") is not None:
            lines.append(f"engagement of {name} stopped {when(item.get('StopTime'), zone)}")
        lines += page_changes(_list(previous.get("Pages")), _list(item.get("Pages")), zone)
    return lines


def _list_changes(before: Any, after: Any, zone: tzinfo | None) -> list[str]:
    old = {item.get("EngagementArn"): item for item in _list(before.get("Engagements"))}
    lines = []
    # Oldest first: the answer is newest first, but news reads in the order it happened.
    for item in reversed(_list(after.get("Engagements"))):
        arn = item.get("EngagementArn")
        name = f"{arn_resource(arn, 'engagement/')} ({arn_region(arn)})"
        previous = old.get(arn)
        if previous is None:
            lines.append(f"new engagement {name}, started {when(item.get('StartTime'), zone)}")
        elif previous.get("StopTime") is None and item.get("StopTime") is not None:
            lines.append(f"{name} stopped {when(item.get('StopTime'), zone)}")
    # Engagements leaving the window as it slides are not news.
    return lines


def _truncation(before: Any, after: Any) -> list[str]:
    if before.get("Truncated") is not True and after.get("Truncated") is True:
        return ["the answer is now truncated: the proxy returns no more than it shows"]
    return []


def _tier(redacted: object) -> str:
    return tier_text([str(name) for name in redacted] if isinstance(redacted, list) else None)


def _short(value: object) -> str:
    return shortened(text(value), _VALUE_LIMIT)


def _list(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# ---- the loop ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    fetch: Callable[[str | None], Answer]  # GET, with this If-None-Match (or none)
    read: Callable[[Answer], object]  # the document of a 200; Failure for anything else
    first: Callable[[Answer, object], str]  # the whole answer, printed once
    differences: Callable[[Answer, object, object], list[str]]  # what to print on a change
    interval: float
    sleep: Callable[[float], None]


def run_watch(watch: Watch, out: TextIO, err: TextIO) -> NoReturn:
    """Polls until interrupted (KeyboardInterrupt propagates: the caller exits 0). Problems
    that may pass (the proxy or its upstream failing, no connection) are reported once each
    and polled through; any other ends the watch as a Failure."""
    etag: str | None = None
    body: bytes | None = None
    document: object = None
    failing: str | None = None
    while True:
        try:
            answer = watch.fetch(etag)
            fresh = None if answer.status == 304 and body is not None else watch.read(answer)
        except Failure as failure:
            if failure.status not in TRANSIENT:
                raise
            if failure.line != failing:
                print(f"ep: {failure.line}", file=err, flush=True)
                failing = failure.line
            watch.sleep(watch.interval)
            continue
        if failing is not None:
            print("ep: answering again.", file=err, flush=True)
            failing = None
        if fresh is not None:
            if body is None:
                print(watch.first(answer, fresh), file=out, flush=True)
            elif answer.body != body:
                for line in watch.differences(answer, document, fresh):
                    print(line, file=out, flush=True)
            body, document = answer.body, fresh
            # The full tier's answers carry no ETag: then the bodies are compared instead.
            etag = answer.header("etag")
        watch.sleep(watch.interval)
