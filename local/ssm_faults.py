"""Fault switches of the local SSM Contacts endpoint: reserved ids that make it misbehave, on
the call that names them or a chosen number of calls further down a fan-out.

An id `00000000-0000-4000-800D-000000000SSS` switches fault SSS (the keys of FAULTS, D = 0) on
D calls below the one naming it:
- D = 0: the call naming the id (an engagement, page or incident) fails as SSS says;
- D = 1: it succeeds, listing a healthy child and one whose own call fails: an engagement lists
  a page whose receipts fail, an incident lists an engagement whose pages fail;
- D = 2 (incidents only): it lists an engagement of depth 1, whose page's receipts fail.
SSS = 000 is the healthy child: its every call succeeds with made-up, well-formed data. Faults
fire in any partition, region, account, contact or response plan."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from local.ssm_model import (
    ERROR_STATUS,
    Reply,
    ResourceName,
    error_reply,
    not_found,
)

RETRY_AFTER_SECONDS: Final = 2
SLOW_SECONDS: Final = 30.0
RESERVED_PREFIX: Final = "00000000-0000-4000-800"
MAX_DEPTH: Final = {"engagement": 1, "page": 0, "incident-record": 2}
_HEALTHY_CODE: Final = "000"
FAULT_START: Final = datetime(2024, 1, 1, tzinfo=UTC)


def fault_id(code: str, depth: int = 0) -> str:
    return f"{RESERVED_PREFIX}{depth}-000000000{code}"


HEALTHY_ID: Final = fault_id(_HEALTHY_CODE)


def fan_out_id(fault_key: str, depth: int) -> str:
    """The id that switches the fault `fault_key` (a key of FAULTS) on `depth` calls down."""
    return fault_id(fault_key[-3:], depth)


@dataclass(frozen=True)
class Target:
    """What a faulting call named, and the answer it would have given had nothing been wrong."""

    resource_id: str
    resource_type: str  # ENGAGEMENT, PAGE or INCIDENT, for ResourceNotFoundException
    healthy: Callable[[], Reply]


Answer = Callable[[Target, threading.Event], Reply | None]


@dataclass(frozen=True)
class Fault:
    """How the endpoint misbehaves for one reserved id."""

    name: str
    description: str
    status: int  # what the client sees (the slow answer: none if the server stops first)
    answer: Answer


def _modeled(code: str, message: str, description: str, **members: Any) -> Fault:
    def answer(target: Target, stopping: threading.Event) -> Reply:
        return error_reply(code, message, **members)

    return Fault(code, description, ERROR_STATUS[code], answer)


def _not_found_fault(target: Target, stopping: threading.Event) -> Reply:
    return not_found(target.resource_id, target.resource_type)


def _not_json(target: Target, stopping: threading.Event) -> Reply:
    return Reply(200, b"<html><body>502 Bad Gateway</body></html>")


def _truncated_json(target: Target, stopping: threading.Event) -> Reply:
    whole = target.healthy().body
    return Reply(200, whole[: len(whole) // 2], declared_length=len(whole))


def _slow(target: Target, stopping: threading.Event) -> Reply | None:
    # An Event wait, not a sleep: server shutdown must not wait out the delay.
    if stopping.wait(SLOW_SECONDS):
        return None
    return target.healthy()


FAULTS: Final[Mapping[str, Fault]] = MappingProxyType(
    {
        fault_id("429"): _modeled(
            "ThrottlingException",
            "Rate exceeded",
            f"ThrottlingException, Retry-After: {RETRY_AFTER_SECONDS} header and RetryAfterSeconds",
            RetryAfterSeconds=RETRY_AFTER_SECONDS,
        ),
        fault_id("500"): _modeled(
            "InternalServerException",
            "Unexpected error occurred while processing the request.",
            "InternalServerException",
        ),
        fault_id("403"): _modeled(
            "AccessDeniedException",
            "You don't have sufficient access to perform this operation.",
            "AccessDeniedException",
        ),
        fault_id("400"): _modeled(
            "DataEncryptionException",
            "The operation failed due to an encryption key error.",
            "DataEncryptionException",
        ),
        fault_id("404"): Fault(
            "ResourceNotFoundException",
            "ResourceNotFoundException naming the resource (ResourceType ENGAGEMENT, PAGE or "
            "INCIDENT)",
            ERROR_STATUS["ResourceNotFoundException"],
            _not_found_fault,
        ),
        fault_id("200"): Fault(
            "not-json", "200 with an HTML body that is not JSON", 200, _not_json
        ),
        fault_id("206"): Fault(
            "truncated-json",
            "200 whose JSON answer is cut off halfway (Content-Length promises all of it)",
            200,
            _truncated_json,
        ),
        fault_id("504"): Fault(
            "slow",
            f"answers a healthy 200 after {SLOW_SECONDS:.0f} s (none if the server stops first)",
            200,
            _slow,
        ),
    }
)


@dataclass(frozen=True)
class Switch:
    """A reserved id read: which fault (None: the healthy child), how many calls down."""

    fault: Fault | None
    depth: int
    code: str

    @property
    def fires_here(self) -> bool:
        return self.fault is not None and self.depth == 0

    def child_id(self) -> str:
        """The id of the faulting child a call of this switch lists (depth one less)."""
        return fault_id(self.code, self.depth - 1)

    def label(self) -> str:
        """For the log line: the fault's name, and how far down it strikes if not here."""
        if self.fault is None:
            return "healthy"
        return self.fault.name if self.depth == 0 else f"{self.fault.name}@{self.depth}"


