"""The local SSM Contacts endpoint's seed data: engagements, and the pages of some of them with
their receipts, each checked against botocore's output shapes and against each other at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from local.json_files import read_keyed_object
from local.ssm_faults import is_reserved
from local.ssm_model import (
    INPUT_SHAPES,
    OUTPUT_SHAPES,
    PAGE_ITEM,
    RECEIPT_ITEM,
    checked,
    from_file,
    input_problems,
    resource_name,
)

DEFAULT_ENGAGEMENTS: Final = Path(__file__).with_name("engagements.json")
DEFAULT_PAGES: Final = Path(__file__).with_name("pages.json")
_DESCRIBED: Final = OUTPUT_SHAPES["DescribeEngagement"]

Engagements = Mapping[str, Mapping[str, Any]]


class SeedError(ValueError):
    """A seed file that cannot be read, or whose records contradict each other."""


@dataclass(frozen=True)
class SeededPage:
    """A page as ListPagesByEngagement lists it, and its receipts as ListPageReceipts does."""

    page: Mapping[str, Any]
    receipts: tuple[Mapping[str, Any], ...]


Pages = Mapping[str, SeededPage]


def load_engagements(path: Path) -> Engagements:
    """Seed engagements keyed by ARN, each checked against the output shape up front."""
    raw = read_keyed_object(path, SeedError, "engagement ARN")
    engagements: dict[str, Mapping[str, Any]] = {}
    for arn, record in raw.items():
        if input_problems({"EngagementId": arn}, INPUT_SHAPES["DescribeEngagement"]):
            raise SeedError(f"{path}: key {arn!r} is not a valid EngagementId")
        name = resource_name(arn, "engagement")
        if name is not None and is_reserved(name.id):
            raise SeedError(f"{path}: {arn} uses an id reserved for fault switches")
        engagement = checked(from_file(record, _DESCRIBED), _DESCRIBED, f"{path}: {arn}")
        if engagement.get("EngagementArn") != arn:
            raise SeedError(f"{path}: {arn} holds a different EngagementArn")
        engagements[arn] = MappingProxyType(engagement)
    return MappingProxyType(engagements)


def load_pages(path: Path, engagements: Engagements) -> Pages:
    """Seed pages keyed by page ARN, each `{"Page": {...}, "Receipts": [...]}`, in file order
    (the order the endpoint lists them in), each page of a seeded engagement."""
    raw = read_keyed_object(path, SeedError, "page ARN")
    pages: dict[str, SeededPage] = {}
    for arn, record in raw.items():
        where = f"{path}: {arn}"
        if not isinstance(record, dict) or set(record) != {"Page", "Receipts"}:
            raise SeedError(f"{where} must be an object with exactly Page and Receipts")
        if not isinstance(record["Receipts"], list):
            raise SeedError(f"{where}: Receipts must be a list")
        page = checked(from_file(record["Page"], PAGE_ITEM), PAGE_ITEM, f"{where}: Page")
        receipts = tuple(
            MappingProxyType(
                dict(checked(from_file(r, RECEIPT_ITEM), RECEIPT_ITEM, f"{where}: Receipts[{i}]"))
            )
            for i, r in enumerate(record["Receipts"])
        )
        _check_belongs(where, arn, page, engagements)
        pages[arn] = SeededPage(MappingProxyType(dict(page)), receipts)
    return MappingProxyType(pages)


def _check_belongs(where: str, arn: str, page: Mapping[str, Any], engagements: Engagements) -> None:
    name = resource_name(arn, "page")
    if name is None:
        raise SeedError(f"{where}: key is not a page ARN (...:page/CONTACT/UUID)")
    if is_reserved(name.id):
        raise SeedError(f"{where}: uses an id reserved for fault switches")
    if page["PageArn"] != arn:
        raise SeedError(f"{where}: holds a different PageArn")
    engagement = engagements.get(page["EngagementArn"])
    if engagement is None:
        raise SeedError(f"{where}: its EngagementArn names no seeded engagement")
    owner = resource_name(page["EngagementArn"], "engagement")
    if owner is None or (owner.region, owner.account) != (name.region, name.account):
        raise SeedError(f"{where}: is not in its engagement's region and account")
    if page.get("IncidentId") != engagement.get("IncidentId"):
        raise SeedError(f"{where}: its IncidentId is not its engagement's")
