"""The secure texts of the local seed data: what must never reach a redacted body or a log."""

from __future__ import annotations

import json
from typing import Any

from local.ssm_contacts import DEFAULT_ENGAGEMENTS, DEFAULT_PAGES, HEALTHY_ID, fault_engagement
from local.ssm_faults import fault_receipts
from local.ssm_model import resource_name

SEED: dict[str, dict[str, Any]] = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
PAGES: dict[str, dict[str, Any]] = json.loads(DEFAULT_PAGES.read_text(encoding="utf-8"))
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


def secure_receipt_infos() -> list[str]:
    """Every ReceiptInfo the endpoint can send: the seed's, and the fault switches' healthy
    page's (what a fan-out lists next to the faulting page)."""
    seeded = [
        receipt["ReceiptInfo"]
        for record in PAGES.values()
        for receipt in record["Receipts"]
        if "ReceiptInfo" in receipt
    ]
    healthy_page = f"arn:aws:ssm-contacts:us-east-2:111122223333:page/fault_switch/{HEALTHY_ID}"
    name = resource_name(healthy_page, "page")
    assert name is not None
    return seeded + [receipt["ReceiptInfo"] for receipt in fault_receipts(name)]
