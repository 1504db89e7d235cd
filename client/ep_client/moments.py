"""Times: read from answers (RFC 3339 UTC), shown in local time and UTC, and the --since and
--until of `ep list` (RFC 3339, or an age such as 2h). Pure: the zone and `now` are given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from ep_client.exits import ExitStatus, Failure

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_AGE = re.compile(r"(?P<amount>\d{1,5})(?P<unit>[smhd])", re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_time(text: object) -> datetime | None:
    """An answer's time, aware; None when there is none or it is not RFC 3339."""
    if not isinstance(text, str) or _RFC3339.fullmatch(text) is None:
        return None
    # fromisoformat takes at most microseconds: finer digits are dropped.
    head, dot, rest = text.partition(".")
    if dot:
        digits = re.match(r"\d+", rest)
        fraction = digits.group(0) if digits else ""
        text = f"{head}.{fraction[:6]}{rest[len(fraction) :]}"
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None


def local(moment: datetime, zone: tzinfo | None) -> datetime:
    """`moment` in `zone`, or the machine's own zone (its rules for that date) when None."""
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def local_and_utc(moment: datetime, zone: tzinfo | None) -> str:
    """`2021-05-18 20:25:41 CEST (18:25:41 UTC)`; the UTC date too when it differs."""
    here = local(moment, zone)
    there = moment.astimezone(UTC)
    shown = f"{here:%Y-%m-%d %H:%M:%S} {zone_name(here)}"
    if here.utcoffset() == timedelta(0):
        return shown if zone_name(here) == "UTC" else f"{shown} (UTC)"
    utc = f"{there:%H:%M:%S}" if there.date() == here.date() else f"{there:%Y-%m-%d %H:%M:%S}"
    return f"{shown} ({utc} UTC)"


def zone_name(moment: datetime) -> str:
    return moment.tzname() or _offset(moment)


def zone_label(moment: datetime) -> str:
    """`CEST, UTC+02:00`: the zone of a table's times, with its offset from UTC."""
    name, offset = zone_name(moment), _offset(moment)
    return offset if name == offset else f"{name}, {offset}"


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    sign = "-" if delta < timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def window_bound(name: str, text: str, now: datetime) -> str:
    """The query value for --since or --until: RFC 3339 as given, `now`, or an age (`90m`,
    `2h`, `3d`) counted back from `now`, in UTC."""
    value = text.strip()
    if _RFC3339.fullmatch(value) is not None and parse_time(value) is not None:
        return value
    age = _AGE.fullmatch(value)
    if value == "now" or age is not None:
        back = timedelta(**{_UNITS[age["unit"]]: int(age["amount"])}) if age else timedelta(0)
        return f"{(now - back).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    raise Failure(
        ExitStatus.USAGE,
        f"--{name} takes an RFC 3339 time with its offset (2025-03-14T09:00:00Z), "
        "an age (90m, 2h, 3d) or now.",
    )
