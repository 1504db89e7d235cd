"""Answers of the proxy's four routes, in the shapes docs/api.md records,
and problems as the Lambda and API Gateway send them. Builders return fresh copies."""

from __future__ import annotations

import copy
import json
from typing import Any

from ep_client.transport import Answer

ENGAGEMENT_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
    "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
INCIDENT_ARN = (
    "arn:aws:ssm-incidents::111122223333:incident-record/checkout/"
    "6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6"
)
_CONTACTS = "arn:aws:ssm-contacts:us-east-2:111122223333"
AKUA_PAGE = f"{_CONTACTS}:page/akua_mansa/ad0052bd-e606-434c-a7a0-24c1ab2a1c12"
KWAME_PAGE = f"{_CONTACTS}:page/kwame_asante/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b"
CHANNEL = f"{_CONTACTS}:contact-channel/akua_mansa/fc7405c4-46b2-48b7-87b2-93e2f225b90d"

_ENGAGEMENT: dict[str, Any] = {
    "ContactArn": "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
    "EngagementArn": ENGAGEMENT_ARN,
    "Sender": "tester",
    "Subject": "Bridge 4411",
    "Content": "Join bridge +1-555-0100\npin 4411",
    "PublicSubject": "test",
    "PublicContent": "Testing engagements",
    "IncidentId": None,
    "StartTime": "2021-05-18T18:25:41.000Z",
    "StopTime": "2021-05-18T18:40:07.000Z",
    "Redacted": [],
}


def engagement(*, redacted: bool = False, **changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(_ENGAGEMENT)
    if redacted:
        document.update(Subject=None, Content=None, Redacted=["Subject", "Content"])
    document.update(changes)
    return document


def receipt(kind: str, at: str, info: str | None = None) -> dict[str, Any]:
    return {
        "ContactChannelArn": CHANNEL,
        "ReceiptType": kind,
        "ReceiptInfo": info,
        "ReceiptTime": at,
    }


def page(
    arn: str = AKUA_PAGE,
    status: str = "delivered",
    *,
    sent: str | None = "2021-05-18T18:25:42.000Z",
    delivered: str | None = "2021-05-18T18:25:50.000Z",
    read: str | None = None,
    receipts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    contact = arn.split(":page/")[1].split("/")[0]
    return {
        "PageArn": arn,
        "EngagementArn": ENGAGEMENT_ARN,
        "ContactArn": f"arn:aws:ssm-contacts:us-east-2:111122223333:contact/{contact}",
        "Sender": "tester",
        "SentTime": sent,
        "DeliveryTime": delivered,
        "ReadTime": read,
        "Status": status,
        "Receipts": receipts
        if receipts is not None
        else [
            receipt("SENT", "2021-05-18T18:25:42.000Z"),
            receipt("DELIVERED", "2021-05-18T18:25:50.000Z"),
        ],
    }


def pages(*items: dict[str, Any], truncated: bool = False, redacted: bool = True) -> dict[str, Any]:
    return {
        "EngagementArn": ENGAGEMENT_ARN,
        "Pages": list(items) if items else [page()],
        "Truncated": truncated,
        "Redacted": ["ReceiptInfo"] if redacted else [],
    }


def incident(*engagements: dict[str, Any], truncated: bool = False) -> dict[str, Any]:
    return {
        "IncidentId": INCIDENT_ARN,
        "Engagements": list(engagements) if engagements else [incident_engagement(pages=[page()])],
        "Truncated": truncated,
        "Redacted": ["ReceiptInfo"],
    }


def incident_engagement(
    arn: str = ENGAGEMENT_ARN,
    *,
    start: str = "2021-05-18T18:25:41.000Z",
    stop: str | None = None,
    pages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    contact = arn.split(":engagement/")[1].split("/")[0]
    return {
        "EngagementArn": arn,
        "ContactArn": f"arn:aws:ssm-contacts:us-east-2:111122223333:contact/{contact}",
        "Sender": "tester",
        "StartTime": start,
        "StopTime": stop,
        "Pages": pages or [],
    }


def summary(
    arn: str, start: str, stop: str | None = None, incident_id: str | None = None
) -> dict[str, Any]:
    contact = arn.split(":engagement/")[1].split("/")[0]
    region = arn.split(":")[3]
    return {
        "EngagementArn": arn,
        "ContactArn": f"arn:aws:ssm-contacts:{region}:111122223333:contact/{contact}",
        "Sender": "tester",
        "IncidentId": incident_id,
        "StartTime": start,
        "StopTime": stop,
    }


def engagements(*items: dict[str, Any], truncated: bool = False) -> dict[str, Any]:
    return {"Engagements": list(items), "Truncated": truncated}


def ok(document: object, etag: str | None = '"e9196e725e0ac33f6399783f29a0a021"') -> Answer:
    headers = {"content-type": "application/json", "x-amzn-requestid": "req-200"}
    if etag is not None:
        headers["etag"] = etag
    return Answer(200, headers, json.dumps(document, separators=(",", ":")).encode())


def not_modified(etag: str = '"e9196e725e0ac33f6399783f29a0a021"') -> Answer:
    return Answer(304, {"etag": etag}, b"")


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    request_id: str = "c0ffee00-1234-4d57-8962-5fbe7fc53356",
    **headers: str,
) -> Answer:
    body = {
        "type": f"urn:problem:engagement-proxy:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request_id,
    }
    all_headers = {"content-type": "application/problem+json", "x-amzn-requestid": request_id}
    all_headers.update({name.replace("_", "-").lower(): value for name, value in headers.items()})
    return Answer(status, all_headers, json.dumps(body).encode())


def http_api_error(status: int, message: str, **headers: str) -> Answer:
    """The token entrance's own answers: no problem, a fixed {"message": ...}."""
    all_headers = {"content-type": "application/json", "apigw-requestid": "ZG/ZaHCgWCj1KGU="}
    all_headers.update({name.replace("_", "-").lower(): value for name, value in headers.items()})
    return Answer(status, all_headers, json.dumps({"message": message}).encode())
