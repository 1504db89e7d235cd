"""GET /engagements/{engagement}/pages through lambda_handler: who was paged, did it reach them,
did they read it, for each tier, spelling, bound and error, with SSM Contacts' list operations
answered on the wire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from testing_support.contract import PAGE_KEYS, PAGES_ANSWER_KEYS, RECEIPT_KEYS
from testing_support.events import (
    COMMANDER,
    CONTRACTOR,
    DASHBOARD,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    SRE,
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
    SECURE_RECEIPT,
    T0,
    WEST_ARN,
    assert_problem,
    audit_of,
    body_of,
    exposed,
    one_delivered_page,
    page,
    receipt,
)

PAGES_PATH = EXAMPLE_PATH + "/pages"
ROUTE = "/engagements/{engagement}/pages"


def three_pages_with_receipts(page_size: int = 3) -> tuple[list[dict[str, Any]], FakeSsm]:
    """Three pages, `page_size` per upstream answer, each with a receipt."""
    pages = [page(index) for index in range(3)]
    fake = FakeSsm(
        items={
            ("ListPagesByEngagement", EXAMPLE_ARN): pages,
            **{("ListPageReceipts", p["PageArn"]): [receipt("SENT", 0)] for p in pages},
        },
        page_size=page_size,
    )
    return pages, fake


# --- tiers ---------------------------------------------------------------------------------------


def test_the_commander_sees_who_was_paged_with_every_receipt(captured):
    # Given an engagement with one delivered page and its two receipts
    with fake_ssm(one_delivered_page()):
        # When the commander asks for its pages
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then every documented key is there, receipts in time order, secure receipt info included
    assert response["statusCode"] == 200
    body = body_of(response)
    assert tuple(body) == PAGES_ANSWER_KEYS
    (only,) = body["Pages"]
    assert tuple(only) == PAGE_KEYS
    assert tuple(only["Receipts"][0]) == RECEIPT_KEYS
    assert only["Status"] == "delivered" and only["ReadTime"] is None
    assert only["SentTime"] == "2021-05-18T18:25:43.000Z"
    assert [r["ReceiptType"] for r in only["Receipts"]] == ["SENT", "DELIVERED"]
    assert only["Receipts"][0]["ReceiptInfo"] == SECURE_RECEIPT
    assert body["EngagementArn"] == EXAMPLE_ARN
    assert body["Truncated"] is False and body["Redacted"] == []


def test_the_full_tier_answer_is_no_store_without_an_etag(captured):
    # Given the commander
    with fake_ssm(one_delivered_page()):
        # When it asks for the pages
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then no browser or proxy may keep the answer, and no digest of it is sent
    headers = headers_of(response)
    assert headers["Cache-Control"] == "no-store"
    assert headers["Vary"] == "Authorization"
    assert "ETag" not in headers


@pytest.mark.parametrize(
    "event",
    [
        rest_event(PAGES_PATH, DASHBOARD),
        rest_event(PAGES_PATH, SRE),
        http_event(PAGES_PATH, TOKEN_SRE),
    ],
    ids=["iam-by-org", "iam-by-account", "token"],
)
def test_receipt_info_never_reaches_a_redacted_caller_nor_the_logs(captured, event):
    # Given a page with secure receipt info, and a redacted caller of either entrance
    with fake_ssm(one_delivered_page()):
        # When it asks
        response = call(event)
    # Then the receipt info is null and named in Redacted, and in no byte sent or logged
    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["Redacted"] == ["ReceiptInfo"]
    receipts = [r for p in body["Pages"] for r in p["Receipts"]]
    assert len(receipts) == 2 and all(r["ReceiptInfo"] is None for r in receipts)
    assert SECURE_RECEIPT not in exposed(response, captured)
    assert headers_of(response)["Cache-Control"] == "private, no-cache"
    assert headers_of(response)["ETag"]


def test_receipt_info_served_in_full_never_reaches_the_logs(captured):
    # Given the commander, every logger at DEBUG
    with fake_ssm(one_delivered_page()):
        # When the pages are served
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then the body holds the receipt info and no log line does
    assert SECURE_RECEIPT in response["body"]
    assert captured.audit_lines()
    assert SECURE_RECEIPT not in captured.text


@pytest.mark.parametrize(
    "event",
    [
        rest_event(PAGES_PATH, CONTRACTOR),
        rest_event(PAGES_PATH, STRANGER),
        rest_event(PAGES_PATH, None),
        http_event(PAGES_PATH, TOKEN_CONTRACTOR),
        http_event(PAGES_PATH, None),
        # The tier comes before the id: a denied caller learns nothing about its spelling.
        rest_event("/engagements/not-an-id/pages", STRANGER),
    ],
    ids=["deny-rule", "no-rule", "no-identity", "token-deny", "no-token", "denied-bad-id"],
)
def test_denied_callers_get_403_before_any_upstream_call(captured, event):
    # Given pages upstream and a caller the policy gives nothing, or no identity at all
    with fake_ssm(one_delivered_page()) as fake:
        # When it asks for them
        response = call(event)
    # Then 403, SSM Contacts never asked, no receipt info anywhere
    assert_problem(response, 403, "access-denied")
    assert fake.calls == []
    assert SECURE_RECEIPT not in exposed(response, captured)


# --- spellings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        rest_event(PAGES_PATH, COMMANDER),
        rest_event(f"/engagements/{EXAMPLE_ARN}/pages", COMMANDER),
        rest_event(f"/engagements/{quote(EXAMPLE_ARN, safe='')}/pages", COMMANDER),
        http_event(f"/engagements/{quote(EXAMPLE_ARN, safe='')}/pages", TOKEN_COMMANDER),
        http_event(f"/engagements/{EXAMPLE_ARN}/pages", TOKEN_COMMANDER),
    ],
    ids=["contact-id", "raw-arn", "encoded-arn", "token-encoded-arn", "token-raw-arn"],
)
def test_every_spelling_names_the_same_engagements_pages(captured, event):
    # Given the engagement's pages upstream
    with fake_ssm(one_delivered_page()) as fake:
        # When they are asked for by any spelling, on either entrance
        response = call(event)
    # Then the same engagement's pages are served, asked for in its own region
    assert response["statusCode"] == 200
    assert body_of(response)["EngagementArn"] == EXAMPLE_ARN
    assert fake.calls[0] == ("ListPagesByEngagement", "us-east-2", EXAMPLE_ARN)


def test_the_region_query_names_an_engagement_of_another_served_region(captured):
    # Given a us-west-2 engagement with one page
    west_page = page(1, WEST_ARN)
    fake = FakeSsm(items={("ListPagesByEngagement", WEST_ARN): [west_page]})
    contact_id = "/".join(WEST_ARN.split("/")[-2:])
    with fake_ssm(fake):
        # When it is named by contact and id with ?region=us-west-2
        response = call(
            rest_event(
                f"/engagements/{contact_id}/pages", COMMANDER, query={"region": ["us-west-2"]}
            )
        )
    # Then us-west-2 is asked, for that engagement
    assert response["statusCode"] == 200
    assert body_of(response)["EngagementArn"] == WEST_ARN
    assert fake.calls[0] == ("ListPagesByEngagement", "us-west-2", WEST_ARN)


# --- caller mistakes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/engagements/not-an-id/pages", None),
        ("/engagements/example_escalation/69E40CE1-8DBB-4D57-8962-5FBE7FC53356/pages", None),
        (f"/engagements/{INCIDENT}/pages", None),
        (f"/engagements/{quote(quote(EXAMPLE_ARN, safe=''), safe='')}/pages", None),
        (PAGES_PATH, {"region": ["eu-west-1"]}),
        (PAGES_PATH, {"region": ["moon-1"]}),
        (f"/engagements/{EXAMPLE_ARN}/pages", {"region": ["us-west-2"]}),
        (f"/engagements/{EXAMPLE_ARN.replace('arn:aws:', 'arn:aws-cn:')}/pages", None),
    ],
    ids=[
        "not-an-id",
        "upper-case-uuid",
        "an-incident-arn",
        "encoded-twice",
        "unserved-region",
        "not-a-region",
        "region-contradicts-arn",
        "partition-contradicts-region",
    ],
)
def test_malformed_engagement_ids_are_400_before_any_upstream_call(captured, path, query):
    # Given pages upstream
    with fake_ssm(one_delivered_page()) as fake:
        # When the engagement is misnamed
        response = call(rest_event(path, COMMANDER, query=query))
    # Then a 400 saying how to name it, and nothing asked
    assert_problem(response, 400, "invalid-engagement-id")
    assert fake.calls == []


def test_an_engagement_of_another_account_is_not_found_without_asking(captured):
    # Given an engagement ARN of an account this proxy does not serve
    foreign = EXAMPLE_ARN.replace("111122223333", "999999999999")
    with fake_ssm(one_delivered_page()) as fake:
        # When its pages are asked for
        response = call(rest_event(f"/engagements/{foreign}/pages", COMMANDER))
    # Then 404, as for any engagement that does not exist, and nothing asked
    assert_problem(response, 404, "engagement-not-found")
    assert "999999999999" not in response["body"]
    assert fake.calls == []


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"since": ["2021-05-18T00:00:00Z"]}, "takes no query parameter since: send only region"),
        ({"region": ["us-east-2", "us-west-2"]}, "at most once"),
    ],
    ids=["unknown-parameter", "region-twice"],
)
def test_query_parameters_the_route_does_not_take_are_400(captured, query, detail):
    # Given pages upstream
    with fake_ssm(one_delivered_page()) as fake:
        # When the query holds a parameter the route does not take, or one twice
        response = call(rest_event(PAGES_PATH, COMMANDER, query=query))
    # Then a 400 saying what to send instead, and nothing asked
    problem = assert_problem(response, 400, "invalid-query")
    assert detail in problem["detail"]
    assert fake.calls == []


# --- the status rule -----------------------------------------------------------------------------

READ, DELIVERED, SENT = "ReadTime", "DeliveryTime", "SentTime"


@pytest.mark.parametrize(
    ("times", "kinds", "status"),
    [
        ({READ, DELIVERED, SENT}, [], "read"),
        (set(), ["READ"], "read"),
        ({SENT}, ["SENT", "STOP", "READ"], "read"),
        ({DELIVERED, SENT}, [], "delivered"),
        (set(), ["DELIVERED"], "delivered"),
        ({DELIVERED, SENT}, ["STOP"], "delivered"),
        ({SENT}, ["SENT", "STOP"], "stopped"),
        (set(), ["ERROR", "STOP"], "stopped"),
        ({SENT}, [], "sent"),
        (set(), ["SENT"], "sent"),
        ({SENT}, ["ERROR"], "sent"),
        (set(), ["ERROR"], "failed"),
        (set(), [], "pending"),
    ],
    ids=[
        "read-time",
        "read-receipt",
        "read-beats-stop",
        "delivery-time",
        "delivered-receipt",
        "delivered-beats-stop",
        "stopped",
        "stop-beats-error",
        "sent-time",
        "sent-receipt",
        "sent-beats-error",
        "failed",
        "pending",
    ],
)
def test_each_page_has_the_first_status_that_holds(captured, times, kinds, status):
    # Given a page with these times set and receipts of these types
    item = page(
        1,
        ReadTime=T0 + timedelta(minutes=2) if READ in times else None,
        DeliveryTime=T0 + timedelta(minutes=1) if DELIVERED in times else None,
        SentTime=T0 if SENT in times else None,
    )
    fake = FakeSsm(
        items={
            ("ListPagesByEngagement", EXAMPLE_ARN): [item],
            ("ListPageReceipts", item["PageArn"]): [
                receipt(kind, index) for index, kind in enumerate(kinds)
            ],
        },
        page_size=5,
    )
    with fake_ssm(fake):
        # When a dashboard asks for the pages
        response = call(rest_event(PAGES_PATH, DASHBOARD))
    # Then the page's status is the first of read, delivered, stopped, sent, failed, pending
    # that holds
    assert [p["Status"] for p in body_of(response)["Pages"]] == [status]


# --- bounds and pagination -----------------------------------------------------------------------


def test_every_next_token_is_followed_and_101_pages_are_truncated_to_100(captured, no_cache):
    # Given 101 pages, served two per upstream answer, each without receipts
    pages = [page(index) for index in range(101)]
    fake = FakeSsm(items={("ListPagesByEngagement", EXAMPLE_ARN): pages}, page_size=2)
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then 100 pages, in SentTime order, and the answer says it was cut
    body = body_of(response)
    assert len(body["Pages"]) == 100 and body["Truncated"] is True
    assert [p["PageArn"] for p in body["Pages"]] == [p["PageArn"] for p in pages[:100]]
    assert fake.count("ListPagesByEngagement") == 50  # the 100th came with a NextToken: enough
    assert fake.count("ListPageReceipts") == 100
    assert audit_of(captured)["upstream_calls"] == 50 + 100
    assert audit_of(captured)["pages"] == 100


def test_exactly_100_pages_are_not_truncated(captured, no_cache):
    # Given exactly 100 pages, the last upstream answer without a NextToken
    pages = [page(index) for index in range(100)]
    fake = FakeSsm(items={("ListPagesByEngagement", EXAMPLE_ARN): pages}, page_size=50)
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then all 100, and nothing was left out
    body = body_of(response)
    assert len(body["Pages"]) == 100 and body["Truncated"] is False


def test_each_page_asks_for_up_to_100_items_and_sends_the_token_it_got(captured, no_cache):
    # Given three pages, two per upstream answer
    pages = [page(index) for index in range(3)]
    fake = FakeSsm(items={("ListPagesByEngagement", EXAMPLE_ARN): pages}, page_size=2)
    with fake_ssm(fake):
        # When the commander asks
        call(rest_event(PAGES_PATH, COMMANDER))
    # Then the second listing call carried the first one's NextToken, each asking for 100
    listing = [a.params for a in fake.asked if a.operation == "ListPagesByEngagement"]
    assert [params.get("NextToken") for params in listing] == [None, "2"]
    assert {params["MaxResults"] for params in listing} == {100}


def test_receipts_over_several_upstream_answers_are_all_there(captured, no_cache):
    # Given a page whose three receipts come two per upstream answer
    item = page(1)
    fake = FakeSsm(
        items={
            ("ListPagesByEngagement", EXAMPLE_ARN): [item],
            ("ListPageReceipts", item["PageArn"]): [
                receipt("SENT", 1),
                receipt("DELIVERED", 2),
                receipt("READ", 3),
            ],
        },
        page_size=2,
    )
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then all three receipts, and the page is read
    (only,) = body_of(response)["Pages"]
    assert [r["ReceiptType"] for r in only["Receipts"]] == ["SENT", "DELIVERED", "READ"]
    assert only["Status"] == "read"
    assert audit_of(captured)["upstream_calls"] == 3


# --- upstream failures: never a partial answer ---------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        ((400, "ThrottlingException"), 503, "upstream-throttled"),
        ((500, "InternalServerException"), 502, "upstream-failed"),
        ((400, "AccessDeniedException"), 502, "upstream-role-fault"),
        ((404, "ResourceNotFoundException"), 404, "engagement-not-found"),
        ((400, "ValidationException"), 400, "rejected-upstream"),
        (b"<html><body>502 Bad Gateway</body></html>", 502, "upstream-failed"),
        (b'{"Receipts": "none"}', 502, "upstream-failed"),
        (b'{"Receipts": [{"ReceiptType": "LOST", "ReceiptTime": 1}]}', 502, "upstream-failed"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), 504, "upstream-timeout"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 504, "upstream-unreachable"),
    ],
    ids=[
        "throttled",
        "server-error",
        "role-fault",
        "not-found",
        "rejected",
        "not-json",
        "no-receipt-list",
        "unknown-receipt-type",
        "timeout",
        "unreachable",
    ],
)
def test_a_failure_in_the_middle_of_the_fan_out_fails_the_whole_answer(
    captured, no_cache, failure, status, slug
):
    # Given three pages whose receipts are fetched side by side, the second page's failing
    pages, fake = three_pages_with_receipts()
    fake.failures[("ListPageReceipts", pages[1]["PageArn"])] = failure
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
        fake.await_calls(4)
    # Then no partial answer: today's problem for that failure, no receipt info of the pages
    # that did answer, and the audit counts every call the fan-out made
    assert_problem(response, status, slug)
    assert SECURE_RECEIPT not in response["body"] + str(headers_of(response))
    assert SECURE_RECEIPT not in captured.text
    audit = audit_of(captured)
    assert (audit["route"], audit["status"], audit.get("pages")) == (ROUTE, status, None)
    assert audit["upstream_calls"] == 1 + 3


def test_throttling_in_the_fan_out_says_when_to_retry(captured, no_cache):
    # Given the second page's receipts throttled
    pages, fake = three_pages_with_receipts()
    fake.failures[("ListPageReceipts", pages[1]["PageArn"])] = (400, "ThrottlingException")
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
        fake.await_calls(4)
    # Then the 503 says when to come back
    assert_problem(response, 503, "upstream-throttled")
    assert headers_of(response)["Retry-After"]


def test_a_failure_on_a_later_upstream_page_of_the_listing_fails_the_answer(captured, no_cache):
    # Given three pages, two per answer, the listing's second answer failing
    pages, fake = three_pages_with_receipts(page_size=2)
    fake.failures[("ListPagesByEngagement", EXAMPLE_ARN, "2")] = (500, "InternalServerException")
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then a 502, not the first two pages, and no receipt was asked for
    assert_problem(response, 502, "upstream-failed")
    assert fake.count("ListPageReceipts") == 0
    assert audit_of(captured)["upstream_calls"] == 2


def test_a_page_of_another_engagement_is_an_upstream_failure(captured):
    # Given SSM Contacts listing, for this engagement, a page of another one
    fake = FakeSsm(items={("ListPagesByEngagement", EXAMPLE_ARN): [page(1), page(2, WEST_ARN)]})
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(PAGES_PATH, COMMANDER))
    # Then a 502: the answer is not about this engagement
    assert_problem(response, 502, "upstream-failed")
    assert WEST_ARN not in response["body"]


# --- caching -------------------------------------------------------------------------------------


def test_a_second_full_tier_request_is_a_cache_hit_still_sent_in_full(captured):
    # Given the commander read the pages once
    with fake_ssm(one_delivered_page()) as fake:
        first = call(rest_event(PAGES_PATH, COMMANDER))
        asked = len(fake.calls)
        # When it asks again, even with an If-None-Match that matches anything
        again = call(rest_event(PAGES_PATH, COMMANDER, headers={"If-None-Match": "*"}))
    # Then the same body from the cache, with no upstream call: full answers have no 304
    assert again["statusCode"] == 200 and again["body"] == first["body"]
    assert len(fake.calls) == asked == 2
    assert "ETag" not in headers_of(again)
    audit = audit_of(captured)
    assert (audit["cache"], audit["upstream_calls"]) == ("hit", 0)


def test_a_redacted_poll_with_its_etag_is_a_304_from_the_cache(captured):
    # Given a dashboard that read the pages once
    with fake_ssm(one_delivered_page()) as fake:
        first = call(rest_event(PAGES_PATH, DASHBOARD))
        asked = len(fake.calls)
        # When it polls again with the ETag it got
        again = call(
            rest_event(PAGES_PATH, DASHBOARD, headers={"If-None-Match": headers_of(first)["ETag"]})
        )
    # Then a 304 without a body, answered from the cache, and the audit line says so
    assert again["statusCode"] == 304 and again["body"] == ""
    assert headers_of(again)["ETag"] == headers_of(first)["ETag"]
    assert len(fake.calls) == asked
    audit = audit_of(captured)
    assert (audit["cache"], audit["upstream_calls"], audit["route"], audit["outcome"]) == (
        "hit",
        0,
        ROUTE,
        "not-modified",
    )


def test_a_stale_etag_gets_the_whole_answer(captured):
    # Given a dashboard holding an ETag of some other answer
    with fake_ssm(one_delivered_page()):
        # When it polls with it
        response = call(
            rest_event(PAGES_PATH, DASHBOARD, headers={"If-None-Match": '"0123456789abcdef"'})
        )
    # Then the whole answer, with its own ETag
    assert response["statusCode"] == 200 and body_of(response)["Pages"]
    assert headers_of(response)["ETag"] != '"0123456789abcdef"'


def test_the_cache_holds_upstreams_answer_never_a_tiers_view(captured):
    # Given the commander's request filled the cache with the receipts, info and all
    with fake_ssm(one_delivered_page()):
        call(rest_event(PAGES_PATH, COMMANDER))
        # When a redacted caller asks for the same pages
        response = call(http_event(PAGES_PATH, TOKEN_SRE))
    # Then it is served from the cache, built for its own tier
    assert audit_of(captured)["cache"] == "hit"
    assert body_of(response)["Redacted"] == ["ReceiptInfo"]
    assert SECURE_RECEIPT not in response["body"]


def test_with_the_cache_off_every_request_goes_upstream(captured, no_cache):
    # Given the cache switched off
    with fake_ssm(one_delivered_page()) as fake:
        # When the pages are asked for twice
        call(rest_event(PAGES_PATH, COMMANDER))
        call(rest_event(PAGES_PATH, COMMANDER))
    # Then both went upstream, and the audit says the cache is off
    assert fake.count("ListPagesByEngagement") == 2
    assert [line["cache"] for line in captured.audit_lines()] == ["off", "off"]


# --- the audit line ------------------------------------------------------------------------------


def test_the_audit_line_names_route_engagement_pages_and_upstream_calls(captured):
    # Given three pages, two per upstream answer, each with a receipt
    _, fake = three_pages_with_receipts(page_size=2)
    with fake_ssm(fake):
        # When a dashboard asks for them
        call(rest_event(PAGES_PATH, DASHBOARD))
    # Then its one audit line says what was asked and what it cost: two listing calls (two
    # pages per answer) and three receipt calls
    (audit,) = captured.audit_lines()
    assert audit["route"] == ROUTE
    assert audit["engagement_arn"] == EXAMPLE_ARN
    assert (audit["pages"], audit.get("engagements"), audit.get("incident_id")) == (3, None, None)
    assert (audit["upstream_calls"], audit["cache"]) == (2 + 3, "miss")
    assert (audit["tier"], audit["status"], audit["outcome"]) == ("redacted", 200, "served")
