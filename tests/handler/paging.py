"""What the paging routes' handler tests share: SSM Contacts' list items as the operations list
them, the receipt info they must keep below the full tier, and what a caller and an operator
see of an answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from testing_support.events import EXAMPLE_ARN, SERVED_ACCOUNT
from tests.handler.conftest import Captured, headers_of
from tests.handler.fake_ssm import FakeSsm

# Secure text as AWS's own example holds it: an accept code and the SMS provider's message id.
SECURE_RECEIPT = "SECURE-RECEIPT accept code 482913 via sms-provider-id 77f1"
PLAN_ID = "checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
INCIDENT = f"arn:aws:ssm-incidents::{SERVED_ACCOUNT}:incident-record/{PLAN_ID}"
INCIDENT_PATH = f"/incidents/{PLAN_ID}/engagements"
WEST_ARN = EXAMPLE_ARN.replace("us-east-2", "us-west-2").replace("69e40ce1", "11111111")
T0 = datetime(2021, 5, 18, 18, 25, 42, tzinfo=UTC)
WINDOW = {"since": ["2021-05-18T00:00:00Z"], "until": ["2021-05-19T00:00:00Z"]}


def page(index: int, engagement: str = EXAMPLE_ARN, **times: datetime | None) -> dict[str, Any]:
    """A page as ListPagesByEngagement lists it, sent `index` seconds after T0; a time given as
    None is left out."""
    region = engagement.split(":")[3]
    item: dict[str, Any] = {
        "PageArn": f"arn:aws:ssm-contacts:{region}:{SERVED_ACCOUNT}:page/akua_mansa/"
        f"{index:08d}-0000-4000-8000-000000000000",
        "EngagementArn": engagement,
        "ContactArn": f"arn:aws:ssm-contacts:{region}:{SERVED_ACCOUNT}:contact/akua_mansa",
        "Sender": "tester",
        "SentTime": T0 + timedelta(seconds=index),
        **times,
    }
    return {name: value for name, value in item.items() if value is not None}


def receipt(kind: str, seconds: int, info: str | None = SECURE_RECEIPT) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ContactChannelArn": f"arn:aws:ssm-contacts:us-east-2:{SERVED_ACCOUNT}:contact-channel/a/b",
        "ReceiptType": kind,
        "ReceiptTime": T0 + timedelta(seconds=seconds),
    }
    if info is not None:
        item["ReceiptInfo"] = info
    return item


def summary(arn: str, started: datetime, stopped: datetime | None = None) -> dict[str, Any]:
    """An engagement as ListEngagements lists it."""
    item: dict[str, Any] = {
        "EngagementArn": arn,
        "ContactArn": arn.split(":engagement/")[0] + ":contact/example_escalation",
        "Sender": "tester",
        "IncidentId": INCIDENT,
        "StartTime": started,
    }
    if stopped is not None:
        item["StopTime"] = stopped
    return item


def engagement_arn(index: int, region: str = "us-east-2") -> str:
    return EXAMPLE_ARN.replace("us-east-2", region).replace("69e40ce1", f"{index:08x}")


def one_delivered_page() -> FakeSsm:
    """The example engagement with one delivered page and its two receipts."""
    first = page(1, DeliveryTime=T0 + timedelta(seconds=2))
    return FakeSsm(
        items={
            ("ListPagesByEngagement", EXAMPLE_ARN): [first],
            ("ListPageReceipts", first["PageArn"]): [receipt("DELIVERED", 2), receipt("SENT", 1)],
        }
    )


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def audit_of(captured: Captured) -> dict[str, Any]:
    """The last request's audit line."""
    line: dict[str, Any] = captured.audit_lines()[-1]
    return line


def exposed(response: dict[str, Any], captured: Captured) -> str:
    """Every byte a caller and an operator get of a request: body, headers, every log line."""
    body: str = response["body"]
    return body + json.dumps(headers_of(response)) + captured.text


def assert_problem(response: dict[str, Any], status: int, slug: str) -> dict[str, Any]:
    """A problem+json of `status` and `slug`, whose detail says what to do."""
    assert response["statusCode"] == status
    assert headers_of(response)["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = body_of(response)
    assert problem["type"] == f"urn:problem:engagement-proxy:{slug}"
    assert problem["status"] == status
    assert problem["detail"]
    return problem
