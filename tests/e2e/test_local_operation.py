"""Local mode as a whole: concurrent callers, its logs, and stopping with nothing left running."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from local.ssm_contacts import FAULTS
from local.stack import EXAMPLE_PATH
from testing_support.secure_text import SEED, secure_texts
from testing_support.stack import RunningStack, children_of, start_stack, still_running, stop_stack
from tests.e2e.clients import IDENTITIES, get, identity, signed_get

pytestmark = pytest.mark.e2e

COMMANDER = identity("IncidentCommander")
SRE = identity("SRE")
STRANGER = identity("Anyone")


def test_concurrent_callers_never_see_each_others_tier(local_stack: RunningStack) -> None:
    # Given three callers with three different tiers, each calling many times at once
    callers = [COMMANDER, SRE, STRANGER] * 8
    url = local_stack.url + EXAMPLE_PATH
    # When all 24 requests are in flight together
    with ThreadPoolExecutor(max_workers=len(callers)) as pool:
        answers = list(pool.map(lambda who: signed_get(url, who), callers))
    # Then each caller got its own tier's answer
    expected = {
        COMMANDER.access_key_id: (200, []),
        SRE.access_key_id: (200, ["Subject", "Content"]),
        STRANGER.access_key_id: (403, None),
    }
    for who, answer in zip(callers, answers, strict=True):
        status, redacted = expected[who.access_key_id]
        assert answer.status == status
        assert answer.json().get("Redacted") == redacted


def test_logs_of_gateway_handler_and_endpoint_hold_no_secure_text(
    local_stack: RunningStack,
) -> None:
    # Given every local identity reading every seeded engagement and every fault but the slow one
    paths = [f"/engagements/{quote(arn, safe='')}" for arn in SEED]
    paths += [f"/engagements/fault_switch/{key}" for key, f in FAULTS.items() if f.name != "slow"]
    for who in IDENTITIES.values():
        for path in paths:
            signed_get(local_stack.url + path, who)
    # When the stack's whole output is read (the gateway, the workers and the endpoint share it)
    log = local_stack.log_text()
    # Then all three components logged, and not one secure Subject or Content is there
    assert " local.gateway " in log
    assert '"message":"audit"' in log
    assert " local.ssm_contacts " in log
    assert not [text for text in secure_texts() if text in log]


def test_request_line_is_logged_once_without_query_or_secrets(local_stack: RunningStack) -> None:
    # Given a request with a query string
    answer = get(local_stack.url + EXAMPLE_PATH + "?region=us-east-2&token=do-not-log")
    # When the gateway's log is read
    lines = [line for line in local_stack.log_text().splitlines() if answer.request_id in line]
    # Then there is one line: method, path, caller, status, duration; no query string
    assert len(lines) == 1
    assert f"GET {EXAMPLE_PATH} caller=- status=403 " in lines[0]
    assert "do-not-log" not in local_stack.log_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_leaves_nothing_running(tmp_path: Path, signum: int) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs Linux /proc to find the worker processes")
    # Given a running stack: two Lambda workers, and multiprocessing's resource tracker
    stack = start_stack(tmp_path / "stack.log", workers=2)
    children = children_of(stack.process.pid)
    # When it is sent Ctrl-C's signal or SIGTERM
    exit_code = stop_stack(stack, signum)
    # Then it exits cleanly, saying so, and none of its processes is left
    assert len(children) == 3
    assert exit_code == 0
    assert "Stopped: nothing is left running." in stack.log_text()
    assert still_running(children) == set()
