"""Which stretch of time `GET /engagements` lists: `?since=&until=`, validated. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from engagement_proxy.errors import InvalidTimeWindow

DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=7)

# RFC 3339's date-time (section 5.6): a full date, a full time and an explicit offset. Python's
# fromisoformat alone would also take dates without a time, times without an offset (read in
# the machine's zone) and ISO 8601's basic format.
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)
# A form decoder reads `+` as a space: `...T11:00:00 02:00` is what `+02:00` unencoded becomes.
_SPACED_OFFSET = re.compile(r".*:\d{2}(?:\.\d+)? \d{2}:\d{2}", re.ASCII)
_EXAMPLE = "2025-03-14T09:00:00Z"


@dataclass(frozen=True)
class TimeWindow:
    """From `start` to `end`, both aware; engagements that started within it are listed."""

    start: datetime
    end: datetime


def parse_time_window(since: str | None, until: str | None, now: datetime) -> TimeWindow:
    """The window the query names; without `until` it ends `now`, without `since` it starts
    24 hours before its end. It may not end before it starts, nor span more than 7 days."""
    end = _moment("until", until) if until is not None else now
    start = _moment("since", since) if since is not None else end - DEFAULT_WINDOW
    if end < start:
        ending = "" if until is not None else " (until defaults to now)"
        raise InvalidTimeWindow(f"until is before since{ending}: send an until after since.")
    if end - start > MAX_WINDOW:
        raise InvalidTimeWindow(
            "The window is longer than 7 days: send since and until at most 7 days apart."
        )
    return TimeWindow(start=start, end=end)


def _moment(name: str, text: str) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None:
        spaced = _SPACED_OFFSET.fullmatch(text) is not None
        hint = " (a + in a query string must be sent as %2B)" if spaced else ""
        raise InvalidTimeWindow(
            f"{name} is not an RFC 3339 date-time with an offset{hint}: send e.g. "
            f"{name}={_EXAMPLE}."
        )
    # Python keeps microseconds: finer digits are dropped, not rounded into the next second.
    fraction = (match["fraction"] or "0")[:6]
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    try:
        return datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")
    except ValueError:
        raise InvalidTimeWindow(
            f"{name} is not a valid date-time (month, day, hour or offset out of range): "
            f"send e.g. {name}={_EXAMPLE}."
        ) from None
