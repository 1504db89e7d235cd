"""Times: local and UTC side by side, and --since / --until as RFC 3339 or an age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ep_client.exits import ExitStatus, Failure
from ep_client.moments import local_and_utc, parse_time, window_bound, zone_label

PARIS_SUMMER = timezone(timedelta(hours=2), "CEST")
HONOLULU = timezone(timedelta(hours=-10), "HST")
NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)


def test_an_answers_time_is_shown_in_local_time_and_utc() -> None:
    # Given a time as the proxy writes it
    moment = parse_time("2021-05-18T18:25:41.000Z")
    assert moment is not None
    # When it is shown in a zone two hours east of UTC
    # Then both clocks are there, the date once
    assert local_and_utc(moment, PARIS_SUMMER) == "2021-05-18 20:25:41 CEST (18:25:41 UTC)"


def test_the_utc_date_is_given_when_it_differs() -> None:
    # Given an evening time in UTC, shown ten hours west
    moment = parse_time("2021-05-18T02:00:00Z")
    assert moment is not None
    # When it is shown
    # Then the UTC side names its own date
    assert local_and_utc(moment, HONOLULU) == "2021-05-17 16:00:00 HST (2021-05-18 02:00:00 UTC)"


def test_in_utc_a_time_is_shown_once() -> None:
    # Given a machine whose zone is UTC
    moment = parse_time("2021-05-18T18:25:41Z")
    assert moment is not None
    # When it is shown
    # Then once, marked UTC
    assert local_and_utc(moment, UTC) == "2021-05-18 18:25:41 UTC"


def test_a_zone_label_gives_the_offset() -> None:
    # Given a moment in a named zone
    # When its label is built
    # Then it names the zone and its offset from UTC
    assert zone_label(datetime(2021, 5, 18, 20, 0, tzinfo=PARIS_SUMMER)) == "CEST, UTC+02:00"


@pytest.mark.parametrize("text", [None, "", "yesterday", "2021-05-18", "2021-05-18T18:25:41"])
def test_what_is_no_rfc3339_time_is_no_time(text: str | None) -> None:
    # Given something that is no RFC 3339 date-time with an offset
    # When it is read as a time
    # Then it is none (shown as it came, never guessed at)
    assert parse_time(text) is None


def test_nanoseconds_are_read_to_the_microsecond() -> None:
    # Given a time with nine digits of fraction
    # When it is read
    moment = parse_time("2021-05-18T18:25:41.123456789Z")
    # Then the microseconds are kept and the rest dropped
    assert moment == datetime(2021, 5, 18, 18, 25, 41, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("2025-03-14T09:00:00Z", "2025-03-14T09:00:00Z"),
        ("2025-03-14T11:00:00+02:00", "2025-03-14T11:00:00+02:00"),
        ("90m", "2025-03-14T10:30:00Z"),
        ("2h", "2025-03-14T10:00:00Z"),
        ("3d", "2025-03-11T12:00:00Z"),
        ("now", "2025-03-14T12:00:00Z"),
        (" 2h\n", "2025-03-14T10:00:00Z"),
    ],
)
def test_a_window_bound_is_rfc3339_as_given_or_an_age_back_from_now(given: str, sent: str) -> None:
    # Given --since as typed
    # When it becomes the query value
    # Then RFC 3339 goes as given and an age is counted back from now, in UTC
    assert window_bound("since", given, NOW) == sent


@pytest.mark.parametrize("given", ["yesterday", "2025-03-14", "2025-03-14 09:00", "-2h", "2w"])
def test_an_unreadable_window_bound_is_a_usage_line(given: str) -> None:
    # Given a bound ep cannot read
    # When it is read
    with pytest.raises(Failure) as raised:
        window_bound("until", given, NOW)
    # Then the line says which forms are taken
    assert raised.value.status is ExitStatus.USAGE
    assert raised.value.line.startswith("--until takes an RFC 3339 time")
