"""Answers as a person reads them: the tier and what was withheld, times in local time and
UTC, and each page's status in a short table. Pure: the zone is given (None: the machine's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from ep_client.moments import local, local_and_utc, parse_time, zone_label
from ep_client.routes import Command
from ep_client.terminal import safe_block, safe_line

NONE = "-"
_LABEL_WIDTH = 16


class Unexpected(ValueError):
    """The answer is JSON, but not of the shape this command's route answers."""


def render(command: Command, document: object, zone: tzinfo | None) -> str:
    if not isinstance(document, dict):
        raise Unexpected("is not a JSON object")
    if command is Command.GET:
        return engagement_text(document, zone)
    if command is Command.PAGES:
        return pages_text(document, zone)
    if command is Command.INCIDENT:
        return incident_text(document, zone)
    return list_text(document, zone)


# ---- GET /engagements/{engagement} -----------------------------------------------------------


def engagement_text(document: Mapping[str, Any], zone: tzinfo | None) -> str:
    _require(document, "EngagementArn")
    withheld = _withheld(document)
    rows = [
        ("Engagement", text(document.get("EngagementArn"))),
        ("Tier", tier_text(withheld)),
        ("Contact", contact_text(document.get("ContactArn"))),
        ("Sender", text(document.get("Sender"))),
        ("Incident", text(document.get("IncidentId"))),
        ("Started", when(document.get("StartTime"), zone)),
        ("Stopped", stopped(document.get("StopTime"), zone)),
        ("Subject", _secure(document, "Subject", withheld)),
        ("Content", _secure(document, "Content", withheld)),
        ("Public subject", block(document.get("PublicSubject"))),
        ("Public content", block(document.get("PublicContent"))),
    ]
    return "\n".join(_labelled(label, value) for label, value in rows)


def _secure(document: Mapping[str, Any], name: str, withheld: Sequence[str] | None) -> str:
    if withheld is not None and name in withheld:
        return "(withheld from your tier)"
    return block(document.get(name))


# ---- GET /engagements/{engagement}/pages -------------------------------------------------------


def pages_text(document: Mapping[str, Any], zone: tzinfo | None) -> str:
    _require(document, "EngagementArn")
    pages = _objects(document.get("Pages"), "Pages")
    lines = [
        _labelled("Engagement", text(document.get("EngagementArn"))),
        _labelled("Tier", tier_text(_withheld(document))),
        _labelled("Pages", _count(len(pages), "page", document)),
    ]
    if pages:
        lines += ["", *page_table(pages, zone)]
    return "\n".join(lines)


def page_table(
    pages: Sequence[Mapping[str, Any]], zone: tzinfo | None, indent: str = ""
) -> list[str]:
    moments = [
        moment
        for page in pages
        for key in ("SentTime", "DeliveryTime", "ReadTime")
        if (moment := parse_time(page.get(key))) is not None
    ]
    clock = _clock(moments, zone)
    rows = [
        [
            contact_name(page.get("ContactArn")),
            short_id(page.get("PageArn")),
            text(page.get("Status")),
            clock(page.get("SentTime")),
            clock(page.get("DeliveryTime")),
            clock(page.get("ReadTime")),
            receipt_types(page.get("Receipts")),
        ]
        for page in pages
    ]
    header = ["CONTACT", "PAGE", "STATUS", "SENT", "DELIVERED", "READ", "RECEIPTS"]
    note = _zone_note(moments, zone)
    return [indent + line for line in ([note] if note else []) + table(header, rows)]


def receipt_types(receipts: object) -> str:
    if not isinstance(receipts, list) or not receipts:
        return NONE
    return ",".join(
        safe_line(str(receipt.get("ReceiptType")))
        for receipt in receipts
        if isinstance(receipt, dict)
    )


# ---- GET /incidents/{incident}/engagements -----------------------------------------------------


def incident_text(document: Mapping[str, Any], zone: tzinfo | None) -> str:
    _require(document, "IncidentId")
    engagements = _objects(document.get("Engagements"), "Engagements")
    lines = [
        _labelled("Incident", text(document.get("IncidentId"))),
        _labelled("Tier", tier_text(_withheld(document))),
        _labelled("Engagements", _count(len(engagements), "engagement", document)),
    ]
    for engagement in engagements:
        pages = _objects(engagement.get("Pages"), "Pages")
        lines += [
            "",
            f"{contact_name(engagement.get('ContactArn'))}: started "
            f"{when(engagement.get('StartTime'), zone)}, "
            f"{stopped(engagement.get('StopTime'), zone, prefix='stopped ')}",
            f"  {text(engagement.get('EngagementArn'))}",
        ]
        lines += page_table(pages, zone, indent="  ") if pages else ["  no pages"]
    return "\n".join(lines)


# ---- GET /engagements --------------------------------------------------------------------------