HEALTHY: Final = Switch(None, 0, _HEALTHY_CODE)


def is_reserved(resource_id: str) -> bool:
    return resource_id.startswith(RESERVED_PREFIX)


def switch_for(name: ResourceName) -> Switch | None:
    """The switch a resource's id turns on; None for ordinary ids and for reserved ids with no
    meaning for this kind of resource (unknown fault, or deeper than its calls go)."""
    if not is_reserved(name.id) or not name.id[len(RESERVED_PREFIX)].isdigit():
        return None
    depth, code = int(name.id[len(RESERVED_PREFIX)]), name.id[-3:]
    if name.id != fault_id(code, depth) or depth > MAX_DEPTH[name.kind]:
        return None
    if code == _HEALTHY_CODE:
        return HEALTHY if depth == 0 else None
    fault = FAULTS.get(fault_id(code))
    return None if fault is None else Switch(fault, depth, code)


# --- made-up, well-formed data for the reserved ids --------------------------------------------


def fault_engagement(arn: str) -> dict[str, Any]:
    """A well-formed engagement for a reserved ARN, as DescribeEngagement answers it."""
    prefix, _, resource = arn.partition(":engagement/")
    alias = resource.split("/", 1)[0]
    return {
        "ContactArn": f"{prefix}:contact/{alias}",
        "EngagementArn": arn,
        "Sender": "local-fault-switch",
        "Subject": "SECURE-FAULT-SUBJECT bridge 555-0199",
        "Content": "SECURE-FAULT-CONTENT customer Example Corp, passcode 7788",
        "PublicSubject": "PUBLIC-FAULT-SUBJECT",
        "PublicContent": "PUBLIC-FAULT-CONTENT",
        "StartTime": FAULT_START,
    }


def fault_pages(engagement: ResourceName, switch: Switch) -> list[dict[str, Any]]:
    """The pages of a reserved engagement: the healthy page, then (depth 1) the faulting one."""
    ids = [HEALTHY_ID] + ([switch.child_id()] if switch.depth >= 1 else [])
    prefix = engagement.arn.partition(":engagement/")[0]
    return [
        {
            "PageArn": f"{prefix}:page/{engagement.parent}/{page_id}",
            "EngagementArn": engagement.arn,
            "ContactArn": f"{prefix}:contact/{engagement.parent}",
            "Sender": "local-fault-switch",
            "SentTime": FAULT_START + timedelta(seconds=index),
            **({"DeliveryTime": FAULT_START + timedelta(seconds=1)} if index == 0 else {}),
        }
        for index, page_id in enumerate(ids)
    ]


def fault_receipts(page: ResourceName) -> list[dict[str, Any]]:
    """The receipts of the healthy page: sent, delivered and read, with secure info."""
    prefix = page.arn.partition(":page/")[0]
    channel = f"{prefix}:contact-channel/{page.parent}/{HEALTHY_ID}"
    kinds = [
        ("SENT", "SECURE-FAULT-RECEIPT provider message id fault-0001"),
        ("DELIVERED", "SECURE-FAULT-RECEIPT delivered to +1-555-0199"),
        ("READ", "SECURE-FAULT-RECEIPT accept code 000111"),
    ]
    return [
        {
            "ContactChannelArn": channel,
            "ReceiptType": kind,
            "ReceiptInfo": info,
            "ReceiptTime": FAULT_START + timedelta(seconds=index),
        }
        for index, (kind, info) in enumerate(kinds)
    ]


def fault_engagements(incident: ResourceName, region: str, switch: Switch) -> list[dict[str, Any]]:
    """The engagements of a reserved incident in `region`: the healthy one, then (depth 1 or 2)
    one of a depth below."""
    ids = [HEALTHY_ID] + ([switch.child_id()] if switch.depth >= 1 else [])
    prefix = f"arn:{incident.partition}:ssm-contacts:{region}:{incident.account}"
    return [
        {
            "EngagementArn": f"{prefix}:engagement/fault_switch/{engagement_id}",
            "ContactArn": f"{prefix}:contact/fault_switch",
            "Sender": "local-fault-switch",
            "IncidentId": incident.arn,
            "StartTime": FAULT_START + timedelta(seconds=index),
        }
        for index, engagement_id in enumerate(ids)
    ]
