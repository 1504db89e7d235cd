"""The request flow, as plain functions: which route, who is calling, what they may see, what
they asked for, what SSM Contacts says, and the answer for their tier.

Adding a route means: one parse of its path, one flow function, one view.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from engagement_proxy.cache import Answer
from engagement_proxy.config import Settings
from engagement_proxy.deadline import Deadline
from engagement_proxy.entrances import Request
from engagement_proxy.errors import (
    CallerDenied,
    EngagementNotFound,
    InvalidQuery,
    MethodNotAllowed,
    RouteNotFound,
)
from engagement_proxy.identity import Caller, caller_from_jwt, caller_from_rest_identity
from engagement_proxy.ids import (
    EngagementRef,
    engagement_ref_of,
    not_found_in,
    parse_engagement_ref,
    parse_incident_ref,
    served_region,
)
from engagement_proxy.listings import (
    MAX_ENGAGEMENTS,
    MAX_WINDOW_SCAN,
    EngagementList,
    EngagementPages,
    Tally,
    engagement_pages,
    list_engagements,
)
from engagement_proxy.model import Described, EngagementSummary, EngagementWithPages
from engagement_proxy.pages_view import engagements_list_view, incident_view, pages_view
from engagement_proxy.policy import Tier, tier_for
from engagement_proxy.replies import Reply, engagement_reply, view_reply
from engagement_proxy.runtime import Runtime
from engagement_proxy.time_window import parse_time_window
from engagement_proxy.upstream import SsmContacts


@dataclass
class Progress:
    """What the flow has established about a request so far; the audit line is written from it
    once, however the request ends."""

    route: str | None = None
    caller: Caller | None = None
    tier: Tier | None = None
    target: str | None = None  # the engagement ARN
    incident: str | None = None  # the incident record ARN
    pages: int | None = None  # pages in the answer
    engagements: int | None = None  # engagements in the answer
    cache: str | None = None  # "off", "hit" (no upstream call of its own) or "miss"
    upstream_calls: int = 0
    upstream_request_id: str | None = None
    upstream_ms: float | None = None


A = TypeVar("A", bound=Answer)
# One upstream operation of a request, counting each call it makes as it makes it.
Call = Callable[[SsmContacts, Deadline, Tally], A]


class Source:
    """SSM Contacts as the flow sees it: through the cache, timed, traced when switched on, all
    of one request's calls within one deadline."""

    def __init__(self, runtime: Runtime, progress: Progress) -> None:
        self._runtime = runtime
        self._progress = progress
        self._deadline: Deadline | None = None

    def describe(self, ref: EngagementRef) -> Described:
        def call(upstream: SsmContacts, deadline: Deadline, tally: Tally) -> Described:
            tally.calls += 1
            described = upstream.describe_engagement(ref, deadline)
            self._progress.upstream_request_id = described.request_id
            return described

        return self._cached(ref.arn, "describe_engagement", call)

    def pages(self, ref: EngagementRef) -> EngagementPages:
        def call(upstream: SsmContacts, deadline: Deadline, tally: Tally) -> EngagementPages:
            return engagement_pages(upstream, ref, deadline, tally)

        return self._cached(f"pages {ref.arn}", "list_pages", call)

    def engagements(self, region: str, key: str, limit: int, **params: Any) -> EngagementList:
        def call(upstream: SsmContacts, deadline: Deadline, tally: Tally) -> EngagementList:
            return list_engagements(upstream, region, deadline, tally, limit, **params)

        return self._cached(f"engagements {region} {key}", "list_engagements", call)

    def _cached(self, key: str, name: str, call: Call[A]) -> A:
        cache = self._runtime.cache
        progress = self._progress
        if cache is None:
            progress.cache = "off"
            return self._timed(name, call)
        if progress.cache is None:
            progress.cache = "hit"

        def load() -> A:
            progress.cache = "miss"
            return self._timed(name, call)

        return cache.get(key, load)

    def _timed(self, name: str, call: Call[A]) -> A:
        _, upstream = self._runtime.configured()
        if self._deadline is None:
            self._deadline = upstream.deadline()
        tracer = self._runtime.tracer
        progress = self._progress
        started = time.perf_counter()
        tally = Tally()
        try:
            with tracer.span(f"## {name}") if tracer else nullcontext():
                return call(upstream, self._deadline, tally)
        finally:
            progress.upstream_calls += tally.calls
            elapsed = (time.perf_counter() - started) * 1000
            progress.upstream_ms = (progress.upstream_ms or 0.0) + elapsed