def list_text(document: Mapping[str, Any], zone: tzinfo | None) -> str:
    engagements = _objects(_require(document, "Engagements"), "Engagements")
    lines = [
        _labelled(
            "Engagements", _count(len(engagements), "engagement", document) + ", newest first"
        )
    ]
    if not engagements:
        return "\n".join(lines)
    moments = [
        moment
        for item in engagements
        for key in ("StartTime", "StopTime")
        if (moment := parse_time(item.get(key))) is not None
    ]
    clock = _clock(moments, zone)
    rows = [
        [
            clock(item.get("StartTime")),
            clock(item.get("StopTime")) if item.get("StopTime") else "running",
            arn_region(item.get("EngagementArn")),
            arn_resource(item.get("EngagementArn"), "engagement/"),
            arn_resource(item.get("IncidentId"), "incident-record/"),
        ]
        for item in engagements
    ]
    note = _zone_note(moments, zone)
    lines += [
        "",
        *([note] if note else []),
        *table(["STARTED", "STOPPED", "REGION", "ENGAGEMENT", "INCIDENT"], rows),
    ]
    lines += ["", "`ep get ENGAGEMENT --region REGION` shows one; `ep pages` who it paged."]
    return "\n".join(lines)


# ---- pieces ------------------------------------------------------------------------------------


def text(value: object) -> str:
    """A value for one line: `-` for none, control characters escaped."""
    if value is None or value == "":
        return NONE
    return safe_line(value if isinstance(value, str) else json_text(value))


def block(value: object) -> str:
    """Like `text`, but a message's own line breaks are kept (each line made safe)."""
    if isinstance(value, str) and value:
        return "\n".join(safe_block(value))
    return text(value)


def json_text(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def tier_text(withheld: Sequence[str] | None) -> str:
    if withheld is None:
        return "not stated by the answer"
    if not withheld:
        return "full: nothing withheld"
    return f"redacted: {', '.join(safe_line(name) for name in withheld)} withheld"


def when(value: object, zone: tzinfo | None) -> str:
    moment = parse_time(value)
    if moment is None:
        return text(value)
    return local_and_utc(moment, zone)


def stopped(value: object, zone: tzinfo | None, prefix: str = "") -> str:
    return "running (not stopped)" if value is None else prefix + when(value, zone)


def contact_text(arn: object) -> str:
    name = contact_name(arn)
    return f"{name} ({text(arn)})" if name != text(arn) else name


def contact_name(arn: object) -> str:
    """`akua_mansa` from arn:...:contact/akua_mansa (and from a page or engagement ARN)."""
    if not isinstance(arn, str):
        return text(arn)
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind in ("contact", "page", "engagement") and rest:
        return safe_line(rest.split("/")[0])
    return text(arn)


def short_id(arn: object) -> str:
    """The first block of the UUID that ends a page ARN: enough to tell pages apart."""
    if not isinstance(arn, str) or "/" not in arn:
        return text(arn)
    return safe_line(arn.rsplit("/", 1)[1].split("-")[0])


def arn_region(arn: object) -> str:
    parts = arn.split(":") if isinstance(arn, str) else []
    return safe_line(parts[3]) if len(parts) > 4 and parts[3] else NONE


def arn_resource(arn: object, prefix: str) -> str:
    """CONTACT/UUID from an engagement ARN, PLAN/ID from an incident record ARN."""
    if not isinstance(arn, str):
        return text(arn)
    resource = arn.split(":", 5)[-1]
    return safe_line(resource.removeprefix(prefix))


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _clock(moments: Sequence[datetime], zone: tzinfo | None) -> Callable[[object], str]:
    """Cells of a table: local HH:MM:SS when every time falls on one local date (named in the
    note above the table), else with the date."""
    one_date = len({local(moment, zone).date() for moment in moments}) <= 1

    def cell(value: object) -> str:
        moment = parse_time(value)
        if moment is None:
            return text(value)
        here = local(moment, zone)
        return f"{here:%H:%M:%S}" if one_date else f"{here:%Y-%m-%d %H:%M:%S}"

    return cell


def _zone_note(moments: Sequence[datetime], zone: tzinfo | None) -> str:
    if not moments:
        return ""
    first = local(min(moments), zone)
    dates = {local(moment, zone).date() for moment in moments}
    on = f" on {first:%Y-%m-%d}" if len(dates) == 1 else ""
    return f"Times are {zone_label(first)}{on}."


def _labelled(label: str, value: str) -> str:
    first, *rest = value.split("\n")
    pad = " " * _LABEL_WIDTH
    return "\n".join([f"{label:<{_LABEL_WIDTH}}{first}".rstrip(), *(pad + line for line in rest)])


def _count(count: int, noun: str, document: Mapping[str, Any]) -> str:
    counted = f"{count} {noun}{'' if count == 1 else 's'}"
    if document.get("Truncated") is True:
        counted += " (truncated: the proxy returns at most this many)"
    return counted


def _withheld(document: Mapping[str, Any]) -> list[str] | None:
    redacted = document.get("Redacted")
    if not isinstance(redacted, list):
        return None
    return [str(name) for name in redacted]


def _objects(value: object, name: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Unexpected(f"has a {name} that is not a list of objects")
    return value


def _require(document: Mapping[str, Any], key: str) -> object:
    if key not in document:
        raise Unexpected(f"has no {key}")
    return document[key]
