"""Every fault switch of the local SSM Contacts endpoint, as a caller of the proxy sees it."""

from __future__ import annotations

import time

import pytest

from local.ssm_contacts import FAULTS
from testing_support.contract import FAULT_ANSWERS
from testing_support.stack import UPSTREAM_TIMEOUT_SECONDS, RunningStack
from tests.e2e.clients import identity, signed_get

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
# Written out in testing_support.contract, so that a new fault switch without a documented
# answer fails the coverage test below.
DOCUMENTED = FAULT_ANSWERS
FAULT_IDS = {fault.name: fault_id for fault_id, fault in FAULTS.items()}


def test_every_fault_switch_has_a_documented_answer() -> None:
    assert set(FAULT_IDS) == set(DOCUMENTED)


@pytest.mark.parametrize("fault", sorted(DOCUMENTED))
def test_fault_switch_gives_its_documented_status(local_stack: RunningStack, fault: str) -> None:
    # Given the engagement id that switches the fault on
    url = f"{local_stack.url}/engagements/fault_switch/{FAULT_IDS[fault]}"
    # When the commander reads it
    answer = signed_get(url, COMMANDER)
    # Then the proxy answers the documented status as a problem
    status, slug = DOCUMENTED[fault]
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:problem:engagement-proxy:{slug}"
    assert answer.json()["status"] == status
    assert answer.json()["instance"] == answer.request_id


def test_throttling_says_when_to_retry(local_stack: RunningStack) -> None:
    # Given the throttling fault, whose upstream asks for a retry after 2 s
    url = f"{local_stack.url}/engagements/fault_switch/{FAULT_IDS['ThrottlingException']}"
    # When the commander reads it
    answer = signed_get(url, COMMANDER)
    # Then the 503 passes upstream's Retry-After on
    assert answer.status == 503
    assert answer.headers["Retry-After"] == "2"


def test_slow_upstream_times_out_within_the_configured_budget(local_stack: RunningStack) -> None:
    # Given the slow fault (30 s) and an upstream budget of 2 s
    url = f"{local_stack.url}/engagements/fault_switch/{FAULT_IDS['slow']}"
    # When the commander reads it
    started = time.monotonic()
    answer = signed_get(url, COMMANDER)
    elapsed = time.monotonic() - started
    # Then the handler's 504 arrives within the budget (plus a cold client's first connection)
    assert answer.status == 504
    assert elapsed < float(UPSTREAM_TIMEOUT_SECONDS) + 3
