"""One route per command: the path and query a command asks for. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ep_client.moments import window_bound
from ep_client.references import Reference, engagement_reference, incident_reference


class Command(StrEnum):
    GET = "get"  # GET /engagements/{engagement}
    PAGES = "pages"  # GET /engagements/{engagement}/pages
    INCIDENT = "incident"  # GET /incidents/{incident}/engagements
    LIST = "list"  # GET /engagements?since=&until=


@dataclass(frozen=True)
class Route:
    command: Command
    path: str
    query: tuple[tuple[str, str], ...]
    reference_region: str | None  # the region the reference names, if any


def route_for(
    command: Command,
    reference: str | None,
    *,
    region: str | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime,
) -> Route:
    query: list[tuple[str, str]] = [("region", region)] if region else []
    if command is Command.LIST:
        if since is not None:
            query.append(("since", window_bound("since", since, now)))
        if until is not None:
            query.append(("until", window_bound("until", until, now)))
        return Route(command, "/engagements", tuple(query), region)
    ref: Reference
    if command is Command.INCIDENT:
        ref = incident_reference(reference or "")
        path = f"/incidents/{ref.segment}/engagements"
    else:
        ref = engagement_reference(reference or "")
        suffix = "/pages" if command is Command.PAGES else ""
        path = f"/engagements/{ref.segment}{suffix}"
    return Route(command, path, tuple(query), region or ref.region)
