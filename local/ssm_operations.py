"""The operations the local SSM Contacts endpoint serves, over its seed data and fault switches.
A signed request is answered as the endpoint of the region it is signed for: resources of other
regions are not found there, and ListEngagements lists that region's engagements."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from botocore.utils import parse_timestamp

from local.ssm_faults import (
    HEALTHY,
    Switch,
    Target,
    fault_engagement,
    fault_engagements,
    fault_pages,
    fault_receipts,
    switch_for,
)
from local.ssm_model import (
    Reply,
    ResourceName,
    answer_reply,
    error_reply,
    not_found,
    resource_name,
    validation_error,
)
from local.ssm_pagination import InvalidToken, Paginator
from local.ssm_seed import Engagements, Pages

_LISTED_ENGAGEMENT_MEMBERS: Final = (
    "EngagementArn",
    "ContactArn",
    "Sender",
    "IncidentId",
    "StartTime",
    "StopTime",
)


class Served(Protocol):
    """What the operations read: the seed, the paginator and the server's stop signal."""

    engagements: Engagements
    pages: Pages
    paginator: Paginator
    stopping: threading.Event


@dataclass(frozen=True)
class Call:
    """One request: its operation, its (valid) members, and the region it is signed for."""

    operation: str
    params: Mapping[str, Any]
    region: str | None  # None: unsigned


@dataclass(frozen=True)
class Handled:
    reply: Reply | None  # None: the server stopped before a slow answer was due
    fault: str = "-"  # the switch this call met, for the log line


def serve(call: Call, served: Served) -> Handled:
    return OPERATIONS[call.operation](call, served)


def describe_engagement(call: Call, served: Served) -> Handled:
    arn = call.params["EngagementId"]
    name = resource_name(arn, "engagement")
    switch = switch_for(name) if name is not None else None
    if switch is not None:
        target = Target(
            arn, "ENGAGEMENT", lambda: answer_reply(call.operation, fault_engagement(arn), arn)
        )
        return _switched(switch, target, served)
    engagement = served.engagements.get(arn)
    if engagement is None or _elsewhere(name, call.region):
        return Handled(not_found(arn, "ENGAGEMENT"))
    return Handled(answer_reply(call.operation, engagement, arn))


def list_pages_by_engagement(call: Call, served: Served) -> Handled:
    arn = call.params["EngagementId"]
    name = resource_name(arn, "engagement")
    switch = switch_for(name) if name is not None else None
    if name is not None and switch is not None:
        listed = fault_pages(name, HEALTHY if switch.fires_here else switch)
        target = Target(arn, "ENGAGEMENT", lambda: _listed(call, served, "Pages", listed))
        return _switched(switch, target, served)
    if arn not in served.engagements or _elsewhere(name, call.region):
        return Handled(not_found(arn, "ENGAGEMENT"))
    pages = [seeded.page for seeded in served.pages.values() if seeded.page["EngagementArn"] == arn]
    return Handled(_listed(call, served, "Pages", pages))


def list_page_receipts(call: Call, served: Served) -> Handled:
    arn = call.params["PageId"]
    name = resource_name(arn, "page")
    switch = switch_for(name) if name is not None else None
    if name is not None and switch is not None:
        listed = fault_receipts(name)
        target = Target(arn, "PAGE", lambda: _listed(call, served, "Receipts", listed))
        return _switched(switch, target, served)
    seeded = served.pages.get(arn)
    if seeded is None or _elsewhere(name, call.region):
        return Handled(not_found(arn, "PAGE"))
    return Handled(_listed(call, served, "Receipts", list(seeded.receipts)))


def list_engagements(call: Call, served: Served) -> Handled:
    region = call.region
    if region is None:
        message = "ListEngagements needs a signed request: its region comes from the signature."
        return Handled(error_reply("MissingAuthenticationTokenException", message))
    started = _started_within(call.params.get("TimeRangeValue"))
    incident_id = call.params.get("IncidentId")
    name = resource_name(incident_id, "incident-record")
    switch = switch_for(name) if name is not None else None
    if name is not None and switch is not None:
        made_up = fault_engagements(name, region, HEALTHY if switch.fires_here else switch)
        listed = [engagement for engagement in made_up if started(engagement)]
        target = Target(name.arn, "INCIDENT", lambda: _listed(call, served, "Engagements", listed))
        return _switched(switch, target, served)
    listed = [
        {key: engagement[key] for key in _LISTED_ENGAGEMENT_MEMBERS if key in engagement}
        for arn, engagement in served.engagements.items()
        if not _elsewhere(resource_name(arn, "engagement"), region)
        and (incident_id is None or engagement.get("IncidentId") == incident_id)
        and started(engagement)
    ]
    return Handled(_listed(call, served, "Engagements", listed))


OPERATIONS: Final[Mapping[str, Callable[[Call, Served], Handled]]] = {
    "DescribeEngagement": describe_engagement,
    "ListEngagements": list_engagements,
    "ListPagesByEngagement": list_pages_by_engagement,
    "ListPageReceipts": list_page_receipts,
}


def _switched(switch: Switch, target: Target, served: Served) -> Handled:
    if switch.fires_here and switch.fault is not None:
        return Handled(switch.fault.answer(target, served.stopping), switch.label())
    return Handled(target.healthy(), switch.label())


def _elsewhere(name: ResourceName | None, region: str | None) -> bool:
    """True for a resource this region's endpoint cannot know: of another region, or no
    resource name at all. Unsigned requests name no region, so they see every region."""
    if name is None:
        return True
    return region is not None and name.region != region


def _listed(call: Call, served: Served, member: str, items: Sequence[Mapping[str, Any]]) -> Reply:
    try:
        page, following = served.paginator.page(
            items, call.operation, call.region or "", call.params
        )
    except InvalidToken:
        problem = "NextToken is not one this endpoint issued for this request"
        fields = [{"Name": "NextToken", "Message": problem}]
        return validation_error([problem], Fields=fields)
    # Plain dicts: the shape check takes read-only seed mappings for no structure.
    answer: dict[str, Any] = {member: [dict(item) for item in page]}
    if following is not None:
        answer["NextToken"] = following
    return answer_reply(call.operation, answer, f"{call.operation} {member}")


def _started_within(time_range: Mapping[str, Any] | None) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an engagement started within the range; without one, every engagement did."""
    if not time_range:
        return lambda engagement: True
    start = _moment(time_range.get("StartTime"))
    end = _moment(time_range.get("EndTime"))

    def started(engagement: Mapping[str, Any]) -> bool:
        moment = engagement.get("StartTime")
        if moment is None:
            return False
        return (start is None or start <= moment) and (end is None or moment <= end)

    return started


def _moment(value: Any) -> datetime | None:
    # awsJson sends epoch seconds; the input check also let ISO 8601 strings through.
    return None if value is None else parse_timestamp(value)
