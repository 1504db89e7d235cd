"""Polling-friendly answers: the upstream cache and conditional GETs, through lambda_handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from testing_support.events import (
    COMMANDER,
    CONTRACTOR,
    EXAMPLE_ARN,
    EXAMPLE_PATH,
    SRE,
    TOKEN_SRE,
    http_event,
    rest_event,
)
from tests.handler.conftest import (
    SECURE_STRINGS,
    SECURE_SUBJECT,
    call,
    engagement_answer,
    headers_of,
)


def header(response: dict[str, Any], name: str) -> str | None:
    return headers_of(response).get(name)


def test_a_second_request_is_served_from_the_cache(stubbed, captured):
    # Given one upstream answer only
    answer = {**engagement_answer(), "ResponseMetadata": {"RequestId": "upstream-req-1"}}
    stubbed().add_response("describe_engagement", answer, {"EngagementId": EXAMPLE_ARN})
    # When the same engagement is asked for twice
    first = call(rest_event(EXAMPLE_PATH, COMMANDER))
    second = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then both are served, the second without an upstream call, and the audit says so
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["body"] == second["body"]
    # (a hit names no upstream request: the one that filled the cache was another request's)
    audit = captured.audit_lines()
    assert [line["cache"] for line in audit] == ["miss", "hit"]
    assert [line.get("upstream_request_id") for line in audit] == ["upstream-req-1", None]


def test_a_redacted_caller_is_never_served_a_full_answer_from_the_cache(stubbed, captured):
    # Given the commander's request has filled the cache
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    call(rest_event(EXAMPLE_PATH, COMMANDER))
    # When redacted callers on both entrances ask for the same engagement
    answers = [call(rest_event(EXAMPLE_PATH, SRE)), call(http_event(EXAMPLE_PATH, TOKEN_SRE))]
    # Then each gets the redacted view, with no byte of secure text
    for answer in answers:
        assert answer["statusCode"] == 200
        assert json.loads(answer["body"])["Redacted"] == ["Subject", "Content"]
        for secret in SECURE_STRINGS:
            assert secret not in answer["body"]


@pytest.mark.parametrize("identity", [CONTRACTOR, None], ids=["deny-rule", "no-identity"])
def test_denied_callers_are_refused_even_when_the_answer_is_cached(stubbed, captured, identity):
    # Given a cached engagement
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    call(rest_event(EXAMPLE_PATH, COMMANDER))
    # When a denied caller asks
    response = call(rest_event(EXAMPLE_PATH, identity))
    # Then it is still a 403, with no secure text
    assert response["statusCode"] == 403
    for secret in SECURE_STRINGS:
        assert secret not in response["body"]


def test_errors_are_not_cached(stubbed, captured):
    # Given SSM Contacts throttling once, then answering
    stub = stubbed()
    stub.add_client_error(
        "describe_engagement", service_error_code="ThrottlingException", http_status_code=400
    )
    stub.add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
    # When the engagement is asked for twice
    first = call(rest_event(EXAMPLE_PATH, COMMANDER))
    second = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then the second request went upstream again and was served
    assert (first["statusCode"], second["statusCode"]) == (503, 200)


def test_not_found_is_remembered_briefly(stubbed, captured):
    # Given one upstream "not found"
    stubbed().add_client_error(
        "describe_engagement", service_error_code="ResourceNotFoundException", http_status_code=404
    )
    # When a dashboard polls the missing engagement twice
    first = call(rest_event(EXAMPLE_PATH, COMMANDER))
    second = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then both are 404 and only the first cost an upstream call
    assert first["statusCode"] == second["statusCode"] == 404
    assert [line["cache"] for line in captured.audit_lines()] == ["miss", "hit"]
    assert [line.get("upstream_error") for line in captured.audit_lines()] == [
        "ResourceNotFoundException",
        None,
    ]


def test_with_the_cache_off_every_request_goes_upstream(stubbed, captured, no_cache):
    # Given the cache switched off and two upstream answers
    for _ in range(2):
        stubbed().add_response(
            "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
        )
    # When the engagement is asked for twice
    call(rest_event(EXAMPLE_PATH, COMMANDER))
    call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then both answers were consumed (the stubbed fixture checks) and the audit says "off"
    assert [line["cache"] for line in captured.audit_lines()] == ["off", "off"]


def test_redacted_answers_carry_a_strong_etag_and_may_be_kept(stubbed, captured):
    # Given the engagement upstream
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When a redacted caller asks
    redacted = call(rest_event(EXAMPLE_PATH, SRE))
    # Then the answer has a strong ETag and may be kept privately, but must be asked for again
    tag = header(redacted, "ETag")
    assert tag and tag.startswith('"') and not tag.startswith("W/")
    assert header(redacted, "Cache-Control") == "private, no-cache"
    assert header(redacted, "Vary") == "Authorization"


def test_full_answers_are_never_stored_and_carry_no_digest(stubbed, captured):
    # Given the engagement upstream, with a short secure text an attacker could enumerate
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    # When the commander asks
    full = call(rest_event(EXAMPLE_PATH, COMMANDER))
    # Then no cache may write it to disk, and no ETag digests its secure text
    assert full["statusCode"] == 200
    assert header(full, "Cache-Control") == "no-store"
    assert header(full, "Vary") == "Authorization"
    assert header(full, "ETag") is None
    assert "etag" not in {name.lower() for name in headers_of(full)}


@pytest.mark.parametrize("form", ["{tag}", "W/{tag}", '"other", {tag}', "*"])
def test_if_none_match_gets_304_without_a_body(stubbed, captured, form):
    # Given a caller that already holds the current answer
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    tag = header(call(rest_event(EXAMPLE_PATH, SRE)), "ETag")
    assert tag is not None
    # When it asks again with If-None-Match
    response = call(rest_event(EXAMPLE_PATH, SRE, headers={"If-None-Match": form.format(tag=tag)}))
    # Then it gets 304, no body, and the same validators
    assert response["statusCode"] == 304
    assert response["body"] == ""
    assert header(response, "ETag") == tag
    assert header(response, "Cache-Control") == "private, no-cache"
    assert captured.audit_lines()[-1]["outcome"] == "not-modified"


def test_the_full_tier_never_answers_304(stubbed, captured):
    # Given the commander holding the redacted answer's ETag, and one of everything
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    redacted_tag = header(call(rest_event(EXAMPLE_PATH, SRE)), "ETag")
    assert redacted_tag is not None
    # When the commander revalidates with it, or with `*`
    answers = [
        call(rest_event(EXAMPLE_PATH, COMMANDER, headers={"If-None-Match": tag}))
        for tag in (redacted_tag, "*")
    ]
    # Then each gets the whole answer again: nothing to compare a guess against
    assert [answer["statusCode"] for answer in answers] == [200, 200]
    assert all(SECURE_SUBJECT in answer["body"] for answer in answers)


def test_if_none_match_works_on_the_token_entrance(stubbed, captured):
    # Given a token caller holding the current answer
    stubbed().add_response(
        "describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN}
    )
    tag = call(http_event(EXAMPLE_PATH, TOKEN_SRE))["headers"]["ETag"]
    # When it revalidates (HTTP APIs lower-case header names)
    response = call(http_event(EXAMPLE_PATH, TOKEN_SRE, headers={"if-none-match": tag}))
    # Then it gets 304
    assert response["statusCode"] == 304
