"""The window of GET /engagements: RFC 3339 `since` and `until`, the last 24 hours by default,
at most 7 days, never backwards; every refusal says what to send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engagement_proxy.errors import InvalidTimeWindow
from engagement_proxy.time_window import TimeWindow, parse_time_window

NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)


def test_no_bounds_is_the_last_24_hours() -> None:
    # Given a query naming neither since nor until
    # When the window is parsed
    window = parse_time_window(None, None, NOW)

    # Then it is the 24 hours up to now
    assert window == TimeWindow(start=NOW - timedelta(hours=24), end=NOW)


def test_since_alone_runs_until_now() -> None:
    # Given only since, three days ago
    # When the window is parsed
    window = parse_time_window("2025-03-11T12:00:00Z", None, NOW)

    # Then it ends now
    assert window == TimeWindow(start=NOW - timedelta(days=3), end=NOW)


def test_until_alone_is_the_24_hours_before_it() -> None:
    # Given only until, yesterday noon
    # When the window is parsed
    window = parse_time_window(None, "2025-03-13T12:00:00Z", NOW)

    # Then it starts 24 hours earlier
    assert window == TimeWindow(
        start=datetime(2025, 3, 12, 12, tzinfo=UTC), end=datetime(2025, 3, 13, 12, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        pytest.param("2025-03-14T09:00:00Z", datetime(2025, 3, 14, 9, tzinfo=UTC), id="Z"),
        pytest.param("2025-03-14t09:00:00z", datetime(2025, 3, 14, 9, tzinfo=UTC), id="lower t z"),
        pytest.param(
            "2025-03-14T11:00:00+02:00", datetime(2025, 3, 14, 9, tzinfo=UTC), id="plus offset"
        ),
        pytest.param(
            "2025-03-14T04:00:00-05:00", datetime(2025, 3, 14, 9, tzinfo=UTC), id="minus offset"
        ),
        pytest.param(
            "2025-03-14T09:00:00.5Z", datetime(2025, 3, 14, 9, 0, 0, 500000, tzinfo=UTC), id=".5"
        ),
        pytest.param(
            "2025-03-14T09:00:00.123456789Z",
            datetime(2025, 3, 14, 9, 0, 0, 123456, tzinfo=UTC),
            id="nanoseconds",
        ),
    ],
)
def test_rfc3339_date_times_are_read_as_the_instant_they_name(text: str, moment: datetime) -> None:
    # Given since in one of RFC 3339's spellings
    # When the window is parsed
    window = parse_time_window(text, "2025-03-14T10:00:00Z", NOW)

    # Then it starts at that instant, offset applied
    assert window.start == moment
    assert window.start.utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2025-03-14", id="date only"),
        pytest.param("2025-03-14T09:00:00", id="no offset"),
        pytest.param("2025-03-14 09:00:00Z", id="space for T"),
        pytest.param("20250314T090000Z", id="basic format"),
        pytest.param("2025-03-14T09:00Z", id="no seconds"),
        pytest.param("2025-03-14T09:00:00+0200", id="offset without colon"),
        pytest.param("1741942800", id="epoch seconds"),
        pytest.param("yesterday", id="words"),
        pytest.param("", id="empty"),
    ],
)
def test_other_time_spellings_are_refused_with_an_example(text: str) -> None:
    # Given since in a spelling RFC 3339 does not allow
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window(text, None, NOW)

    # Then the caller is shown a date-time to send
    assert raised.value.detail == (
        "since is not an RFC 3339 date-time with an offset: send e.g. since=2025-03-14T09:00:00Z."
    )


def test_plus_turned_into_a_space_is_explained() -> None:
    # Given an offset whose + a form decoder turned into a space
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window(None, "2025-03-14T11:00:00 02:00", NOW)

    # Then the caller is told to percent-encode it
    assert raised.value.detail == (
        "until is not an RFC 3339 date-time with an offset (a + in a query string must be "
        "sent as %2B): send e.g. until=2025-03-14T09:00:00Z."
    )


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30T09:00:00Z",
        "2025-03-14T24:00:00Z",
        "2025-03-14T09:00:60Z",
        "2025-03-14T09:00:00+24:00",
    ],
    ids=["February 30", "hour 24", "leap second", "offset 24 h"],
)
def test_date_times_out_of_range_are_refused(text: str) -> None:
    # Given since that looks like RFC 3339 but names no instant
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window(text, None, NOW)

    # Then the caller is told which part is out of range, with an example
    assert raised.value.detail.startswith("since is not a valid date-time")
    assert raised.value.detail.endswith("send e.g. since=2025-03-14T09:00:00Z.")


def test_until_before_since_is_refused() -> None:
    # Given until an hour before since
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window("2025-03-14T10:00:00Z", "2025-03-14T09:00:00Z", NOW)

    # Then the caller is told to swap them
    assert raised.value.detail == "until is before since: send an until after since."


def test_since_in_the_future_without_until_says_until_defaults_to_now() -> None:
    # Given since tomorrow and no until
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window("2025-03-15T12:00:00Z", None, NOW)

    # Then the caller learns where the until came from
    assert raised.value.detail == (
        "until is before since (until defaults to now): send an until after since."
    )


def test_window_of_exactly_7_days_is_accepted() -> None:
    # Given since and until 7 days apart, written in different offsets
    # When the window is parsed
    window = parse_time_window("2025-03-07T12:00:00Z", "2025-03-14T14:00:00+02:00", NOW)

    # Then it is accepted
    assert window.end - window.start == timedelta(days=7)


def test_window_longer_than_7_days_is_refused() -> None:
    # Given since and until 7 days and a millisecond apart
    # When the window is parsed
    with pytest.raises(InvalidTimeWindow) as raised:
        parse_time_window("2025-03-07T11:59:59.999Z", "2025-03-14T12:00:00Z", NOW)

    # Then the caller is told the limit
    assert raised.value.detail == (
        "The window is longer than 7 days: send since and until at most 7 days apart."
    )


def test_an_empty_window_is_accepted() -> None:
    # Given since equal to until, in two offsets
    # When the window is parsed
    window = parse_time_window("2025-03-14T09:00:00Z", "2025-03-14T10:00:00+01:00", NOW)

    # Then it is a window of no length, not an error
    assert window.start == window.end


def test_the_default_window_follows_the_clock_given() -> None:
    # Given a clock in another offset
    now = datetime(2025, 3, 14, 14, 0, tzinfo=timezone(timedelta(hours=2)))

    # When the default window is parsed
    window = parse_time_window(None, None, now)

    # Then it ends at that instant
    assert window.end == NOW
    assert window.end - window.start == timedelta(hours=24)
