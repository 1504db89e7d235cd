"""`make load`, small: the same load module, fewer requests, in `make test`."""

from __future__ import annotations

import json
import os
import re
from email.message import Message

import pytest

from benchmarks import load
from local.sigv4 import load_identities
from local.stack import IDENTITIES_PATH
from testing_support.answers import Answer
from testing_support.stack import children_of, still_running
from tests.e2e.clients import identity
from tests.e2e.test_local_tiers import EXAMPLE_FULL

pytestmark = pytest.mark.e2e

SUMMARY = re.compile(
    r"load: requests=(?P<requests>\d+) ok=(?P<ok>\d+) expected_errors=(?P<expected>\d+)"
    r" lost=(?P<lost>\d+) mistiered=(?P<mistiered>\d+) p50_ms=\d+\.\d p99_ms=\d+\.\d"
)


def test_quick_load_loses_nothing_mistiers_nothing_and_leaves_nothing_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the processes this test run already has
    before = children_of(os.getpid())
    # When the load runs 300 requests at 10 concurrent against a stack of its own
    status = load.main(["--requests", "300", "--concurrency", "10", "--workers", "4"])
    # Then it ends with the summary line alone, every request counted once, none lost or
    # mistiered, both served answers and documented errors among them
    last_line = capsys.readouterr().out.splitlines()[-1]
    counts = SUMMARY.fullmatch(last_line)
    assert counts is not None, last_line
    assert status == 0
    assert (counts["requests"], counts["lost"], counts["mistiered"]) == ("300", "0", "0")
    assert int(counts["ok"]) + int(counts["expected"]) == 300
    assert int(counts["ok"]) > 0 and int(counts["expected"]) > 0
    # And the stack it started is gone
    assert still_running(children_of(os.getpid()) - before) == set()


def test_plan_mixes_every_identity_spelling_region_and_fault() -> None:
    # Given the local identities
    identities = load_identities(IDENTITIES_PATH)
    # When 300 requests are planned
    planned = load.plan(identities, 300, seed=7)
    # Then every identity, and so every tier, and every target is in the mix
    assert {request.who.access_key_id for request in planned} == set(identities)
    assert {request.tier for request in planned} == {"full", "redacted", "deny"}
    assert {request.target.name for request in planned} == {t.name for t in load.TARGETS}


def _answer(status: int, document: object, content_type: str = "application/json") -> Answer:
    headers = Message()
    headers["Content-Type"] = content_type
    full = isinstance(document, dict) and document.get("Redacted") == []
    if full:
        headers["Cache-Control"] = "no-store"
    else:
        headers["ETag"] = '"etag"'
    return Answer(status, headers, json.dumps(document).encode(), 0.01)


def _planned(role: str, target_name: str) -> load.Planned:
    who = identity(role)
    target = next(target for target in load.TARGETS if target.name == target_name)
    return load.Planned(who, load.TIERS[who.user_arn], target, conditional=False)


@pytest.mark.parametrize("role", ["SRE", "Contractor"])
def test_full_text_to_a_caller_below_full_counts_as_mistiered(role: str) -> None:
    # Given the example engagement's full view (its secure message shown)
    answer = _answer(200, EXAMPLE_FULL)
    # When it is judged as the answer to a redacted or denied caller
    outcome = load.judge(_planned(role, "example"), answer, None, ["SECURE"])
    # Then it is mistiered
    assert outcome.verdict is load.Verdict.MISTIERED


def test_redacted_view_holding_secure_text_counts_as_mistiered() -> None:
    # Given a redacted view whose public text repeats a secure string
    document = {**EXAMPLE_FULL, "Subject": None, "Content": None}
    document |= {"Redacted": ["Subject", "Content"], "PublicContent": "SECURE-X bridge"}
    # When it is judged as the answer to a redacted caller
    outcome = load.judge(_planned("SRE", "example"), _answer(200, document), None, ["SECURE-X"])
    # Then it is mistiered
    assert outcome.verdict is load.Verdict.MISTIERED


def test_undocumented_status_counts_as_lost() -> None:
    # Given a well-formed 502 problem for an engagement that should be served
    problem = {
        "type": "urn:problem:engagement-proxy:upstream-failed",
        "title": "SSM Contacts failed",
        "status": 502,
        "detail": "x",
        "instance": None,
    }
    answer = _answer(502, problem, "application/problem+json")
    # When it is judged
    outcome = load.judge(_planned("IncidentCommander", "example"), answer, None, [])
    # Then the request is lost, and the reason names the status, not the body
    assert outcome.verdict is load.Verdict.LOST
    assert outcome.reason == "example: unexpected 502 urn:problem:engagement-proxy:upstream-failed"


def test_full_view_to_a_full_caller_counts_as_ok() -> None:
    # Given the example engagement's full view
    answer = _answer(200, EXAMPLE_FULL)
    # When it is judged as the answer to the incident commander
    outcome = load.judge(_planned("IncidentCommander", "example"), answer, None, ["SECURE"])
    # Then it is ok
    assert outcome.verdict is load.Verdict.OK
