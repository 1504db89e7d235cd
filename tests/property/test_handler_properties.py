"""Properties of the whole handler under hostile requests and arbitrary SSM Contacts answers."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from tests.property.conftest import Answer, call, deployed, exposed, headers_of, observed, upstream
from tests.property.strategies import (
    EngagementAnswer,
    MalformedAnswer,
    Request,
    Secrets,
    Who,
    below_full_callers,
    engagement_answers,
    full_callers,
    malformed_answers,
    plausible_requests,
    redacted_callers,
    requests,
    secrets,
    served_callers,
    upstream_answers,
    well_formed_engagements,
)

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def assert_well_formed_problem(response: dict[str, Any], sent: dict[str, Any]) -> None:
    status = response["statusCode"]
    assert 400 <= status <= 599
    assert headers_of(response).get("Content-Type") == "application/problem+json"
    problem = json.loads(response["body"])
    assert isinstance(problem, dict) and set(problem) == PROBLEM_MEMBERS
    assert problem["status"] == status
    assert problem["instance"] == sent["requestContext"]["requestId"]
    assert isinstance(problem["type"], str)
    assert problem["type"].startswith("urn:problem:engagement-proxy:")
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]


def leaked(text: str, found: Secrets) -> list[str]:
    return [trace for trace in found.traces() if trace in text]


@given(request=requests(), answer=well_formed_engagements(), cache=st.booleans())
def test_caller_input_alone_never_causes_a_server_error(
    request: Request, answer: EngagementAnswer, cache: bool
):
    # Given any request any caller can make through either entrance, and an SSM Contacts that
    # answers every engagement it is asked about
    sent = request.event()
    note(f"event: {sent!r}")
    with deployed(cache=cache), upstream(answer) as asked, observed():
        # When the proxy answers it
        response = call(sent)
    event(f"{request.entrance} {response['statusCode']}{' upstream' if asked else ''}")
    # Then the caller's input is never the proxy's failure: no 5xx
    assert response["statusCode"] < 500, response["body"]


@given(request=requests(), upstream_answer=upstream_answers(), cache=st.booleans())
def test_every_error_answer_is_a_well_formed_problem(
    request: Request, upstream_answer: tuple[Secrets, Answer], cache: bool
):
    # Given any request, and SSM Contacts answering anything at all (or not answering)
    _, answer = upstream_answer
    sent = request.event()
    note(f"event: {sent!r}")
    with deployed(cache=cache), upstream(answer), observed():
        # When the proxy answers
        response = call(sent)
    status = response["statusCode"]
    event(f"{request.entrance} {status}")
    # Then anything but a success or a 304 is an RFC 9457 problem about this very request
    if not (200 <= status <= 299 or status == 304):
        assert_well_formed_problem(response, sent)


@given(
    request=requests(below_full_callers, redacted_callers),
    upstream_answer=upstream_answers(),
    cache=st.booleans(),
)
def test_callers_below_the_full_tier_never_receive_secure_text(
    request: Request,
    upstream_answer: tuple[Secrets, Answer],
    cache: bool,
):
    # Given a caller the policy puts below the full tier, and SSM Contacts answering anything
    # with secure text in it
    found, answer = upstream_answer
    sent = request.event()
    note(f"event: {sent!r}")
    with deployed(cache=cache), upstream(answer), observed() as seen:
        # When the caller asks
        response = call(sent)
    event(f"{request.entrance} {response['statusCode']}")
    # Then neither the answer's body nor its headers nor any log line holds the secure text
    assert leaked(exposed(response), found) == []
    assert leaked(seen.text, found) == []


@given(
    request=plausible_requests(redacted_callers),
    full_tier=full_callers,
    answer=engagement_answers(),
)
def test_a_full_answer_in_the_cache_never_reaches_a_redacted_caller(
    request: Request, full_tier: Who, answer: EngagementAnswer
):
    # Given a full-tier caller has just been served the engagement, which the cache now holds
    with deployed(cache=True), upstream(answer), observed() as seen:
        call(request.by(full_tier).event())
        # When a redacted caller asks for the same engagement, through either entrance
        response = call(request.event())
    event(f"{request.entrance} {response['statusCode']}")
    # Then the redacted caller's answer holds no secure text, and neither does any log line
    assert leaked(exposed(response), answer.secrets) == []
    assert leaked(seen.text, answer.secrets) == []


@given(request=requests(), upstream_answer=upstream_answers(), cache=st.booleans())
def test_no_log_line_at_debug_ever_holds_secure_text(
    request: Request,
    upstream_answer: tuple[Secrets, Answer],
    cache: bool,
):
    # Given any caller, full tier included, SSM Contacts answering anything with secure text in
    # it, and every logger at DEBUG
    found, answer = upstream_answer
    sent = request.event()
    note(f"event: {sent!r}")
    with deployed(cache=cache), upstream(answer), observed() as seen:
        # When the proxy answers
        response = call(sent)
    status = response["statusCode"]
    event(f"{request.entrance} {status}")
    # Then no log line, metric or stray print holds it; and only a success may (for full)
    assert leaked(seen.text, found) == []
    if status != 200:
        assert leaked(exposed(response), found) == []


@given(
    request=requests(served_callers, served_callers),
    answer=secrets().flatmap(malformed_answers),
    cache=st.booleans(),
)
def test_an_unreadable_upstream_answer_is_upstream_failed(
    request: Request, answer: MalformedAnswer, cache: bool
):
    # Given a request that SSM Contacts is asked about, and SSM Contacts answering bytes that are
    # no usable DescribeEngagement answer (truncated, not JSON, not an object, wrong types)
    sent = request.event()
    note(f"event: {sent!r}")
    with deployed(cache=cache), upstream(answer) as asked, observed():
        # When the proxy answers
        response = call(sent)
    assume(asked)
    # Then the caller gets the documented 502 upstream-failed
    # (docs/api.md: "an answer that is unreadable"), not a 500 that says the proxy itself is broken
    assert response["statusCode"] == 502, response["body"]
    assert json.loads(response["body"])["type"] == "urn:problem:engagement-proxy:upstream-failed"
