"""Error mapping: every error becomes one RFC 9457 problem with the issue's status."""

from __future__ import annotations

import json

import pytest

from engagement_proxy import errors
from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, problem_for

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidEngagementId("The engagement id is malformed."), 400),
        (errors.InvalidIncidentId("Name an incident as RESPONSE-PLAN/INCIDENT-ID."), 400),
        (errors.InvalidTimeWindow("until is before since: send an until after since."), 400),
        (errors.UpstreamRejected("SSM Contacts rejected the engagement id."), 400),
        (errors.CallerDenied("The access policy does not let this caller in."), 403),
        (errors.EngagementNotFound("No such engagement."), 404),
        (errors.IncidentNotFound("No such incident."), 404),
        (errors.RouteNotFound("Engagements live under /engagements/."), 404),
        (errors.MethodNotAllowed("Engagements are read with GET."), 405),
        (errors.ProxyMisconfigured("The setting ACCESS_POLICY is invalid."), 500),
        (errors.UpstreamRoleFault("The proxy's own role cannot read this engagement."), 502),
        (errors.UpstreamFailed("SSM Contacts failed."), 502),
        (errors.UpstreamThrottled("SSM Contacts is throttling.", 7), 503),
        (errors.UpstreamTimeout("SSM Contacts did not answer in time."), 504),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_error_has_the_issues_status(error: errors.ProxyError, status: int) -> None:
    # Given a domain error
    # When it becomes a problem
    problem = problem_for(error)
    body = json.loads(problem.body(REQUEST_ID))

    # Then the status is the issue's, in the body too, and the detail is the error's own
    assert problem.kind.status == status
    assert body["status"] == status
    assert body["detail"] == error.detail
    assert body["instance"] == REQUEST_ID


@pytest.mark.parametrize(
    "error",
    [
        errors.InvalidEngagementId("x"),
        errors.UpstreamThrottled("x", 3),
        RuntimeError("boom"),
    ],
    ids=["known", "throttled", "unknown"],
)
def test_body_has_exactly_the_rfc9457_members(error: Exception) -> None:
    # Given any error
    # When its problem body is rendered
    body = json.loads(problem_for(error).body(REQUEST_ID))

    # Then it has exactly type, title, status, detail and instance, all filled
    assert list(body) == ["type", "title", "status", "detail", "instance"]
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["status"], int)


def test_each_kind_has_its_own_type_and_title() -> None:
    # Given one error of every kind
    kinds = [
        errors.InvalidEngagementId("x"),
        errors.InvalidIncidentId("x"),
        errors.InvalidTimeWindow("x"),
        errors.UpstreamRejected("x"),
        errors.CallerDenied("x"),
        errors.EngagementNotFound("x"),
        errors.IncidentNotFound("x"),
        errors.RouteNotFound("x"),
        errors.MethodNotAllowed("x"),
        errors.ProxyMisconfigured("x"),
        errors.UpstreamRoleFault("x"),
        errors.UpstreamFailed("x"),
        errors.UpstreamThrottled("x", 1),
        errors.UpstreamTimeout("x"),
        RuntimeError("x"),
    ]

    # When their problems are rendered
    bodies = [json.loads(problem_for(error).body(REQUEST_ID)) for error in kinds]

    # Then a client can tell every kind apart by its type
    assert len({body["type"] for body in bodies}) == len(kinds)


def test_throttled_problem_carries_retry_after() -> None:
    # Given upstream throttling with a known wait
    error = errors.UpstreamThrottled("SSM Contacts is throttling; retry later.", 17)

    # When it becomes a problem
    problem = problem_for(error)

    # Then the caller is told how long to wait
    assert problem.headers == {"Retry-After": "17"}


def test_method_not_allowed_says_get_is_allowed() -> None:
    # Given a request with another method than GET
    # When its error becomes a problem
    problem = problem_for(errors.MethodNotAllowed("Engagements are read with GET."))

    # Then the Allow header names GET
    assert problem.headers == {"Allow": "GET"}


@pytest.mark.parametrize(
    "error",
    [errors.InvalidEngagementId("x"), errors.CallerDenied("x"), errors.UpstreamTimeout("x")],
)
def test_other_problems_add_no_headers(error: errors.ProxyError) -> None:
    # Given an error that is neither throttling nor a wrong method
    # When it becomes a problem
    problem = problem_for(error)

    # Then no extra header is set
    assert problem.headers == {}


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("Subject: Bridge code 7741-QUOKKA"),
        KeyError("Content"),
        ValueError("no view for tier deny"),
        errors.ProxyError("Customer Zanzibar Holdings"),
    ],
    ids=["RuntimeError", "KeyError", "ValueError", "bare ProxyError"],
)
def test_unknown_error_is_500_with_a_generic_detail(error: Exception) -> None:
    # Given an error the proxy has no mapping for, whose message may hold data
    # When it becomes a problem
    problem = problem_for(error)
    body = problem.body(REQUEST_ID)

    # Then the caller gets a 500 that says nothing of the exception
    assert json.loads(body)["status"] == 500
    assert json.loads(body)["detail"] == "The proxy failed unexpectedly; the logs say why."
    assert str(error) not in body
    assert type(error).__name__ not in body
    assert problem.headers == {}


def test_subclass_of_a_known_error_keeps_its_parents_status() -> None:
    # Given a more specific error derived from EngagementNotFound
    class EngagementGone(errors.EngagementNotFound):
        pass

    # When it becomes a problem
    body = json.loads(problem_for(EngagementGone("No such engagement.")).body(REQUEST_ID))

    # Then it is still a 404
    assert body["status"] == 404


def test_problem_content_type_is_rfc9457s() -> None:
    # Given the media type errors are sent with
    # When it is compared with RFC 9457
    # Then it is application/problem+json
    assert PROBLEM_CONTENT_TYPE == "application/problem+json"
