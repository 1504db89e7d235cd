"""The request flow, as plain functions: which route, who is calling, what they may see, what
they asked for, what SSM Contacts says, and the answer for their tier.

Adding a route means: one parse of its path, one flow function, one view.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from engagement_proxy.config import Settings
from engagement_proxy.entrances import Request
from engagement_proxy.errors import CallerDenied, MethodNotAllowed, RouteNotFound
from engagement_proxy.identity import Caller, caller_from_jwt_claims, caller_from_rest_identity
from engagement_proxy.ids import EngagementRef, parse_engagement_ref
from engagement_proxy.model import Described
from engagement_proxy.policy import Tier, tier_for
from engagement_proxy.replies import Reply, engagement_reply
from engagement_proxy.runtime import Runtime


@dataclass
class Progress:
    """What the flow has established about a request so far; the audit line is written from it
    once, however the request ends."""

    caller: Caller | None = None
    tier: Tier | None = None
    target: str | None = None
    cache: str | None = None  # "off", "hit" (no upstream call of its own) or "miss"
    upstream_calls: int = 0
    upstream_request_id: str | None = None
    upstream_ms: float | None = None


class Source:
    """SSM Contacts as the flow sees it: through the cache, timed, traced when switched on."""

    def __init__(self, runtime: Runtime, progress: Progress) -> None:
        self._runtime = runtime
        self._progress = progress

    def describe(self, ref: EngagementRef) -> Described:
        cache = self._runtime.cache
        if cache is None:
            self._progress.cache = "off"
            return self._describe(ref)
        self._progress.cache = "hit"

        def load() -> Described:
            self._progress.cache = "miss"
            return self._describe(ref)

        return cache.get(ref.arn, load)

    def _describe(self, ref: EngagementRef) -> Described:
        _, upstream = self._runtime.configured()
        tracer = self._runtime.tracer
        progress = self._progress
        progress.upstream_calls += 1
        started = time.perf_counter()
        try:
            with tracer.span("## describe_engagement") if tracer else nullcontext():
                described = upstream.describe_engagement(ref)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            progress.upstream_ms = (progress.upstream_ms or 0.0) + elapsed
        progress.upstream_request_id = described.request_id
        return described


Flow = Callable[[str, Request, Tier, Settings, Source, Progress], Reply]


def get_engagement(
    tail: str, request: Request, tier: Tier, settings: Settings, source: Source, progress: Progress
) -> Reply:
    ref = parse_engagement_ref(
        tail, request.single("region"), settings, percent_encoded=request.percent_encoded_path
    )
    progress.target = ref.arn
    described = source.describe(ref)
    return engagement_reply(described.engagement, tier, request.if_none_match)


@dataclass(frozen=True)
class Route:
    template: str  # as the OpenAPI contract names the route
    pattern: re.Pattern[str]
    flow: Flow


ROUTES = (
    Route(
        "/engagements/{engagement}",
        re.compile(r"/engagements/(?P<tail>.+)", re.DOTALL),
        get_engagement,
    ),
)
NOT_FOUND = "Engagements live under /engagements/."


def route_for(request: Request) -> tuple[Route, str]:
    """The route for the request's path and the part of the path it parses; 404 or 405."""
    for route in ROUTES:
        match = route.pattern.fullmatch(request.path)
        if match is not None:
            if request.method != "GET":
                raise MethodNotAllowed("Engagements are read with GET.")
            return route, match["tail"]
    raise RouteNotFound(NOT_FOUND)


def caller_of(request: Request, settings: Settings) -> Caller | None:
    """Only what API Gateway authenticated counts, never other headers."""
    if request.entrance == "iam":
        return caller_from_rest_identity(request.identity)
    return caller_from_jwt_claims(request.claims, settings.groups_claim)


def serve(request: Request, runtime: Runtime, progress: Progress) -> Reply:
    """The reply to `request`, or a domain error saying why there is none."""
    settings, _ = runtime.configured()  # with a bad configuration nobody is served anything
    route, tail = route_for(request)
    caller = progress.caller = caller_of(request, settings)
    tier = progress.tier = tier_for(settings.policy, caller)
    if caller is None:
        raise CallerDenied("The request carries no authenticated identity.")
    if tier is Tier.DENY:
        raise CallerDenied("The access policy does not let this caller read engagements.")
    return route.flow(tail, request, tier, settings, Source(runtime, progress), progress)