Flow = Callable[[str, Request, Tier, Settings, Source, Progress], Reply]


def get_engagement(
    tail: str, request: Request, tier: Tier, settings: Settings, source: Source, progress: Progress
) -> Reply:
    ref = _engagement_named(tail, request, settings, progress)
    with _searched(ref, settings):
        described = source.describe(ref)
    return engagement_reply(described.engagement, tier, request.if_none_match)


def get_pages(
    tail: str, request: Request, tier: Tier, settings: Settings, source: Source, progress: Progress
) -> Reply:
    ref = _engagement_named(tail, request, settings, progress)
    with _searched(ref, settings):
        found = source.pages(ref)
    progress.pages = len(found.pages)
    view = pages_view(ref.arn, found.pages, found.truncated, tier)
    return view_reply(view, tier, request.if_none_match)


def get_incident_engagements(
    tail: str, request: Request, tier: Tier, settings: Settings, source: Source, progress: Progress
) -> Reply:
    ref = parse_incident_ref(
        tail, request.single("region"), settings, percent_encoded=request.percent_encoded_path
    )
    progress.incident = ref.arn
    listed = [
        source.engagements(region, ref.arn, MAX_ENGAGEMENTS, IncidentId=ref.arn)
        for region in ref.regions
    ]
    summaries, truncated = _merged(listed)
    with_pages = []
    for summary in summaries:
        engagement = engagement_ref_of(summary.EngagementArn, settings)
        found = source.pages(engagement)
        truncated = truncated or found.truncated
        with_pages.append(EngagementWithPages(summary, found.pages))
    progress.engagements = len(with_pages)
    progress.pages = sum(len(item.pages) for item in with_pages)
    view = incident_view(ref.arn, with_pages, truncated, tier)
    return view_reply(view, tier, request.if_none_match)


def list_engagements_in_window(
    tail: str, request: Request, tier: Tier, settings: Settings, source: Source, progress: Progress
) -> Reply:
    window = parse_time_window(
        request.single("since"), request.single("until"), _window_end(settings)
    )
    key = f"{window.start.isoformat()} {window.end.isoformat()}"
    time_range = {"StartTime": window.start, "EndTime": window.end}
    region = request.single("region")
    regions = (
        (served_region(region, settings, InvalidQuery),)
        if region is not None
        else settings.served_regions
    )
    listed = [
        source.engagements(name, key, MAX_WINDOW_SCAN, TimeRangeValue=time_range)
        for name in regions
    ]
    # Newest first before the cut: a dashboard's landing page wants the latest ones.
    summaries, truncated = _merged(listed, newest_first=True)
    progress.engagements = len(summaries)
    view = engagements_list_view(summaries, truncated, tier)
    return view_reply(view, tier, request.if_none_match)


def _engagement_named(
    tail: str, request: Request, settings: Settings, progress: Progress
) -> EngagementRef:
    ref = parse_engagement_ref(
        tail, request.single("region"), settings, percent_encoded=request.percent_encoded_path
    )
    progress.target = ref.arn
    return ref


@contextmanager
def _searched(ref: EngagementRef, settings: Settings) -> Iterator[None]:
    """A 404 for `ref` says where it was looked for, and where else the caller could look."""
    try:
        yield
    except EngagementNotFound as error:
        located = not_found_in(ref, settings)
        located.upstream_code = error.upstream_code
        located.upstream_request_id = error.upstream_request_id
        raise located from None


