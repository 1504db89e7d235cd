"""Dashboards polling with the cache on as deployed: how many requests still reach SSM Contacts.

One handler container, its `time.monotonic` on a simulated clock that each request sets, so two
simulated minutes take seconds and the figure does not depend on this machine's pace."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks.containers import Container
from benchmarks.sizes import Sizes
from benchmarks.stage import Endpoint, log, polled_arn, require
from testing_support.events import COMMANDER, DASHBOARD, rest_event

POLL_PERIOD_SECONDS = 5.0
SAMPLED_EVERY = 20  # X-Ray's default rule samples about 5% of a busy function's requests


@dataclass(frozen=True)
class Polling:
    dashboards: int
    engagements: int
    simulated_seconds: float
    requests: int
    upstream_calls: int
    statuses: dict[int, int]
    running_ttl_seconds: float

    @property
    def per_request(self) -> float:
        return self.upstream_calls / self.requests


def simulate_polling(environment: Mapping[str, str], endpoint: Endpoint, sizes: Sizes) -> Polling:
    """`sizes.dashboards` screens, each polling the same running engagements every
    POLL_PERIOD_SECONDS, phases spread evenly over a period; each sends If-None-Match with the
    last ETag it got, as a browser does under `no-cache`. Half poll as a dashboard role
    (redacted tier), half as an incident commander (full tier, whose answers carry no ETag)."""
    require(environment.get("CACHE_ENABLED") == "true", "polling needs the cache on in cdk.json")
    ttl = float(environment["CACHE_TTL_RUNNING_SECONDS"])
    polls: list[tuple[float, int, int]] = []
    for screen in range(sizes.dashboards):
        moment = POLL_PERIOD_SECONDS * screen / sizes.dashboards
        while moment < sizes.simulated_seconds:
            polls += [(moment, screen, one) for one in range(sizes.polled_engagements)]
            moment += POLL_PERIOD_SECONDS
    polls.sort()
    paths = [
        "/engagements/" + polled_arn(index).split(":engagement/")[1]
        for index in range(sizes.polled_engagements)
    ]
    etags: dict[tuple[int, int], str] = {}
    statuses: Counter[int] = Counter()
    log(f"polling: {len(polls)} requests over {sizes.simulated_seconds:g} simulated seconds")
    container = Container("polling", "handler", {**environment, "BENCH_SIMULATED_CLOCK": "1"})
    try:
        before = endpoint.upstream_calls()
        for number, (moment, screen, engagement) in enumerate(polls):
            known = etags.get((screen, engagement))
            redacted = screen % 2 == 0
            event = rest_event(
                paths[engagement],
                DASHBOARD if redacted else COMMANDER,
                headers={"If-None-Match": known} if known else None,
            )
            reply = container.call(
                {"event": event, "clock": moment}, sampled=number % SAMPLED_EVERY == 0
            )
            statuses[reply.status] += 1
            require(
                (reply.etag is not None) is redacted,
                f"a {'redacted' if redacted else 'full'} poll answered {reply.status} "
                f"{'without' if redacted else 'with'} an ETag",
            )
            if reply.etag is not None:
                etags[(screen, engagement)] = str(reply.etag)
        upstream_calls = endpoint.upstream_calls() - before
    finally:
        container.stop()
    require(set(statuses) <= {200, 304}, f"polling got other answers: {dict(statuses)}")
    # A cache that keeps an answer at most `ttl` seconds must ask again in every window of that
    # length: fewer calls mean the handler's cache does not read the simulated clock.
    windows = math.ceil(sizes.simulated_seconds / ttl) if ttl > 0 else len(polls)
    require(
        upstream_calls >= min(windows * sizes.polled_engagements, len(polls)),
        f"{upstream_calls} upstream calls for {windows} TTL windows of "
        f"{sizes.polled_engagements} engagements: the cache does not follow the simulated clock "
        "(time.monotonic), so this figure would mean nothing",
    )
    return Polling(
        sizes.dashboards,
        sizes.polled_engagements,
        sizes.simulated_seconds,
        len(polls),
        upstream_calls,
        dict(sorted(statuses.items())),
        ttl,
    )


INCIDENT_PATH = "/incidents/checkout/6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10/engagements"


@dataclass(frozen=True)
class IncidentPolling:
    dashboards: int
    simulated_seconds: float
    answers: int
    upstream_calls: int
    calls_uncached: int  # what one answer costs with nothing cached

    @property
    def per_answer(self) -> float:
        return self.upstream_calls / self.answers


def simulate_incident_polling(
    environment: Mapping[str, str], endpoint: Endpoint, sizes: Sizes
) -> IncidentPolling:
    """`sizes.dashboards` screens polling the seeded incident's roll-up (its engagements in both
    served regions, their pages and receipts) every POLL_PERIOD_SECONDS, as above."""
    polls = sorted(
        (POLL_PERIOD_SECONDS * screen / sizes.dashboards + POLL_PERIOD_SECONDS * turn, screen)
        for screen in range(sizes.dashboards)
        for turn in range(int(sizes.simulated_seconds / POLL_PERIOD_SECONDS))
    )
    log(f"incident polling: {len(polls)} roll-ups over {sizes.simulated_seconds:g} simulated s")
    container = Container("incident", "handler", {**environment, "BENCH_SIMULATED_CLOCK": "1"})
    try:
        before = endpoint.upstream_calls()
        for number, (moment, screen) in enumerate(polls):
            event = rest_event(INCIDENT_PATH, DASHBOARD if screen % 2 == 0 else COMMANDER)
            reply = container.call(
                {"event": event, "clock": moment}, sampled=number % SAMPLED_EVERY == 0
            )
            require(reply.status == 200, f"an incident poll answered {reply.status}")
            if number == 0:
                uncached = endpoint.upstream_calls() - before
        upstream_calls = endpoint.upstream_calls() - before
    finally:
        container.stop()
    return IncidentPolling(
        sizes.dashboards, sizes.simulated_seconds, len(polls), upstream_calls, uncached
    )
