"""What operators see of each outcome: the audit line, the metric documents and the error log
lines, compared field by field with the recorded observations (`observations.json`). Values
that differ per run (times, request ids) are compared by presence only.

`RECORD_OBSERVATIONS=1 pytest tests/handler/test_observations.py` rewrites the file: only do that
for a change of what operators see that is intended and documented.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testing_support.events import (
    COMMANDER,
    DASHBOARD,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    STRANGER,
    TOKEN_COMMANDER,
    http_event,
    rest_event,
)
from tests.handler.conftest import Captured, call, engagement_answer

RECORDED = Path(__file__).with_name("observations.json")
# Differ per run or per edit of the source: compared as "present" only.
VOLATILE = {"timestamp", "correlation_id", "xray_trace_id", "Timestamp", "frames", "location"}
VOLATILE |= {"UpstreamLatency", "cold_start"}


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: "<present>" if key in VOLATILE else _normalised(item)
            for key, item in sorted(value.items())
        }
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _served(stub: Any) -> dict[str, Any]:
    stub().add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
    return rest_event(EXAMPLE_PATH, COMMANDER)


def _redacted(stub: Any) -> dict[str, Any]:
    stub().add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
    return rest_event(EXAMPLE_PATH, DASHBOARD)


def _token(stub: Any) -> dict[str, Any]:
    stub().add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
    return http_event(EXAMPLE_PATH, TOKEN_COMMANDER)


def _upstream_error(code: str, status: int) -> Callable[[Any], dict[str, Any]]:
    def given(stub: Any) -> dict[str, Any]:
        stub().add_client_error(
            "describe_engagement",
            service_error_code=code,
            service_message="upstream says SECRET",
            http_status_code=status,
            expected_params={"EngagementId": EXAMPLE_ARN},
        )
        return rest_event(EXAMPLE_PATH, COMMANDER)

    return given


OUTCOMES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "served-full": _served,
    "served-redacted": _redacted,
    "served-token": _token,
    "denied": lambda stub: rest_event(EXAMPLE_PATH, STRANGER),
    "anonymous": lambda stub: rest_event(EXAMPLE_PATH, None),
    "invalid-id": lambda stub: rest_event("/engagements/not-an-id", COMMANDER),
    "route-not-found": lambda stub: rest_event("/elsewhere", COMMANDER),
    "method-not-allowed": lambda stub: rest_event(EXAMPLE_PATH, COMMANDER, method="DELETE"),
    "not-found": _upstream_error("ResourceNotFoundException", 404),
    "throttled": _upstream_error("ThrottlingException", 400),
    "role-fault": _upstream_error("AccessDeniedException", 400),
    "upstream-failed": _upstream_error("InternalServerException", 500),
    "unreadable-event": lambda stub: {"requestContext": {"requestId": "odd-1"}},
}


def _observe(given: Callable[[Any], dict[str, Any]], stub: Any, captured: Captured) -> Any:
    call(given(stub))
    # The container's one ColdStart document goes with whichever test runs first.
    return _normalised([record for record in captured.records() if "ColdStart" not in record])


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_each_outcome_shows_operators_what_it_always_did(outcome, stubbed, captured, no_cache):
    # Given the recorded observations of this outcome
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    # When the outcome happens
    seen = _observe(OUTCOMES[outcome], stubbed, captured)
    if os.environ.get("RECORD_OBSERVATIONS") == "1":
        recorded[outcome] = seen
        RECORDED.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    # Then the log lines and metric documents are the recorded ones, field for field
    assert seen == recorded[outcome]


def test_the_first_request_of_a_container_counts_one_cold_start(monkeypatch, captured, stubbed):
    # Given a container that has not answered yet
    from engagement_proxy import observe

    monkeypatch.setattr(observe, "_cold_start", True)
    # When it answers twice
    call(rest_event(EXAMPLE_PATH, STRANGER))
    call(rest_event(EXAMPLE_PATH, STRANGER))
    # Then one ColdStart document names the function, and only the first audit line is cold
    cold = [record for record in captured.records() if "ColdStart" in record]
    assert [(doc["function_name"], doc["service"]) for doc in cold] == [
        ("engagement-proxy", "engagement-proxy")
    ]
    assert [line["cold_start"] for line in captured.audit_lines()] == [True, False]
