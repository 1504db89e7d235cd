"""Nothing a caller sends chooses where the proxy's own credentials go."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engagement_proxy import handler
from testing_support.events import (
    COMMANDER,
    EXAMPLE_CONTACT,
    EXAMPLE_PATH,
    EXAMPLE_UUID,
    TOKEN_COMMANDER,
    LambdaContext,
    http_event,
    rest_event,
)
from tests.handler.conftest import LAMBDA_ENV, engagement_answer, wire_response

HOSTILE_HEADERS = {
    "Host": "evil.example.net",
    "X-Forwarded-Host": "evil.example.net",
    "X-Amz-Target": "SSMContacts.DeleteContact",
    "X-Amz-Region": "eu-west-1",
}
HOSTILE_QUERY = {"region": ["us-west-2"]}
ENDPOINT_QUERY = {
    "endpoint": ["http://evil.example.net"],
    "endpoint_url": ["http://evil.example.net"],
    "region": ["us-west-2"],
}


@pytest.mark.parametrize("entrance", ["iam", "token"])
def test_endpoint_parameters_are_refused_before_any_upstream_call(captured, stubbed, entrance):
    # Given a caller who names endpoints of its own in the query (the stub holds no answer)
    stubbed("us-west-2")
    if entrance == "iam":
        event = rest_event(EXAMPLE_PATH, COMMANDER, query=ENDPOINT_QUERY)
    else:
        event = http_event(EXAMPLE_PATH, TOKEN_COMMANDER, query=ENDPOINT_QUERY)
    # When it asks
    response = handler.lambda_handler(event, LambdaContext())
    # Then it is told the route takes only region, and nothing was asked upstream
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["detail"].endswith("send only region.")


@pytest.mark.parametrize("entrance", ["iam", "token"])
def test_hostile_headers_and_query_cannot_redirect_the_upstream_call(captured, no_cache, entrance):
    # Given a caller who adds hosts, targets and endpoints of its own, and a served region
    arn = f"arn:aws:ssm-contacts:us-west-2:111122223333:engagement/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}"
    sent: list[Any] = []
    client = handler.RUNTIME.configured()[1].client("us-west-2")

    def record(request: Any, **_: Any) -> Any:
        sent.append(request)
        answer = {**engagement_answer(arn), "StartTime": 1621362341.0, "StopTime": 1621363200.0}
        return wire_response(request.url, 200, json.dumps(answer).encode())

    client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", record)
    if entrance == "iam":
        event = rest_event(EXAMPLE_PATH, COMMANDER, query=HOSTILE_QUERY, headers=HOSTILE_HEADERS)
    else:
        event = http_event(
            EXAMPLE_PATH, TOKEN_COMMANDER, query=HOSTILE_QUERY, headers=HOSTILE_HEADERS
        )
    try:
        # When it is served
        response = handler.lambda_handler(event, LambdaContext())
    finally:
        client.meta.events.unregister("before-send.ssm-contacts.DescribeEngagement", record)
    # Then exactly one DescribeEngagement went to the configured endpoint, signed for the served
    # region the proxy chose, and nothing the caller sent reached it
    assert response["statusCode"] == 200
    (request,) = sent
    assert request.url.startswith(LAMBDA_ENV["AWS_ENDPOINT_URL_SSM_CONTACTS"])
    assert request.headers["X-Amz-Target"] == b"SSMContacts.DescribeEngagement"
    assert b"/us-west-2/ssm-contacts/aws4_request" in request.headers["Authorization"]
    assert b"evil" not in request.body and "evil" not in request.url
    assert json.loads(request.body) == {"EngagementId": arn}
