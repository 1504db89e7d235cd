"""GET /engagements?since=&until= through lambda_handler: the engagements started in a window,
across served regions, newest first, without pages: a dashboard's landing page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engagement_proxy import service
from testing_support.contract import ENGAGEMENTS_LIST_KEYS, LISTED_ENGAGEMENT_KEYS
from testing_support.events import (
    COMMANDER,
    CONTRACTOR,
    DASHBOARD,
    EXAMPLE_ARN,
    STRANGER,
    TOKEN_CONTRACTOR,
    TOKEN_SRE,
    http_event,
    rest_event,
)
from tests.handler.conftest import call, headers_of
from tests.handler.fake_ssm import FakeSsm, fake_ssm
from tests.handler.paging import (
    T0,
    WEST_ARN,
    WINDOW,
    assert_problem,
    audit_of,
    body_of,
    engagement_arn,
    summary,
)

ROUTE = "/engagements"
# Half a second past a whole second: a clock that is never on a boundary.
NOW = datetime(2021, 5, 19, 12, 0, 0, 500_000, tzinfo=UTC)


def both_regions() -> FakeSsm:
    """An engagement started in the window in each region: us-west-2's an hour later."""
    return FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [summary(EXAMPLE_ARN, T0)],
            ("ListEngagements", "us-west-2 window"): [summary(WEST_ARN, T0 + timedelta(hours=1))],
        }
    )


def asked_windows(fake: FakeSsm) -> list[tuple[datetime, datetime]]:
    """The TimeRangeValue of every ListEngagements call, as SSM Contacts received it."""
    return [
        (
            datetime.fromtimestamp(a.params["TimeRangeValue"]["StartTime"], UTC),
            datetime.fromtimestamp(a.params["TimeRangeValue"]["EndTime"], UTC),
        )
        for a in fake.asked
        if a.operation == "ListEngagements"
    ]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The flow's clock, at NOW until a test moves it."""
    now = [NOW]
    monkeypatch.setattr(service, "_now", lambda: now[0])
    return now


# --- the answer ----------------------------------------------------------------------------------


def test_the_landing_page_lists_engagements_of_every_region_newest_first(captured):
    # Given engagements started in the window in both regions
    with fake_ssm(both_regions()):
        # When a dashboard lists them
        response = call(rest_event(ROUTE, DASHBOARD, query=WINDOW))
    # Then newest first, with exactly the documented keys, without pages
    assert response["statusCode"] == 200
    body = body_of(response)
    assert tuple(body) == ENGAGEMENTS_LIST_KEYS
    assert [e["EngagementArn"] for e in body["Engagements"]] == [WEST_ARN, EXAMPLE_ARN]
    assert all(tuple(e) == LISTED_ENGAGEMENT_KEYS for e in body["Engagements"])
    assert body["Engagements"][1]["StartTime"] == "2021-05-18T18:25:42.000Z"
    assert body["Truncated"] is False


def test_the_window_is_asked_of_every_served_region_as_given(captured):
    # Given a window with an offset
    query = {"since": ["2021-05-18T02:00:00+02:00"], "until": ["2021-05-19T00:00:00Z"]}
    with fake_ssm(both_regions()) as fake:
        # When the engagements are listed
        call(rest_event(ROUTE, COMMANDER, query=query))
    # Then each served region is asked for exactly that window
    assert sorted(region for operation, region, _ in fake.calls) == ["us-east-2", "us-west-2"]
    window = (datetime(2021, 5, 18, tzinfo=UTC), datetime(2021, 5, 19, tzinfo=UTC))
    assert asked_windows(fake) == [window, window]


def test_without_since_and_until_the_window_is_the_last_24_hours(captured, clock):
    # Given no window in the query
    with fake_ssm(both_regions()) as fake:
        # When the engagements are listed
        call(rest_event(ROUTE, COMMANDER))
    # Then each region is asked for 24 hours ending now (rounded up to the next whole
    # running-cache TTL, 5 s, so that dashboards polling together share one listing)
    ((start, end), _) = asked_windows(fake)
    assert end - start == timedelta(hours=24)
    assert NOW <= end < NOW + timedelta(seconds=5)
    assert end == datetime(2021, 5, 19, 12, 0, 5, tzinfo=UTC)


def test_since_alone_lists_until_now(captured, clock):
    # Given only since
    with fake_ssm(both_regions()) as fake:
        # When the engagements are listed
        call(rest_event(ROUTE, COMMANDER, query={"since": ["2021-05-19T00:00:00Z"]}))
    # Then the window runs from since to now
    ((start, end), _) = asked_windows(fake)
    assert start == datetime(2021, 5, 19, tzinfo=UTC)
    assert NOW <= end < NOW + timedelta(seconds=5)


def test_until_alone_lists_the_24_hours_before_it(captured):
    # Given only until
    with fake_ssm(both_regions()) as fake:
        # When the engagements are listed
        call(rest_event(ROUTE, COMMANDER, query={"until": ["2021-05-19T00:00:00Z"]}))
    # Then the window is the 24 hours before until
    assert asked_windows(fake)[0] == (
        datetime(2021, 5, 18, tzinfo=UTC),
        datetime(2021, 5, 19, tzinfo=UTC),
    )


