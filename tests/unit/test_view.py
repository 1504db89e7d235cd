"""The answer body: built from an allow-list per tier, secure text only for the full tier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from engagement_proxy.model import Engagement
from engagement_proxy.policy import Tier
from engagement_proxy.view import engagement_view
from testing_support.contract import ANSWER_KEYS

SECURE_SUBJECT = "Bridge code 7741-QUOKKA-SECRET"
SECURE_CONTENT = "Customer Zanzibar Holdings is down; PIN 99-31-SECRET"
ENGAGEMENT_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/"
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
CONTACT_ARN = "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation"
INCIDENT_ID = "arn:aws:ssm-incidents::111122223333:incident-record/example-plan/abc"
# 12:34:56.789 at UTC+02:00, i.e. 10:34:56.789Z; botocore hands out local-time datetimes.
START = datetime(2024, 5, 17, 12, 34, 56, 789000, tzinfo=timezone(timedelta(hours=2)))
STOP = datetime(2024, 5, 17, 3, 0, 0, tzinfo=timezone(timedelta(hours=-7)))

KEYS_IN_ORDER = list(ANSWER_KEYS)


def engagement(**changes: object) -> Engagement:
    fields: dict[str, object] = {
        "ContactArn": CONTACT_ARN,
        "EngagementArn": ENGAGEMENT_ARN,
        "Sender": "incident-manager",
        "Subject": SECURE_SUBJECT,
        "Content": SECURE_CONTENT,
        "PublicSubject": "Incident in progress",
        "PublicContent": "Please join the bridge",
        "IncidentId": INCIDENT_ID,
        "StartTime": START,
        "StopTime": STOP,
    }
    fields.update(changes)
    return Engagement(**fields)  # type: ignore[arg-type]


def test_full_tier_sees_everything() -> None:
    # Given an engagement with secure text
    # When the view for a full caller is built
    view = engagement_view(engagement(), Tier.FULL)

    # Then every field is there and nothing is withheld
    assert view == {
        "ContactArn": CONTACT_ARN,
        "EngagementArn": ENGAGEMENT_ARN,
        "Sender": "incident-manager",
        "Subject": SECURE_SUBJECT,
        "Content": SECURE_CONTENT,
        "PublicSubject": "Incident in progress",
        "PublicContent": "Please join the bridge",
        "IncidentId": INCIDENT_ID,
        "StartTime": "2024-05-17T10:34:56.789Z",
        "StopTime": "2024-05-17T10:00:00.000Z",
        "Redacted": [],
    }


def test_redacted_tier_gets_null_secure_fields_and_the_list_of_them() -> None:
    # Given an engagement with secure text
    # When the view for a redacted caller is built
    view = engagement_view(engagement(), Tier.REDACTED)

    # Then Subject and Content are null and named as withheld; public fields remain
    assert view["Subject"] is None
    assert view["Content"] is None
    assert view["Redacted"] == ["Subject", "Content"]
    assert view["PublicSubject"] == "Incident in progress"
    assert view["PublicContent"] == "Please join the bridge"


def test_redacted_view_bytes_hold_no_secure_text() -> None:
    # Given an engagement whose secure text also shares words with nothing public
    # When the redacted view is serialized as the handler does
    body = json.dumps(engagement_view(engagement(), Tier.REDACTED), separators=(",", ":"))

    # Then the secure strings appear nowhere in the bytes
    data = body.encode()
    for secret in (SECURE_SUBJECT, SECURE_CONTENT, "QUOKKA", "Zanzibar", "SECRET"):
        assert secret.encode() not in data
    assert b'"Subject":null' in data and b'"Content":null' in data


@pytest.mark.parametrize("tier", [Tier.FULL, Tier.REDACTED])
def test_view_has_exactly_the_documented_keys_in_order(tier: Tier) -> None:
    # Given any engagement
    # When a view is built
    view = engagement_view(engagement(), tier)

    # Then it has the ten DescribeEngagement keys and Redacted, in the documented order
    assert list(view) == KEYS_IN_ORDER
    body = json.dumps(view)
    assert list(json.loads(body)) == KEYS_IN_ORDER


def test_absent_optional_fields_are_null_not_missing() -> None:
    # Given an engagement upstream describes without public text, incident or times
    bare = engagement(
        PublicSubject=None, PublicContent=None, IncidentId=None, StartTime=None, StopTime=None
    )

    # When the full view is built
    view = engagement_view(bare, Tier.FULL)

    # Then those keys are present and null
    assert list(view) == KEYS_IN_ORDER
    for key in ("PublicSubject", "PublicContent", "IncidentId", "StartTime", "StopTime"):
        assert view[key] is None


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (START, "2024-05-17T10:34:56.789Z"),
        (datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))), None),
        (datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "2023-12-31T23:59:59.999Z"),
    ],
)
def test_times_are_rfc3339_utc_with_z(moment: datetime, expected: str | None) -> None:
    # Given an engagement started at an aware moment in some time zone
    # When the view is built
    start = engagement_view(engagement(StartTime=moment), Tier.FULL)["StartTime"]

    # Then the time is in UTC, ends with Z, and denotes the same instant
    assert isinstance(start, str) and start.endswith("Z")
    assert "+" not in start
    assert datetime.fromisoformat(start) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )
    if expected is not None:
        assert start == expected


def test_deny_has_no_view() -> None:
    # Given a caller denied by the policy
    # When a view is asked for anyway
    # Then it is refused rather than built
    with pytest.raises(ValueError, match="deny"):
        engagement_view(engagement(), Tier.DENY)


def test_repr_holds_no_secure_text() -> None:
    # Given an engagement with secure text
    secure = engagement()

    # When it is shown in a traceback, a debugger or an f-string
    shown = [repr(secure), str(secure), f"{secure}", repr([secure])]

    # Then none of the secure text is there, but the ARN says which engagement it is
    for text in shown:
        assert SECURE_SUBJECT not in text
        assert SECURE_CONTENT not in text
        assert ENGAGEMENT_ARN in text
