"""Pages, receipts and the engagements of an incident over real HTTP against local mode: real
curl with SigV4, real tokens, the local endpoint's pagination and its fan-out faults."""

from __future__ import annotations

import json
import subprocess

import pytest

from local.stack import EXAMPLE_PATH
from local.tokens import load_token_identities, mint_token
from testing_support.secure_text import secure_receipt_infos
from testing_support.stack import RunningStack
from tests.e2e.clients import Answer, curl_get, curl_has_sigv4, get, identity, signed_get
from tests.forged_tokens import KEY

pytestmark = pytest.mark.e2e

INCIDENT_PATH = "/incidents/checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements"
FAN_OUT_FAULT = "/incidents/fault_drill/00000000-0000-4000-8002-000000000429/engagements"
TOKENS = load_token_identities()


def bearer(name: str, path: str, stack: RunningStack) -> Answer:
    return get(stack.url + path, {"Authorization": f"Bearer {mint_token(TOKENS[name], KEY)}"})


def audit_line(stack: RunningStack, route: str) -> dict[str, object]:
    lines = [
        json.loads(line[line.index("{") :])
        for line in stack.log_text().splitlines()
        if '"message":"audit"' in line and f'"route":"{route}"' in line
    ]
    last: dict[str, object] = lines[-1]
    return last


@pytest.mark.skipif(not curl_has_sigv4(), reason="this curl cannot sign requests")
def test_curl_reads_the_example_engagements_pages_in_full(local_stack: RunningStack) -> None:
    # Given the incident commander's keys and curl, as docs/local-mode.md shows
    # When curl asks for the example engagement's pages
    answer, _ = curl_get(local_stack.url + EXAMPLE_PATH + "/pages", identity("IncidentCommander"))
    # Then every page is there with its status and its secure receipt info
    assert answer.status == 200
    body = answer.json()
    assert body["Redacted"] == [] and body["Pages"]
    assert {page["Status"] for page in body["Pages"]} <= {
        "read",
        "delivered",
        "stopped",
        "sent",
        "failed",
        "pending",
    }
    assert any(r["ReceiptInfo"] for page in body["Pages"] for r in page["Receipts"])


def test_an_incident_rolls_up_across_regions_and_upstream_pages(
    local_stack: RunningStack,
) -> None:
    # Given the seeded incident: an engagement per region, one with pages over several upstream
    # answers (the local endpoint lists three items per answer)
    # When the commander's token asks for it
    answer = bearer("commander", INCIDENT_PATH, local_stack)
    # Then both engagements come with every page, in every status
    assert answer.status == 200
    body = answer.json()
    assert len(body["Engagements"]) == 2
    regions = {e["EngagementArn"].split(":")[3] for e in body["Engagements"]}
    assert regions == {"us-east-2", "us-west-2"}
    statuses = {p["Status"] for e in body["Engagements"] for p in e["Pages"]}
    assert statuses == {"read", "delivered", "stopped", "sent", "failed", "pending"}
    assert body["Truncated"] is False
    audit = audit_line(local_stack, "/incidents/{incident}/engagements")
    # (how many upstream calls that took depends on what this worker's cache holds from earlier
    # tests: test_local_paging_answers counts them on a stack without a cache)
    assert audit["engagements"] == 2 and audit["pages"] == 9


@pytest.mark.parametrize("caller", ["sre-token", "Dashboard"])
def test_no_receipt_info_reaches_a_redacted_caller(local_stack: RunningStack, caller: str) -> None:
    # Given a redacted caller of either entrance
    # When it asks for the incident
    answer = (
        bearer("sre", INCIDENT_PATH, local_stack)
        if caller == "sre-token"
        else signed_get(local_stack.url + INCIDENT_PATH, identity(caller))
    )
    # Then not one of the seeded receipt infos is in the answer, nor in the logs
    assert answer.status == 200
    assert answer.json()["Redacted"] == ["ReceiptInfo"]
    exposed = answer.body.decode() + str(dict(answer.headers)) + local_stack.log_text()
    for secret in secure_receipt_infos():
        assert secret not in exposed


def test_a_fault_in_the_middle_of_the_fan_out_fails_the_whole_answer(
    local_stack: RunningStack,
) -> None:
    # Given an incident whose engagements list fine but one page's receipts throttle
    # When the commander asks for it
    answer = signed_get(local_stack.url + FAN_OUT_FAULT, identity("IncidentCommander"))
    # Then no partial answer: the 503 with Retry-After
    assert answer.status == 503
    assert answer.json()["type"].endswith("upstream-throttled")
    assert answer.headers["Retry-After"]


def test_the_landing_page_lists_the_seeded_engagements(local_stack: RunningStack) -> None:
    # Given the seed's engagements of 2021-05-18
    # When a dashboard lists that day
    answer = signed_get(
        local_stack.url
        + "/engagements?since=2021-05-18T00%3A00%3A00Z&until=2021-05-19T00%3A00%3A00Z",
        identity("Dashboard"),
    )
    # Then they are listed newest first, without pages
    assert answer.status == 200
    listed = answer.json()["Engagements"]
    assert listed and all("Pages" not in item for item in listed)
    starts = [item["StartTime"] for item in listed]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.skipif(not curl_has_sigv4(), reason="this curl cannot sign requests")
def test_the_printed_curl_lines_for_the_paging_routes_answer(local_stack: RunningStack) -> None:
    # Given the curl lines `make local` printed under "Who was paged"
    log = local_stack.log_text().splitlines()
    start = next(i for i, line in enumerate(log) if line.startswith("# Who was paged"))
    commands = log[start + 1 : start + 4]
    assert all(command.startswith("curl --aws-sigv4") for command in commands)
    # When each runs as pasted
    statuses = [
        subprocess.run(
            ["bash", "-c", command + " -s -o /dev/null -w '%{http_code}'"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        for command in commands
    ]
    # Then pages, the incident and the landing page all answer
    assert statuses == ["200", "200", "200"]