def test_the_full_and_redacted_tiers_get_the_same_list(captured):
    # Given the engagements upstream (a list holds no secure text)
    with fake_ssm(both_regions()):
        # When the commander and a dashboard list them
        full = call(rest_event(ROUTE, COMMANDER, query=WINDOW))
        redacted = call(http_event(ROUTE, TOKEN_SRE, query=WINDOW))
    # Then the same bytes, each tier with its own caching rules
    assert full["body"] == redacted["body"]
    assert headers_of(full)["Cache-Control"] == "no-store" and "ETag" not in headers_of(full)
    assert headers_of(redacted)["Cache-Control"] == "private, no-cache"
    assert headers_of(redacted)["ETag"]


@pytest.mark.parametrize(
    "event",
    [
        rest_event(ROUTE, CONTRACTOR, query=WINDOW),
        rest_event(ROUTE, STRANGER, query=WINDOW),
        rest_event(ROUTE, None, query=WINDOW),
        http_event(ROUTE, TOKEN_CONTRACTOR, query=WINDOW),
        http_event(ROUTE, None, query=WINDOW),
        rest_event(ROUTE, STRANGER, query={"since": ["yesterday"]}),
    ],
    ids=["deny-rule", "no-rule", "no-identity", "token-deny", "no-token", "denied-bad-window"],
)
def test_denied_callers_get_403_before_any_upstream_call(captured, event):
    # Given engagements upstream and a caller the policy gives nothing, or no identity
    with fake_ssm(both_regions()) as fake:
        # When it lists them
        response = call(event)
    # Then 403, and SSM Contacts was never asked
    assert_problem(response, 403, "access-denied")
    assert fake.calls == []


# --- caller mistakes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "slug", "detail"),
    [
        (
            {"since": ["2021-05-19T00:00:00Z"], "until": ["2021-05-18T00:00:00Z"]},
            "invalid-time-window",
            "send an until after since",
        ),
        (
            {"since": ["2021-05-11T23:59:59Z"], "until": ["2021-05-19T00:00:00Z"]},
            "invalid-time-window",
            "at most 7 days apart",
        ),
        ({"since": ["yesterday"]}, "invalid-time-window", "send e.g. since=2025-03-14T09:00:00Z"),
        ({"until": ["2021-05-19"]}, "invalid-time-window", "send e.g. until="),
        ({"since": ["2021-05-18T00:00:00"]}, "invalid-time-window", "with an offset"),
        ({"since": ["2021-05-18T09:00:00 02:00"]}, "invalid-time-window", "%2B"),
        ({"since": ["2021-02-30T00:00:00Z"]}, "invalid-time-window", "out of range"),
        ({"region": ["eu-west-9"]}, "invalid-query", "served regions: us-east-2, us-west-2"),
        ({"incident": ["checkout"]}, "invalid-query", "send only region, since, until"),
        ({"since": ["2021-05-18T00:00:00Z", "2021-05-18T01:00:00Z"]}, "invalid-query", "once"),
    ],
    ids=[
        "until-before-since",
        "over-7-days",
        "not-rfc3339",
        "a-date-only",
        "no-offset",
        "plus-read-as-space",
        "no-such-day",
        "unserved-region",
        "unknown-parameter",
        "since-twice",
    ],
)
def test_bad_windows_and_parameters_are_400_before_any_upstream_call(captured, query, slug, detail):
    # Given no upstream answer at all
    with fake_ssm(FakeSsm()) as fake:
        # When the window or the query is wrong
        response = call(rest_event(ROUTE, COMMANDER, query=query))
    # Then a 400 saying what to send instead, and nothing asked
    problem = assert_problem(response, 400, slug)
    assert detail in problem["detail"]
    assert fake.calls == []


def test_a_window_of_exactly_7_days_is_listed(captured):
    # Given a window of exactly seven days
    query = {"since": ["2021-05-12T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]}
    with fake_ssm(both_regions()):
        # When the engagements are listed
        response = call(rest_event(ROUTE, COMMANDER, query=query))
    # Then it is served
    assert response["statusCode"] == 200


# --- bounds --------------------------------------------------------------------------------------


def test_51_engagements_are_cut_to_50(captured, no_cache):
    # Given 51 engagements in the window in one region, ten per upstream answer
    fake = FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [
                summary(engagement_arn(i), T0 + timedelta(minutes=i)) for i in range(51)
            ]
        },
        page_size=10,
    )
    with fake_ssm(fake):
        # When they are listed
        response = call(rest_event(ROUTE, COMMANDER, query=WINDOW))
    # Then the newest 50 of them, the answer says it was cut, and every NextToken was followed
    # (the newest can be listed last: each region is read up to 500 to find them)
    body = body_of(response)
    assert len(body["Engagements"]) == 50 and body["Truncated"] is True
    assert body["Engagements"][0]["EngagementArn"] == engagement_arn(50)
    east_calls = [a.params.get("NextToken") for a in fake.asked if a.region == "us-east-2"]
    assert east_calls == [None, "10", "20", "30", "40", "50"]


