"""Who was paged, did it reach them, did they read it: the pages, incident and list routes
through lambda_handler, with SSM Contacts' list operations answered on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from testing_support.events import (
    COMMANDER,
    DASHBOARD,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    SERVED_ACCOUNT,
    STRANGER,
    TOKEN_SRE,
    http_event,
    rest_event,
)
from tests.handler.conftest import call, headers_of
from tests.handler.fake_ssm import FakeSsm, fake_ssm

SECURE_RECEIPT = "SECURE-RECEIPT accept code 482913 via sms-provider-id 77f1"
PLAN_ID = "checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
INCIDENT = f"arn:aws:ssm-incidents::{SERVED_ACCOUNT}:incident-record/{PLAN_ID}"
WEST_ARN = EXAMPLE_ARN.replace("us-east-2", "us-west-2").replace("69e40ce1", "11111111")
T0 = datetime(2021, 5, 18, 18, 25, 42, tzinfo=UTC)


def page(index: int, engagement: str = EXAMPLE_ARN, **times: datetime | None) -> dict[str, Any]:
    region = engagement.split(":")[3]
    return {
        "PageArn": f"arn:aws:ssm-contacts:{region}:{SERVED_ACCOUNT}:page/akua_mansa/"
        f"{index:08d}-0000-4000-8000-000000000000",
        "EngagementArn": engagement,
        "ContactArn": f"arn:aws:ssm-contacts:{region}:{SERVED_ACCOUNT}:contact/akua_mansa",
        "Sender": "tester",
        "SentTime": T0 + timedelta(seconds=index),
        **{name: value for name, value in times.items() if value is not None},
    }


def receipt(kind: str, seconds: int, info: str | None = SECURE_RECEIPT) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ContactChannelArn": f"arn:aws:ssm-contacts:us-east-2:{SERVED_ACCOUNT}:contact-channel/a/b",
        "ReceiptType": kind,
        "ReceiptTime": T0 + timedelta(seconds=seconds),
    }
    if info is not None:
        item["ReceiptInfo"] = info
    return item


def summary(arn: str, started: datetime, stopped: datetime | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "EngagementArn": arn,
        "ContactArn": arn.split(":engagement/")[0] + ":contact/example_escalation",
        "Sender": "tester",
        "IncidentId": INCIDENT,
        "StartTime": started,
    }
    if stopped is not None:
        item["StopTime"] = stopped
    return item


def one_delivered_page() -> FakeSsm:
    first = page(1, DeliveryTime=T0 + timedelta(seconds=2))
    return FakeSsm(
        items={
            ("ListPagesByEngagement", EXAMPLE_ARN): [first],
            ("ListPageReceipts", first["PageArn"]): [receipt("DELIVERED", 2), receipt("SENT", 1)],
        }
    )


def audit_of(captured: Any) -> dict[str, Any]:
    line: dict[str, Any] = captured.audit_lines()[-1]
    return line


# --- GET /engagements/{engagement}/pages ---------------------------------------------------------


def test_the_commander_sees_who_was_paged_with_every_receipt(captured):
    # Given an engagement with one delivered page and its two receipts
    with fake_ssm(one_delivered_page()):
        # When the commander asks for its pages
        response = call(rest_event(EXAMPLE_PATH + "/pages", COMMANDER))
    # Then every key is there, receipts in time order, secure receipt info included
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert list(body) == ["EngagementArn", "Pages", "Truncated", "Redacted"]
    (only,) = body["Pages"]
    assert only["Status"] == "delivered" and only["ReadTime"] is None
    assert [r["ReceiptType"] for r in only["Receipts"]] == ["SENT", "DELIVERED"]
    assert only["Receipts"][0]["ReceiptInfo"] == SECURE_RECEIPT
    assert body["Truncated"] is False and body["Redacted"] == []
    assert headers_of(response)["Cache-Control"] == "no-store"
    assert "ETag" not in headers_of(response)


@pytest.mark.parametrize("entrance", ["iam", "token"])
def test_receipt_info_never_reaches_a_redacted_caller_nor_the_logs(captured, entrance):
    # Given the same page, and a redacted caller of either entrance
    event = (
        rest_event(EXAMPLE_PATH + "/pages", DASHBOARD)
        if entrance == "iam"
        else http_event(EXAMPLE_PATH + "/pages", TOKEN_SRE)
    )
    with fake_ssm(one_delivered_page()):
        # When it asks
        response = call(event)
    # Then the receipt info is null and listed as redacted, and in no byte anywhere
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["Redacted"] == ["ReceiptInfo"]
    assert all(r["ReceiptInfo"] is None for p in body["Pages"] for r in p["Receipts"])
    exposed = response["body"] + json.dumps(headers_of(response)) + captured.text
    assert SECURE_RECEIPT not in exposed
    assert headers_of(response)["ETag"]


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLE_PATH + "/pages",
        f"/engagements/{EXAMPLE_ARN}/pages",
        f"/engagements/{quote(EXAMPLE_ARN, safe='')}/pages",
    ],
    ids=["contact-id", "raw-arn", "encoded-arn"],
)
def test_the_three_spellings_name_the_same_engagements_pages(captured, path):
    # Given the engagement's pages upstream
    with fake_ssm(one_delivered_page()) as fake:
        # When they are asked for by any spelling
        response = call(rest_event(path, COMMANDER))
    # Then the same engagement's pages are served
    assert json.loads(response["body"])["EngagementArn"] == EXAMPLE_ARN
    assert fake.calls[0] == ("ListPagesByEngagement", "us-east-2", EXAMPLE_ARN)


def test_every_next_token_is_followed_and_101_pages_are_truncated_to_100(captured, no_cache):
    # Given 101 pages, served two per upstream answer, each without receipts
    pages = [page(index) for index in range(101)]
    fake = FakeSsm(items={("ListPagesByEngagement", EXAMPLE_ARN): pages}, page_size=2)
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(EXAMPLE_PATH + "/pages", COMMANDER))
    # Then 100 pages, in SentTime order, and the answer says it was cut
    body = json.loads(response["body"])
    assert len(body["Pages"]) == 100 and body["Truncated"] is True
    assert [p["PageArn"] for p in body["Pages"]] == [p["PageArn"] for p in pages[:100]]
    listing = [call_ for call_ in fake.calls if call_[0] == "ListPagesByEngagement"]
    assert len(listing) == 50  # the 100th page came with a NextToken: no need to ask on
    assert audit_of(captured)["upstream_calls"] == 50 + 100
    assert audit_of(captured)["pages"] == 100


def test_a_failure_in_the_middle_of_the_fan_out_fails_the_whole_answer(captured, no_cache):
    # Given three pages, the second page's receipts throttled upstream
    pages = [page(index) for index in range(3)]
    fake = FakeSsm(
        items={("ListPagesByEngagement", EXAMPLE_ARN): pages},
        failures={("ListPageReceipts", pages[1]["PageArn"]): (400, "ThrottlingException")},
    )
    with fake_ssm(fake):
        # When the commander asks
        response = call(rest_event(EXAMPLE_PATH + "/pages", COMMANDER))
    # Then no partial answer: the whole request is today's 503 throttled problem
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["type"].endswith("upstream-throttled")
    assert headers_of(response)["Retry-After"]


def test_a_second_poll_is_a_cache_hit_without_an_upstream_call(captured):
    # Given a dashboard that read the pages once
    with fake_ssm(one_delivered_page()) as fake:
        first = call(rest_event(EXAMPLE_PATH + "/pages", DASHBOARD))
        asked = len(fake.calls)
        # When it polls again with the ETag it got
        again = call(
            rest_event(
                EXAMPLE_PATH + "/pages",
                DASHBOARD,
                headers={"If-None-Match": headers_of(first)["ETag"]},
            )
        )
    # Then it is a 304 answered from the cache, and the audit line says so
    assert again["statusCode"] == 304 and again["body"] == ""
    assert len(fake.calls) == asked
    audit = audit_of(captured)
    assert (audit["cache"], audit["upstream_calls"], audit["route"]) == (
        "hit",
        0,
        "/engagements/{engagement}/pages",
    )


def test_denied_callers_get_403_before_any_list_call(captured):
    # Given pages upstream and a caller the policy gives nothing
    with fake_ssm(one_delivered_page()) as fake:
        # When it asks for them
        response = call(rest_event(EXAMPLE_PATH + "/pages", STRANGER))
    # Then 403, and SSM Contacts was never asked
    assert response["statusCode"] == 403
    assert fake.calls == []


# --- GET /incidents/{incident}/engagements ----------------------------------------------------


def incident_upstream() -> FakeSsm:
    east, west = page(1), page(2, WEST_ARN, ReadTime=T0 + timedelta(minutes=1))
    return FakeSsm(
        items={
            ("ListEngagements", f"us-east-2 {INCIDENT}"): [summary(EXAMPLE_ARN, T0)],
            ("ListEngagements", f"us-west-2 {INCIDENT}"): [
                summary(WEST_ARN, T0 - timedelta(minutes=5), T0)
            ],
            ("ListPagesByEngagement", EXAMPLE_ARN): [east],
            ("ListPagesByEngagement", WEST_ARN): [west],
            ("ListPageReceipts", east["PageArn"]): [receipt("ERROR", 3)],
            ("ListPageReceipts", west["PageArn"]): [receipt("READ", 60)],
        }
    )


@pytest.mark.parametrize(
    "incident",
    ["checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10", INCIDENT, quote(INCIDENT, safe="")],
    ids=["plan-id", "raw-arn", "encoded-arn"],
)
def test_one_call_rolls_up_an_incidents_engagements_across_regions(captured, incident):
    # Given an incident with an engagement in each served region, each with a page
    with fake_ssm(incident_upstream()):
        # When the commander asks for the incident's engagements
        response = call(rest_event(f"/incidents/{incident}/engagements", COMMANDER))
    # Then both engagements, oldest first, each with its pages and their status
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["IncidentId"] == INCIDENT
    assert [e["EngagementArn"] for e in body["Engagements"]] == [WEST_ARN, EXAMPLE_ARN]
    assert [e["Pages"][0]["Status"] for e in body["Engagements"]] == ["read", "sent"]
    audit = audit_of(captured)
    assert (audit["incident_id"], audit["engagements"], audit["pages"]) == (INCIDENT, 2, 2)
    assert audit["upstream_calls"] == 6


def test_a_token_caller_below_full_never_sees_an_incidents_receipt_info(captured):
    # Given the incident upstream and a redacted token caller
    with fake_ssm(incident_upstream()):
        # When it asks
        response = call(
            http_event(
                "/incidents/checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements", TOKEN_SRE
            )
        )
    # Then no receipt info anywhere
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["Redacted"] == ["ReceiptInfo"]
    assert SECURE_RECEIPT not in response["body"] + captured.text


def test_another_accounts_incident_is_not_found_without_asking(captured):
    # Given an incident record of an account this proxy does not serve
    foreign = INCIDENT.replace(SERVED_ACCOUNT, "999999999999")
    with fake_ssm(incident_upstream()) as fake:
        # When it is asked for
        response = call(rest_event(f"/incidents/{foreign}/engagements", COMMANDER))
    # Then 404, and nothing was asked upstream
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["type"].endswith("incident-not-found")
    assert fake.calls == []


# --- GET /engagements?since=&until= -----------------------------------------------------------


def test_the_landing_page_lists_engagements_of_every_region_newest_first(captured):
    # Given engagements started in the window in both regions
    fake = FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [summary(EXAMPLE_ARN, T0)],
            ("ListEngagements", "us-west-2 window"): [summary(WEST_ARN, T0 + timedelta(hours=1))],
        }
    )
    with fake_ssm(fake):
        # When a dashboard lists them
        response = call(
            rest_event(
                "/engagements",
                DASHBOARD,
                query={"since": ["2021-05-18T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]},
            )
        )
    # Then newest first, without pages
    body = json.loads(response["body"])
    assert [e["EngagementArn"] for e in body["Engagements"]] == [WEST_ARN, EXAMPLE_ARN]
    assert body["Truncated"] is False
    assert "Pages" not in body["Engagements"][0]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        (
            {"since": ["2021-05-19T00:00:00Z"], "until": ["2021-05-18T00:00:00Z"]},
            "invalid-time-window",
        ),
        (
            {"since": ["2021-05-01T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]},
            "invalid-time-window",
        ),
        ({"since": ["yesterday"]}, "invalid-time-window"),
        ({"region": ["eu-west-9"]}, "invalid-query"),
    ],
    ids=["until-before-since", "over-7-days", "not-rfc3339", "unserved-region"],
)
def test_bad_windows_are_400_before_any_upstream_call(captured, query, slug):
    # Given no upstream answer at all
    with fake_ssm(FakeSsm()) as fake:
        # When the window is wrong
        event = rest_event("/engagements", COMMANDER, query=query)
        response = call(event)
    # Then a 400 saying what to send, and nothing asked
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["type"].endswith(slug)
    assert fake.calls == []


def test_51_engagements_are_cut_to_50(captured, no_cache):
    # Given 51 engagements in the window in one region
    started = [T0 + timedelta(minutes=index) for index in range(51)]
    arns = [EXAMPLE_ARN.replace("69e40ce1", f"{index:08x}") for index in range(51)]
    fake = FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [
                summary(a, s) for a, s in zip(arns, started, strict=True)
            ]
        },
        page_size=10,
    )
    with fake_ssm(fake):
        # When they are listed
        response = call(
            rest_event(
                "/engagements",
                COMMANDER,
                query={"since": ["2021-05-18T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]},
            )
        )
    # Then the newest 50 of them, newest first, and the answer says it was cut
    body = json.loads(response["body"])
    assert len(body["Engagements"]) == 50 and body["Truncated"] is True
    assert [e["EngagementArn"] for e in body["Engagements"]] == arns[:0:-1]


def test_the_landing_page_can_be_narrowed_to_one_served_region(captured):
    # Given engagements in both regions
    fake = FakeSsm(
        items={
            ("ListEngagements", "us-east-2 window"): [summary(EXAMPLE_ARN, T0)],
            ("ListEngagements", "us-west-2 window"): [summary(WEST_ARN, T0)],
        }
    )
    with fake_ssm(fake):
        # When a dashboard asks for us-west-2 only
        query = {"since": ["2021-05-18T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]}
        response = call(
            rest_event("/engagements", DASHBOARD, query={**query, "region": ["us-west-2"]})
        )
    # Then only that region was asked and listed
    assert [e["EngagementArn"] for e in json.loads(response["body"])["Engagements"]] == [WEST_ARN]
    assert {region for _, region, _ in fake.calls} == {"us-west-2"}
