"""The paging routes' answers over real HTTP against local mode, as curl and dashboards get them:
every upstream page followed, a fault anywhere in a fan-out failing the whole answer, tokens
with curl, revalidation, refusals and caller mistakes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from local.ssm_contacts import FAULTS, fan_out_id
from local.tokens import load_token_identities, mint_token
from testing_support.contract import FAULT_ANSWERS, PAGE_STATUSES
from testing_support.secure_text import PAGES, secure_receipt_infos
from testing_support.stack import RunningStack, start_stack, stop_stack
from tests.e2e.clients import (
    Answer,
    curl_bearer,
    curl_get,
    curl_has_sigv4,
    get,
    identity,
    signature_headers,
    signed_get,
)
from tests.forged_tokens import KEY

pytestmark = pytest.mark.e2e

needs_curl_sigv4 = pytest.mark.skipif(not curl_has_sigv4(), reason="this curl cannot sign")

COMMANDER = identity("IncidentCommander")
DASHBOARD = identity("Dashboard")
TOKENS = load_token_identities()
CHECKOUT_ENGAGEMENT = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/checkout_escalation/"
    "5b1f0c3e-7a2d-4e8f-9c61-2d4b8a7e3f90"
)
CHECKOUT_PAGES = "/engagements/checkout_escalation/5b1f0c3e-7a2d-4e8f-9c61-2d4b8a7e3f90/pages"
INCIDENT = (
    "arn:aws:ssm-incidents::111122223333:incident-record/checkout/"
    "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
)
INCIDENT_PATH = "/incidents/checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements"
FAULT_NAMES = sorted(FAULT_ANSWERS)
FAULT_KEYS = {fault.name: key for key, fault in FAULTS.items()}


@pytest.fixture(scope="module")
def uncached_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Local mode with the Lambda's cache off, one worker: every request makes all its upstream
    calls, so the audit line's count is exact whatever ran before."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("CACHE_ENABLED", "false")
        stack = start_stack(tmp_path_factory.mktemp("uncached-stack") / "stack.log", workers=1)
    yield stack
    stop_stack(stack)


def token(name: str) -> str:
    return mint_token(TOKENS[name], KEY)


def audit_of(stack: RunningStack, answer: Answer) -> dict[str, object]:
    """The audit line of the request `answer` answered, by its API Gateway request id."""
    request_id = answer.headers.get("x-amzn-RequestId") or answer.headers.get("apigw-requestid")
    assert request_id
    (line,) = [
        line
        for line in stack.log_text().splitlines()
        if '"message":"audit"' in line and str(request_id) in line
    ]
    found: dict[str, object] = json.loads(line[line.index("{") :])
    return found


def seeded_pages_of(engagement_arn: str) -> set[str]:
    return {
        arn for arn, record in PAGES.items() if record["Page"]["EngagementArn"] == engagement_arn
    }


# --- every upstream page -------------------------------------------------------------------------


@needs_curl_sigv4
def test_curl_gets_every_page_of_an_engagement_listed_over_several_upstream_answers(
    uncached_stack: RunningStack,
) -> None:
    # Given the checkout engagement's seven pages, which the local endpoint lists three per answer
    # When the commander's curl asks for them
    answer, _ = curl_get(uncached_stack.url + CHECKOUT_PAGES, COMMANDER)
    # Then all seven, one of each status, sent ones by SentTime and unsent ones after them
    assert answer.status == 200
    body = answer.json()
    assert {p["PageArn"] for p in body["Pages"]} == seeded_pages_of(CHECKOUT_ENGAGEMENT)
    assert len(body["Pages"]) == 7 and body["Truncated"] is False
    assert {p["Status"] for p in body["Pages"]} == set(PAGE_STATUSES)
    sent = [p["SentTime"] for p in body["Pages"] if p["SentTime"] is not None]
    assert sent == sorted(sent)
    assert [p["SentTime"] for p in body["Pages"]][len(sent) :] == [None] * (7 - len(sent))
    # (three listing calls for 3 + 3 + 1 pages, and one receipts call per page: none has more
    # than three receipts)
    audit = audit_of(uncached_stack, answer)
    assert (audit["pages"], audit["upstream_calls"], audit["cache"]) == (7, 3 + 7, "off")


def test_a_token_callers_incident_holds_every_page_of_both_regions(
    uncached_stack: RunningStack,
) -> None:
    # Given the seeded incident: seven pages in us-east-2, two in us-west-2
    # When the commander's token asks for it with curl
    answer = curl_bearer(uncached_stack.url + INCIDENT_PATH, token("commander"))
    # Then every seeded page of both engagements, and their receipt info in full
    assert answer.status == 200
    engagements = answer.json()["Engagements"]
    pages = {p["PageArn"] for e in engagements for p in e["Pages"]}
    expected = {
        arn for arn, record in PAGES.items() if record["Page"].get("IncidentId") == INCIDENT
    }
    assert pages == expected and len(pages) == 9
    infos = {r["ReceiptInfo"] for e in engagements for p in e["Pages"] for r in p["Receipts"]}
    assert infos & set(secure_receipt_infos())
    # (each region listed once; us-east-2's pages in three answers and us-west-2's in one; one
    # receipts call per page)
    audit = audit_of(uncached_stack, answer)
    assert (audit["engagements"], audit["pages"]) == (2, 9)
    assert audit["upstream_calls"] == 2 + 3 + 1 + 9


# --- a fault anywhere in a fan-out ---------------------------------------------------------------

# The fan-out fault ids (README "Fault switches"): an engagement of depth 1 lists a healthy page
# and a page whose receipts fail; an incident of depth 2 lists, in each region, a healthy
# engagement and one of depth 1. The calls made by the time the fault strikes: one listing and
# two receipts; the two regions' listings, each healthy engagement's pages and receipts, then the
# first depth-1 engagement's pages and both its pages' receipts.
FAN_OUTS: dict[str, tuple[Callable[[str], str], int]] = {
    "engagement-pages": (
        lambda fault: f"/engagements/fault_switch/{fan_out_id(FAULT_KEYS[fault], 1)}/pages",
        1 + 2,
    ),
    "incident": (
        lambda fault: f"/incidents/fault_drill/{fan_out_id(FAULT_KEYS[fault], 2)}/engagements",
        2 + 2 * 2 + 1 + 2,
    ),
}


@needs_curl_sigv4
@pytest.mark.parametrize("route", sorted(FAN_OUTS))
@pytest.mark.parametrize("fault", FAULT_NAMES)
def test_a_fault_in_the_middle_of_a_fan_out_fails_the_whole_answer(
    uncached_stack: RunningStack, route: str, fault: str
) -> None:
    # Given a fan-out in which every call succeeds but one, deep down
    path, calls = FAN_OUTS[route]
    # When the commander's curl asks for it
    answer, _ = curl_get(uncached_stack.url + path(fault), COMMANDER)
    # Then the fault's documented problem, never a partial answer: none of the receipt info
    # already fetched is in it, and the audit counts every call made
    status, slug = FAULT_ANSWERS[fault]
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:problem:engagement-proxy:{slug}"
    for secret in secure_receipt_infos():
        assert secret not in answer.body.decode()
    audit = audit_of(uncached_stack, answer)
    assert (audit["status"], audit["upstream_calls"]) == (status, calls)


# --- tiers ---------------------------------------------------------------------------------------


def test_a_redacted_token_callers_curl_never_sees_receipt_info(local_stack: RunningStack) -> None:
    # Given the SRE's token
    # When curl asks for the seeded incident with it, as `make local` prints
    answer = curl_bearer(local_stack.url + INCIDENT_PATH, token("sre"))
    # Then every receipt's info is withheld, and no seeded receipt info is in the answer
    assert answer.status == 200
    body = answer.json()
    assert body["Redacted"] == ["ReceiptInfo"]
    receipts = [r for e in body["Engagements"] for p in e["Pages"] for r in p["Receipts"]]
    assert receipts and all(r["ReceiptInfo"] is None for r in receipts)
    text = answer.body.decode() + str(dict(answer.headers))
    for secret in secure_receipt_infos():
        assert secret not in text


def test_a_dashboard_revalidates_the_pages_with_its_etag(local_stack: RunningStack) -> None:
    # Given a dashboard that read the checkout engagement's pages
    url = local_stack.url + CHECKOUT_PAGES
    first = signed_get(url, DASHBOARD)
    assert first.status == 200 and first.headers["Cache-Control"] == "private, no-cache"
    # When it polls with the ETag it got
    again = get(url, {**signature_headers(url, DASHBOARD), "If-None-Match": first.headers["ETag"]})
    # Then 304 without a body
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_full_tier_gets_no_etag_and_no_store(local_stack: RunningStack) -> None:
    # Given the commander's token
    # When it reads the incident
    answer = curl_bearer(local_stack.url + INCIDENT_PATH, token("commander"))
    # Then the answer may not be stored and carries no digest
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["ETag"] is None


PAGING_PATHS = (
    CHECKOUT_PAGES,
    INCIDENT_PATH,
    "/engagements?since=2025-09-09T00%3A00%3A00Z&until=2025-09-10T00%3A00%3A00Z",
)


@pytest.mark.parametrize("path", PAGING_PATHS, ids=["pages", "incident", "list"])
@pytest.mark.parametrize("caller", ["stranger-iam", "contractor-token"])
def test_denied_callers_are_refused_before_any_upstream_call(
    local_stack: RunningStack, path: str, caller: str
) -> None:
    # Given a caller the policy gives nothing
    url = local_stack.url + path
    # When it asks for any paging route
    answer = (
        signed_get(url, identity("Anyone"))
        if caller == "stranger-iam"
        else curl_bearer(url, token("contractor"))
    )
    # Then 403, and SSM Contacts was never asked
    assert answer.status == 403
    assert answer.json()["type"] == "urn:problem:engagement-proxy:access-denied"
    assert audit_of(local_stack, answer)["upstream_calls"] == 0


# --- caller mistakes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        (
            "/engagements?since=2025-09-10T00%3A00%3A00Z&until=2025-09-09T00%3A00%3A00Z",
            400,
            "invalid-time-window",
        ),
        (
            "/engagements?since=2025-09-01T00%3A00%3A00Z&until=2025-09-10T00%3A00%3A00Z",
            400,
            "invalid-time-window",
        ),
        (INCIDENT_PATH + "?since=2025-09-09T00%3A00%3A00Z", 400, "invalid-query"),
        ("/incidents/checkout/not-an-incident/engagements", 400, "invalid-incident-id"),
        (
            "/incidents/arn:aws:ssm-incidents::999999999999:incident-record/checkout/"
            "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements",
            404,
            "incident-not-found",
        ),
    ],
    ids=["until-before-since", "over-7-days", "unknown-parameter", "bad-incident", "foreign"],
)
def test_caller_mistakes_are_problems_without_an_upstream_call(
    local_stack: RunningStack, path: str, status: int, slug: str
) -> None:
    # Given a request the proxy can refuse by itself
    # When a dashboard sends it
    answer = signed_get(local_stack.url + path, DASHBOARD)
    # Then the problem says what to send instead, and SSM Contacts was never asked
    assert answer.status == status
    assert answer.json()["type"] == f"urn:problem:engagement-proxy:{slug}"
    assert answer.json()["detail"]
    assert audit_of(local_stack, answer)["upstream_calls"] == 0
