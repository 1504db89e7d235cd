"""The secure texts of the local seed data: what must never reach a redacted body or a log."""

from __future__ import annotations

import json
from typing import Any

from local.ssm_contacts import DEFAULT_ENGAGEMENTS, fault_engagement

SEED: dict[str, dict[str, Any]] = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
FAULT_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/fault_switch/"
    "00000000-0000-4000-8000-000000000206"
)


def secure_texts() -> list[str]:
    """Every Subject and Content the endpoint can send, except those equal to the same
    engagement's public text (the documented example's are: finding them proves nothing)."""
    records = [*SEED.values(), fault_engagement(FAULT_ARN)]
    texts = {
        record[key]
        for record in records
        for key in ("Subject", "Content")
        if record.get(key) not in (record.get("PublicSubject"), record.get("PublicContent"))
    }
    return sorted(texts)
