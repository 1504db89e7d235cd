"""Warm requests: the handler's container against a bare boto3 container, interleaved call by
call, CPU time measured inside each process. Cache off (every request goes upstream), cache hits
(the whole request, no network), 304s; and the wall time against an upstream that answers after
15 ms, as SSM Contacts across a network would."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.containers import Container, Reply, Series, containers, interleaved
from benchmarks.sizes import Sizes
from benchmarks.stage import Endpoint, XRayDaemon, log, require
from benchmarks.summary import Spread, median, median_difference, median_ratio
from testing_support.events import DASHBOARD, EXAMPLE_ARN, EXAMPLE_PATH, rest_event

# Every timed request of a cache-on container is a hit: the longest TTLs the handler accepts.
ALWAYS_HIT = {
    "CACHE_ENABLED": "true",
    "CACHE_TTL_RUNNING_SECONDS": "3600",
    "CACHE_TTL_STOPPED_SECONDS": "86400",
}
CACHE_OFF = {"CACHE_ENABLED": "false"}
BARE_CALL = {"arn": EXAMPLE_ARN}
# Series names, as results.md shows them.
BARE = "bare boto3 `describe_engagement`"
MISS = "handler, cache off"
HIT = "handler, cache hit"
NOT_MODIFIED = "handler, 304 (cache hit, If-None-Match matches)"
FLOOR_MISS = "hand-written floor, cache off"
FLOOR_HIT = "hand-written floor, cache hit"


def request(headers: Mapping[str, str] | None = None) -> Callable[[], dict[str, Any]]:
    """A fresh REST event per call (its own request id), as API Gateway sends them: a polling
    dashboard (redacted tier: the one that revalidates with ETags; full answers carry none)
    asking for the example engagement by its short path."""
    return lambda: {"event": rest_event(EXAMPLE_PATH, DASHBOARD, headers=dict(headers or {}))}


def sampled_name(name: str, sampled: bool) -> str:
    return f"{name}, {'sampled' if sampled else 'unsampled'}"


def both(
    name: str, container: Container, command: Callable[[], Mapping[str, Any]], status: int = 200
) -> list[Series]:
    return [
        Series(sampled_name(name, sampled), container, command, sampled, status)
        for sampled in (True, False)
    ]


def cpu_us(replies: Sequence[Reply]) -> list[float]:
    return [reply.cpu_ns / 1000 for reply in replies]


def wall_us(replies: Sequence[Reply]) -> list[float]:
    return [reply.wall_ns / 1000 for reply in replies]


@dataclass(frozen=True)
class Rounds:
    """Per series, the median of each round's calls, then the median (min-max) over rounds."""

    cpu_us: dict[str, Spread]
    wall_us: dict[str, Spread]
    calls_per_round: int
    rounds: int


def spreads(per_round: Sequence[Mapping[str, float]]) -> dict[str, Spread]:
    return {name: Spread.of([one[name] for one in per_round]) for name in per_round[0]}


@dataclass(frozen=True)
class Warm:
    rounds: Rounds
    overhead_us: dict[bool, Spread]  # by sampled: handler, cache off, CPU over the bare call
    hit_us: dict[bool, Spread]  # by sampled: a whole cache hit's CPU
    not_modified_us: dict[bool, Spread]
    floor_overhead_us: Spread  # the hand-written floor, cache off, CPU over the bare call
    floor_hit_us: Spread
    datagrams: dict[str, int]  # X-Ray datagrams one request of each kind sent
    body_bytes: int


def _datagrams(
    daemon: XRayDaemon, container: Container, command: Mapping[str, Any], sampled: bool
) -> int:
    daemon.drain()
    reply = container.call(command, sampled)
    require(reply.status == 200, f"{container.name} answered {reply.status} before timing")
    time.sleep(0.05)  # datagrams on loopback: give the kernel a moment
    return daemon.drain()