def _merged(
    listed: list[EngagementList], *, newest_first: bool = False
) -> tuple[list[EngagementSummary], bool]:
    """Every region's engagements, at most MAX_ENGAGEMENTS of them: the oldest, or for a list
    shown newest first the newest; those not started yet last either way."""
    merged = [summary for found in listed for summary in found.engagements]
    if newest_first:
        merged.sort(key=lambda s: (s.StartTime is not None, s.StartTime or _EPOCH), reverse=True)
    else:
        merged.sort(key=lambda s: (s.StartTime is None, s.StartTime or _EPOCH))
    truncated = any(found.truncated for found in listed) or len(merged) > MAX_ENGAGEMENTS
    return merged[:MAX_ENGAGEMENTS], truncated


def _window_end(settings: Settings) -> datetime:
    """Where a window without `until` ends: now, rounded up to the next multiple of the running
    TTL. Polls within one TTL then name the same window and share its cached listing (a window
    ending at each request's own microsecond would never be asked twice); rounded up, it still
    holds everything started before now."""
    step = max(1.0, settings.cache.running_ttl_seconds) if settings.cache else 1.0
    return datetime.fromtimestamp(math.ceil(_now().timestamp() / step) * step, UTC)


def _now() -> datetime:
    return datetime.now(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Route:
    template: str  # as the OpenAPI contract names the route
    pattern: re.Pattern[str]
    flow: Flow
    parameters: frozenset[str]  # the query parameters it takes


# Tried in order: the most specific first.
ROUTES = (
    Route(
        "/engagements",
        re.compile(r"/engagements(?P<tail>)"),
        list_engagements_in_window,
        frozenset({"since", "until", "region"}),
    ),
    Route(
        "/engagements/{engagement}/pages",
        re.compile(r"/engagements/(?P<tail>.+)/pages", re.DOTALL),
        get_pages,
        frozenset({"region"}),
    ),
    Route(
        "/incidents/{incident}/engagements",
        re.compile(r"/incidents/(?P<tail>.+)/engagements", re.DOTALL),
        get_incident_engagements,
        frozenset({"region"}),
    ),
    Route(
        "/engagements/{engagement}",
        re.compile(r"/engagements/(?P<tail>.+)", re.DOTALL),
        get_engagement,
        frozenset({"region"}),
    ),
)
NOT_FOUND = (
    "Engagements live under /engagements/ and /incidents/INCIDENT/engagements "
    "(see the API documentation)."
)


def route_for(request: Request) -> tuple[Route, str]:
    """The route for the request's path and the part of the path it parses; 404 or 405."""
    if len(request.path) > 1 and request.path.endswith("/"):
        raise RouteNotFound("The path ends with a slash: send it without the trailing /.")
    for route in ROUTES:
        match = route.pattern.fullmatch(request.path)
        if match is not None:
            if request.method != "GET":
                raise MethodNotAllowed("Engagements are read with GET.")
            return route, match["tail"]
    raise RouteNotFound(NOT_FOUND)


_PRINTABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}", re.ASCII)


def _check_parameters(request: Request, route: Route) -> None:
    unknown = sorted(set(request.query) - route.parameters)
    if unknown:
        name = unknown[0] if _PRINTABLE_NAME.fullmatch(unknown[0]) else "a parameter"
        takes = ", ".join(sorted(route.parameters))
        raise InvalidQuery(f"{route.template} takes no query parameter {name}: send only {takes}.")


def caller_of(request: Request, settings: Settings) -> Caller | None:
    """Only what API Gateway authenticated counts, never other headers."""
    if request.entrance == "iam":
        return caller_from_rest_identity(request.identity)
    return caller_from_jwt(request.claims, request.authorization, settings.groups_claim)


def serve(request: Request, runtime: Runtime, progress: Progress) -> Reply:
    """The reply to `request`, or a domain error saying why there is none."""
    settings, _ = runtime.configured()  # with a bad configuration nobody is served anything
    route, tail = route_for(request)
    progress.route = route.template
    caller = progress.caller = caller_of(request, settings)
    tier = progress.tier = tier_for(settings.policy, caller)
    if caller is None:
        raise CallerDenied("The request carries no authenticated identity.")
    if tier is Tier.DENY:
        raise CallerDenied("The access policy does not let this caller read engagements.")
    _check_parameters(request, route)
    return route.flow(tail, request, tier, settings, Source(runtime, progress), progress)