def test_past_the_bound_the_newest_engagements_are_kept(captured, no_cache):
    # Given 60 engagements in the window, 30 per region, interleaved in time
    def started(index: int) -> datetime:
        return T0 + timedelta(minutes=index)

    fake = FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [
                summary(engagement_arn(i), started(i)) for i in range(0, 60, 2)
            ],
            ("ListEngagements", "us-west-2 window"): [
                summary(engagement_arn(i, "us-west-2"), started(i)) for i in range(1, 60, 2)
            ],
        },
        page_size=30,
    )
    with fake_ssm(fake):
        # When a dashboard lists them
        response = call(rest_event(ROUTE, DASHBOARD, query=WINDOW))
    # Then the 50 newest, newest first, and the answer says the oldest were left out
    body = body_of(response)
    assert body["Truncated"] is True
    expected = [started(i).strftime("%Y-%m-%dT%H:%M:%S.000Z") for i in range(59, 9, -1)]
    assert [e["StartTime"] for e in body["Engagements"]] == expected


# --- upstream failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        ((400, "ThrottlingException"), 503, "upstream-throttled"),
        ((500, "InternalServerException"), 502, "upstream-failed"),
        ((400, "ValidationException"), 400, "rejected-upstream"),
        (b'{"Engagements": [{"EngagementArn": 7}]}', 502, "upstream-failed"),
    ],
    ids=["throttled", "server-error", "rejected", "malformed"],
)
def test_one_regions_failure_fails_the_whole_list(captured, no_cache, failure, status, slug):
    # Given us-east-2 answering and us-west-2 failing
    fake = both_regions()
    fake.failures[("ListEngagements", "us-west-2 window")] = failure
    with fake_ssm(fake):
        # When a dashboard lists the engagements
        response = call(rest_event(ROUTE, DASHBOARD, query=WINDOW))
    # Then no partial list: today's problem, without us-east-2's engagement
    assert_problem(response, status, slug)
    assert EXAMPLE_ARN not in response["body"]
    assert audit_of(captured)["upstream_calls"] == 2


# --- caching and the audit line ------------------------------------------------------------------


def test_a_second_request_for_a_window_is_a_cache_hit(captured):
    # Given a dashboard listed a window once
    with fake_ssm(both_regions()) as fake:
        first = call(rest_event(ROUTE, DASHBOARD, query=WINDOW))
        # When it polls with the ETag it got
        again = call(
            rest_event(
                ROUTE, DASHBOARD, query=WINDOW, headers={"If-None-Match": headers_of(first)["ETag"]}
            )
        )
    # Then a 304 without a body and without an upstream call
    assert again["statusCode"] == 304 and again["body"] == ""
    assert fake.count("ListEngagements") == 2
    assert (audit_of(captured)["cache"], audit_of(captured)["upstream_calls"]) == ("hit", 0)


def test_dashboards_polling_the_default_window_share_one_listing(captured, clock):
    # Given a dashboard listed the last 24 hours
    with fake_ssm(both_regions()) as fake:
        call(rest_event(ROUTE, DASHBOARD))
        # When another polls the same default window three seconds later
        clock[0] = NOW + timedelta(seconds=3)
        again = call(rest_event(ROUTE, COMMANDER))
    # Then it is answered from the cache, without an upstream call
    assert again["statusCode"] == 200
    assert fake.count("ListEngagements") == 2
    assert (audit_of(captured)["cache"], audit_of(captured)["upstream_calls"]) == ("hit", 0)


def test_a_poll_after_the_running_ttl_asks_again(captured, clock):
    # Given a dashboard listed the last 24 hours
    with fake_ssm(both_regions()) as fake:
        call(rest_event(ROUTE, DASHBOARD))
        # When it polls again once the running-engagement TTL (5 s) has passed
        clock[0] = NOW + timedelta(seconds=5)
        call(rest_event(ROUTE, DASHBOARD))
    # Then the window has moved on and SSM Contacts is asked again
    assert fake.count("ListEngagements") == 4
    ((_, first_end), _, (_, second_end), _) = asked_windows(fake)
    assert second_end - first_end == timedelta(seconds=5)


def test_the_audit_line_names_route_count_and_upstream_calls(captured):
    # Given an engagement in each region
    with fake_ssm(both_regions()):
        # When a dashboard lists them
        call(rest_event(ROUTE, DASHBOARD, query=WINDOW))
    # Then its audit line: the route, two engagements, one call per region
    (audit,) = captured.audit_lines()
    assert audit["route"] == ROUTE
    assert audit["engagements"] == 2
    assert (audit["upstream_calls"], audit["cache"]) == (2, "miss")
    assert all(audit.get(key) is None for key in ("pages", "engagement_arn", "incident_id"))