def measure_warm(
    environment: Mapping[str, str], endpoint: Endpoint, daemon: XRayDaemon, sizes: Sizes
) -> Warm:
    per_round_cpu: list[dict[str, float]] = []
    per_round_wall: list[dict[str, float]] = []
    overhead: dict[bool, list[float]] = {True: [], False: []}
    floor_overhead: list[float] = []
    datagrams: dict[str, int] = {}
    body_bytes = 0
    for index in range(sizes.warm_rounds):
        specs = [
            ("bare", "bare", environment),
            ("cache off", "handler", {**environment, **CACHE_OFF}),
            ("cache on", "handler", {**environment, **ALWAYS_HIT}),
            ("floor, cache off", "floor", {**environment, **CACHE_OFF}),
            ("floor, cache on", "floor", {**environment, **ALWAYS_HIT}),
        ]
        with containers(specs) as (bare, miss, hit, floor_miss, floor_hit):
            before = endpoint.upstream_calls()
            # Prove the set-up before timing it: each answers, and who sends trace data.
            datagrams = {
                BARE: _datagrams(daemon, bare, BARE_CALL, True),
                sampled_name(MISS, True): _datagrams(daemon, miss, request()(), True),
                sampled_name(MISS, False): _datagrams(daemon, miss, request()(), False),
            }
            require(
                datagrams[BARE] == datagrams[sampled_name(MISS, False)] == 0,
                f"a bare call or an unsampled request sent X-Ray datagrams: {datagrams}",
            )
            filled = hit.call(request()(), True)
            require(filled.status == 200 and filled.etag is not None, "no first cached answer")
            body_bytes = filled.body_bytes
            floor_filled = floor_hit.call(request()(), True)
            require(floor_filled.status == 200, "the floor gave no first answer")
            conditional = request({"If-None-Match": str(filled.etag)})
            series = [
                Series(BARE, bare, lambda: BARE_CALL, True),
                *both(MISS, miss, request()),
                *both(HIT, hit, request()),
                *both(NOT_MODIFIED, hit, conditional, 304),
                Series(FLOOR_MISS, floor_miss, request(), True),
                Series(FLOOR_HIT, floor_hit, request(), True),
            ]
            log(
                f"warm round {index + 1}/{sizes.warm_rounds}: {len(series)} series of "
                f"{sizes.warm_calls} calls, interleaved"
            )
            replies = interleaved(series, sizes.warm_calls, sizes.warm_up)
            went_upstream = endpoint.upstream_calls() - before
            # The checks, two cache fills, and every call of the bare and cache-off series.
            expected = 3 + 2 + 4 * (sizes.warm_up + sizes.warm_calls)
            require(
                went_upstream == expected,
                f"{went_upstream} upstream calls, not {expected}: a cache hit went upstream or "
                "a cache-off request did not",
            )
        per_round_cpu.append({name: median(cpu_us(got)) for name, got in replies.items()})
        per_round_wall.append({name: median(wall_us(got)) for name, got in replies.items()})
        for sampled in (True, False):
            handler = cpu_us(replies[sampled_name(MISS, sampled)])
            overhead[sampled].append(median_difference(handler, cpu_us(replies[BARE])))
        floor_overhead.append(median_difference(cpu_us(replies[FLOOR_MISS]), cpu_us(replies[BARE])))
    cpu = spreads(per_round_cpu)
    return Warm(
        rounds=Rounds(cpu, spreads(per_round_wall), sizes.warm_calls, sizes.warm_rounds),
        overhead_us={sampled: Spread.of(values) for sampled, values in overhead.items()},
        hit_us={sampled: cpu[sampled_name(HIT, sampled)] for sampled in (True, False)},
        not_modified_us={
            sampled: cpu[sampled_name(NOT_MODIFIED, sampled)] for sampled in (True, False)
        },
        floor_overhead_us=Spread.of(floor_overhead),
        floor_hit_us=cpu[FLOOR_HIT],
        datagrams=datagrams,
        body_bytes=body_bytes,
    )


@dataclass(frozen=True)
class Realistic:
    rounds: Rounds
    ratio: dict[bool, Spread]  # by sampled: wall time of the handler over the bare call
    overhead_wall_us: dict[bool, Spread]
    overhead_cpu_us: dict[bool, Spread]
    delay_ms: float


def measure_realistic(
    environment: Mapping[str, str], endpoint: Endpoint, sizes: Sizes
) -> Realistic:
    """Cache off against the slow endpoint: every request waits for it, as in production."""
    per_round_cpu: list[dict[str, float]] = []
    per_round_wall: list[dict[str, float]] = []
    ratio: dict[bool, list[float]] = {True: [], False: []}
    wall_over: dict[bool, list[float]] = {True: [], False: []}
    cpu_over: dict[bool, list[float]] = {True: [], False: []}
    slow = {**environment, "AWS_ENDPOINT_URL_SSM_CONTACTS": endpoint.url}
    for index in range(sizes.realistic_rounds):
        specs = [("bare", "bare", slow), ("cache off", "handler", {**slow, **CACHE_OFF})]
        with containers(specs) as (bare, miss):
            series = [Series(BARE, bare, lambda: BARE_CALL, True), *both(MISS, miss, request())]
            log(
                f"realistic round {index + 1}/{sizes.realistic_rounds}: upstream answers after "
                f"{endpoint.delay_ms:g} ms, {len(series)} series of {sizes.realistic_calls} calls"
            )
            replies = interleaved(series, sizes.realistic_calls, sizes.realistic_warm_up)
        bare_wall = wall_us(replies[BARE])
        require(
            median(bare_wall) >= endpoint.delay_ms * 1000,
            "a bare call took less than the endpoint's delay: the delay is not applied",
        )
        per_round_cpu.append({name: median(cpu_us(got)) for name, got in replies.items()})
        per_round_wall.append({name: median(wall_us(got)) for name, got in replies.items()})
        for sampled in (True, False):
            handler = replies[sampled_name(MISS, sampled)]
            ratio[sampled].append(median_ratio(wall_us(handler), bare_wall))
            wall_over[sampled].append(median_difference(wall_us(handler), bare_wall))
            cpu_over[sampled].append(median_difference(cpu_us(handler), cpu_us(replies[BARE])))
    return Realistic(
        rounds=Rounds(
            spreads(per_round_cpu),
            spreads(per_round_wall),
            sizes.realistic_calls,
            sizes.realistic_rounds,
        ),
        ratio={sampled: Spread.of(values) for sampled, values in ratio.items()},
        overhead_wall_us={sampled: Spread.of(values) for sampled, values in wall_over.items()},
        overhead_cpu_us={sampled: Spread.of(values) for sampled, values in cpu_over.items()},
        delay_ms=endpoint.delay_ms,
    )
