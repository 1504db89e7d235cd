"""The answer a caller gets: built field by field from an allow-list for the caller's tier. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engagement_proxy.model import Engagement
from engagement_proxy.policy import Tier

SECURE_FIELDS = ("Subject", "Content")


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def engagement_view(engagement: Engagement, tier: Tier) -> dict[str, Any]:
    """The JSON object for a caller of `tier`. Deny has no view: asking for one is a bug."""
    if tier is Tier.FULL:
        withheld: tuple[str, ...] = ()
    elif tier is Tier.REDACTED:
        withheld = SECURE_FIELDS
    else:
        raise ValueError(f"no view for tier {tier}")
    secure = {
        name: None if name in withheld else getattr(engagement, name) for name in SECURE_FIELDS
    }
    return {
        "ContactArn": engagement.ContactArn,
        "EngagementArn": engagement.EngagementArn,
        "Sender": engagement.Sender,
        "Subject": secure["Subject"],
        "Content": secure["Content"],
        "PublicSubject": engagement.PublicSubject,
        "PublicContent": engagement.PublicContent,
        "IncidentId": engagement.IncidentId,
        "StartTime": rfc3339(engagement.StartTime),
        "StopTime": rfc3339(engagement.StopTime),
        "Redacted": list(withheld),
    }
