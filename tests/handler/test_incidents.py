"""GET /incidents/{incident}/engagements through lambda_handler: an incident's engagements in
every served region, each with its pages, their status and receipts, in one call."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from testing_support.contract import INCIDENT_ANSWER_KEYS, INCIDENT_ENGAGEMENT_KEYS, PAGE_KEYS
from testing_support.events import (
    COMMANDER,
    CONTRACTOR,
    DASHBOARD,
    EXAMPLE_ARN,
    SERVED_ACCOUNT,
    STRANGER,
    TOKEN_COMMANDER,
    TOKEN_CONTRACTOR,
    TOKEN_SRE,
    http_event,
    rest_event,
)
from tests.handler.conftest import call, headers_of
from tests.handler.fake_ssm import FakeSsm, fake_ssm
from tests.handler.paging import (
    INCIDENT,
    INCIDENT_PATH,
    PLAN_ID,
    SECURE_RECEIPT,
    T0,
    WEST_ARN,
    assert_problem,
    audit_of,
    body_of,
    engagement_arn,
    exposed,
    page,
    receipt,
    summary,
)

ROUTE = "/incidents/{incident}/engagements"
EAST_PAGE = page(1)
WEST_PAGE = page(2, WEST_ARN, ReadTime=T0 + timedelta(minutes=1))


def incident_upstream() -> FakeSsm:
    """The incident: an engagement in us-east-2 (started at T0, still running) and one in
    us-west-2 (started five minutes earlier, stopped), each with one page and a receipt."""
    return FakeSsm(
        items={
            ("ListEngagements", f"us-east-2 {INCIDENT}"): [summary(EXAMPLE_ARN, T0)],
            ("ListEngagements", f"us-west-2 {INCIDENT}"): [
                summary(WEST_ARN, T0 - timedelta(minutes=5), T0)
            ],
            ("ListPagesByEngagement", EXAMPLE_ARN): [EAST_PAGE],
            ("ListPagesByEngagement", WEST_ARN): [WEST_PAGE],
            ("ListPageReceipts", EAST_PAGE["PageArn"]): [receipt("ERROR", 3)],
            ("ListPageReceipts", WEST_PAGE["PageArn"]): [receipt("READ", 60)],
        }
    )


# --- one call, every region ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        rest_event(f"/incidents/{PLAN_ID}/engagements", COMMANDER),
        rest_event(f"/incidents/{INCIDENT}/engagements", COMMANDER),
        rest_event(f"/incidents/{quote(INCIDENT, safe='')}/engagements", COMMANDER),
        http_event(f"/incidents/{PLAN_ID}/engagements", TOKEN_COMMANDER),
        http_event(f"/incidents/{quote(INCIDENT, safe='')}/engagements", TOKEN_COMMANDER),
    ],
    ids=["plan-id", "raw-arn", "encoded-arn", "token-plan-id", "token-encoded-arn"],
)
def test_one_call_rolls_up_an_incidents_engagements_across_regions(captured, event):
    # Given an incident with an engagement in each served region, each with a page
    with fake_ssm(incident_upstream()) as fake:
        # When the commander asks for the incident's engagements, however it names the incident
        response = call(event)
    # Then both engagements, oldest first, each with its pages and their status
    assert response["statusCode"] == 200
    body = body_of(response)
    assert tuple(body) == INCIDENT_ANSWER_KEYS
    assert body["IncidentId"] == INCIDENT
    assert [e["EngagementArn"] for e in body["Engagements"]] == [WEST_ARN, EXAMPLE_ARN]
    assert all(tuple(e) == INCIDENT_ENGAGEMENT_KEYS for e in body["Engagements"])
    assert tuple(body["Engagements"][0]["Pages"][0]) == PAGE_KEYS
    assert [e["Pages"][0]["Status"] for e in body["Engagements"]] == ["read", "sent"]
    assert [e["StopTime"] for e in body["Engagements"]] == ["2021-05-18T18:25:42.000Z", None]
    assert body["Truncated"] is False and body["Redacted"] == []
    # (each region asked for the incident by its full record ARN)
    listing = sorted(c for c in fake.calls if c[0] == "ListEngagements")
    assert listing == [
        ("ListEngagements", "us-east-2", f"us-east-2 {INCIDENT}"),
        ("ListEngagements", "us-west-2", f"us-west-2 {INCIDENT}"),
    ]


def test_the_region_query_narrows_the_incident_to_one_region(captured):
    # Given the incident in both regions
    with fake_ssm(incident_upstream()) as fake:
        # When the commander asks for its engagements in us-west-2 only
        response = call(rest_event(INCIDENT_PATH, COMMANDER, query={"region": ["us-west-2"]}))
    # Then only us-west-2 was asked, and only its engagement is in the answer
    assert [e["EngagementArn"] for e in body_of(response)["Engagements"]] == [WEST_ARN]
    assert {region for _, region, _ in fake.calls} == {"us-west-2"}


def test_an_incident_without_engagements_is_an_empty_list(captured):
    # Given an incident no region has engagements of
    with fake_ssm(FakeSsm()):
        # When the commander asks for it
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then an empty answer, not an error
    assert response["statusCode"] == 200
    assert body_of(response)["Engagements"] == [] and body_of(response)["Truncated"] is False


# --- tiers ---------------------------------------------------------------------------------------


def test_the_full_tier_sees_receipt_info_in_a_no_store_answer_without_etag(captured):
    # Given the incident upstream
    with fake_ssm(incident_upstream()):
        # When the commander asks
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then the receipt info is there, the answer may not be stored, and has no digest
    receipts = [
        r for e in body_of(response)["Engagements"] for p in e["Pages"] for r in p["Receipts"]
    ]
    assert [r["ReceiptInfo"] for r in receipts] == [SECURE_RECEIPT, SECURE_RECEIPT]
    assert headers_of(response)["Cache-Control"] == "no-store"
    assert "ETag" not in headers_of(response)
    # (and no log line holds it)
    assert SECURE_RECEIPT not in captured.text


@pytest.mark.parametrize(
    "event",
    [rest_event(INCIDENT_PATH, DASHBOARD), http_event(INCIDENT_PATH, TOKEN_SRE)],
    ids=["iam", "token"],
)
def test_no_receipt_info_of_an_incident_reaches_a_redacted_caller(captured, event):
    # Given the incident upstream and a redacted caller of either entrance
    with fake_ssm(incident_upstream()):
        # When it asks
        response = call(event)
    # Then every receipt's info is null, named in Redacted, and in no byte sent or logged
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["Redacted"] == ["ReceiptInfo"]
    receipts = [r for e in body["Engagements"] for p in e["Pages"] for r in p["Receipts"]]
    assert len(receipts) == 2 and all(r["ReceiptInfo"] is None for r in receipts)
    assert SECURE_RECEIPT not in exposed(response, captured)
    assert headers_of(response)["Cache-Control"] == "private, no-cache"
    assert headers_of(response)["ETag"]


@pytest.mark.parametrize(
    "event",
    [
        rest_event(INCIDENT_PATH, CONTRACTOR),
        rest_event(INCIDENT_PATH, STRANGER),
        rest_event(INCIDENT_PATH, None),
        http_event(INCIDENT_PATH, TOKEN_CONTRACTOR),
        http_event(INCIDENT_PATH, None),
        rest_event("/incidents/not-an-incident/engagements", STRANGER),
    ],
    ids=["deny-rule", "no-rule", "no-identity", "token-deny", "no-token", "denied-bad-id"],
)
def test_denied_callers_get_403_before_any_upstream_call(captured, event):
    # Given the incident upstream and a caller the policy gives nothing, or no identity
    with fake_ssm(incident_upstream()) as fake:
        # When it asks
        response = call(event)
    # Then 403, and SSM Contacts was never asked
    assert_problem(response, 403, "access-denied")
    assert fake.calls == []


# --- caller mistakes -----------------------------------------------------------------------------


def test_another_accounts_incident_is_not_found_without_asking(captured):
    # Given an incident record of an account this proxy does not serve
    foreign = INCIDENT.replace(SERVED_ACCOUNT, "999999999999")
    with fake_ssm(incident_upstream()) as fake:
        # When it is asked for
        response = call(rest_event(f"/incidents/{foreign}/engagements", COMMANDER))
    # Then 404 saying which incidents this proxy serves, and nothing was asked
    problem = assert_problem(response, 404, "incident-not-found")
    assert "account this proxy serves" in problem["detail"]
    assert fake.calls == []


@pytest.mark.parametrize(
    ("incident", "query"),
    [
        ("checkout", None),
        ("checkout/not-a-uuid", None),
        (f"arn:aws:ssm-incidents:us-east-2:{SERVED_ACCOUNT}:incident-record/{PLAN_ID}", None),
        (EXAMPLE_ARN, None),
        (f"arn:aws-cn:ssm-incidents::{SERVED_ACCOUNT}:incident-record/{PLAN_ID}", None),
        (quote(quote(INCIDENT, safe=""), safe=""), None),
        (PLAN_ID, {"region": ["eu-west-1"]}),
        (PLAN_ID, {"region": ["moon-1"]}),
    ],
    ids=[
        "plan-only",
        "not-a-uuid",
        "region-in-arn",
        "an-engagement-arn",
        "unserved-partition",
        "encoded-twice",
        "unserved-region",
        "not-a-region",
    ],
)
def test_malformed_incident_ids_are_400_before_any_upstream_call(captured, incident, query):
    # Given the incident upstream
    with fake_ssm(incident_upstream()) as fake:
        # When the incident is misnamed
        response = call(rest_event(f"/incidents/{incident}/engagements", COMMANDER, query=query))
    # Then a 400 saying how to name it, and nothing asked
    assert_problem(response, 400, "invalid-incident-id")
    assert fake.calls == []


def test_query_parameters_the_route_does_not_take_are_400(captured):
    # Given the incident upstream
    with fake_ssm(incident_upstream()) as fake:
        # When the query asks for a time window, which this route does not take
        response = call(
            rest_event(INCIDENT_PATH, COMMANDER, query={"since": ["2021-05-18T00:00:00Z"]})
        )
    # Then a 400 naming what it does take, and nothing asked
    problem = assert_problem(response, 400, "invalid-query")
    assert "send only region" in problem["detail"]
    assert fake.calls == []


# --- bounds --------------------------------------------------------------------------------------


def test_51_engagements_across_regions_are_cut_to_50(captured, no_cache):
    # Given 51 engagements of the incident, 26 in us-east-2 and 25 in us-west-2, ten per answer
    east = [summary(engagement_arn(i), T0 + timedelta(minutes=i)) for i in range(26)]
    west = [
        summary(engagement_arn(i, "us-west-2"), T0 + timedelta(minutes=i, seconds=30))
        for i in range(26, 51)
    ]
    fake = FakeSsm(
        items={
            ("ListEngagements", f"us-east-2 {INCIDENT}"): east,
            ("ListEngagements", f"us-west-2 {INCIDENT}"): west,
        },
        page_size=10,
    )
    with fake_ssm(fake):
        # When the commander asks for the incident
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then 50 of them, oldest first, and the answer says it was cut
    body = body_of(response)
    assert len(body["Engagements"]) == 50 and body["Truncated"] is True
    starts = [e["StartTime"] for e in body["Engagements"]]
    assert starts == sorted(starts)
    # (every upstream page of both listings was followed: 3 in each region)
    assert fake.count("ListEngagements") == 6
    assert fake.count("ListPagesByEngagement") == 50
    assert audit_of(captured)["engagements"] == 50


def test_exactly_50_engagements_are_not_truncated(captured, no_cache):
    # Given 50 engagements of the incident in us-east-2
    east = [summary(engagement_arn(i), T0 + timedelta(minutes=i)) for i in range(50)]
    fake = FakeSsm(items={("ListEngagements", f"us-east-2 {INCIDENT}"): east}, page_size=25)
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then all 50, nothing left out
    body = body_of(response)
    assert len(body["Engagements"]) == 50 and body["Truncated"] is False


def test_an_engagement_with_over_100_pages_truncates_the_incident(captured, no_cache):
    # Given an incident whose us-east-2 engagement has 101 pages
    pages = [page(index) for index in range(101)]
    fake = FakeSsm(
        items={
            ("ListEngagements", f"us-east-2 {INCIDENT}"): [summary(EXAMPLE_ARN, T0)],
            ("ListPagesByEngagement", EXAMPLE_ARN): pages,
        },
        page_size=50,
    )
    with fake_ssm(fake):
        # When the commander asks for the incident
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then that engagement carries 100 pages and the answer says it was cut
    body = body_of(response)
    assert [len(e["Pages"]) for e in body["Engagements"]] == [100]
    assert body["Truncated"] is True
    assert audit_of(captured)["pages"] == 100


# --- upstream failures anywhere in the fan-out ---------------------------------------------------

# Where the failure strikes, and how many calls the request has made by then: us-east-2 and
# us-west-2 listed (2), then the older, us-west-2, engagement's pages (1) and receipts (1),
# then the us-east-2 engagement's pages (1) and receipts (1).
FAILING_CALLS = {
    "us-west-2-listing": (("ListEngagements", f"us-west-2 {INCIDENT}"), 2),
    "second-engagements-pages": (("ListPagesByEngagement", EXAMPLE_ARN), 5),
    "second-engagements-receipts": (("ListPageReceipts", EAST_PAGE["PageArn"]), 6),
}


@pytest.mark.parametrize("where", sorted(FAILING_CALLS))
@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        ((400, "ThrottlingException"), 503, "upstream-throttled"),
        ((500, "InternalServerException"), 502, "upstream-failed"),
        ((400, "AccessDeniedException"), 502, "upstream-role-fault"),
    ],
    ids=["throttled", "server-error", "role-fault"],
)
def test_a_failure_anywhere_in_the_fan_out_fails_the_whole_answer(
    captured, no_cache, where, failure, status, slug
):
    # Given the incident, one call of its fan-out failing
    fake = incident_upstream()
    failing, calls_made = FAILING_CALLS[where]
    fake.failures[failing] = failure
    with fake_ssm(fake):
        # When the commander asks for it
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then no partial answer: today's problem, no receipt info already fetched, and the audit
    # counts every call made
    assert_problem(response, status, slug)
    assert SECURE_RECEIPT not in exposed(response, captured)
    audit = audit_of(captured)
    assert (audit["route"], audit["incident_id"], audit["status"]) == (ROUTE, INCIDENT, status)
    assert audit["upstream_calls"] == calls_made


@pytest.mark.parametrize(
    "listed",
    [
        EXAMPLE_ARN.replace("us-east-2", "eu-west-1"),
        EXAMPLE_ARN.replace(SERVED_ACCOUNT, "999999999999"),
        "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
    ],
    ids=["unserved-region", "other-account", "not-an-engagement"],
)
def test_a_listed_engagement_this_proxy_does_not_serve_is_an_upstream_failure(captured, listed):
    # Given SSM Contacts listing, for the incident, an engagement the proxy does not serve
    fake = FakeSsm(items={("ListEngagements", f"us-east-2 {INCIDENT}"): [summary(listed, T0)]})
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then a 502, and its pages were never asked for
    assert_problem(response, 502, "upstream-failed")
    assert fake.count("ListPagesByEngagement") == 0


# --- caching and the audit line ------------------------------------------------------------------


def test_a_second_request_is_a_cache_hit_without_an_upstream_call(captured):
    # Given the commander read the incident once
    with fake_ssm(incident_upstream()) as fake:
        first = call(rest_event(INCIDENT_PATH, COMMANDER))
        asked = len(fake.calls)
        # When it asks again
        again = call(rest_event(INCIDENT_PATH, COMMANDER))
    # Then the same answer, every part of it from the cache
    assert again["body"] == first["body"]
    assert len(fake.calls) == asked == 6
    audit = audit_of(captured)
    assert (audit["cache"], audit["upstream_calls"]) == ("hit", 0)


def test_a_redacted_poll_with_its_etag_is_a_304_from_the_cache(captured):
    # Given a dashboard that read the incident once
    with fake_ssm(incident_upstream()) as fake:
        first = call(rest_event(INCIDENT_PATH, DASHBOARD))
        asked = len(fake.calls)
        # When it polls with the ETag it got
        again = call(
            rest_event(
                INCIDENT_PATH, DASHBOARD, headers={"If-None-Match": headers_of(first)["ETag"]}
            )
        )
    # Then a 304 without a body and without an upstream call
    assert again["statusCode"] == 304 and again["body"] == ""
    assert len(fake.calls) == asked
    assert (audit_of(captured)["cache"], audit_of(captured)["upstream_calls"]) == ("hit", 0)


def test_the_audit_line_names_route_incident_counts_and_upstream_calls(captured):
    # Given the incident upstream
    with fake_ssm(incident_upstream()):
        # When a dashboard asks for it
        call(rest_event(INCIDENT_PATH, DASHBOARD))
    # Then its audit line: two regions listed, two engagements' pages, two pages' receipts
    (audit,) = captured.audit_lines()
    assert audit["route"] == ROUTE
    assert audit["incident_id"] == INCIDENT
    assert (audit["engagements"], audit["pages"]) == (2, 2)
    assert (audit["upstream_calls"], audit["cache"]) == (6, "miss")
    assert audit.get("engagement_arn") is None
