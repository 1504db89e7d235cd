"""How much each part of `make bench` measures: the full run, or BENCH_QUICK=1's short one (a
smoke test of the bench itself, whose figures mean little)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    quick: bool
    warm_rounds: int  # fresh containers each round
    warm_calls: int  # timed calls per series per round
    warm_up: int  # untimed calls per series per round, first
    realistic_rounds: int
    realistic_calls: int
    realistic_warm_up: int
    cold_pairs: int  # rounds of fresh processes, one per cold series (at least 31 in full)
    dashboards: int
    polled_engagements: int
    simulated_seconds: float


FULL = Sizes(
    quick=False,
    warm_rounds=5,
    warm_calls=500,
    warm_up=50,
    realistic_rounds=3,
    realistic_calls=80,
    realistic_warm_up=10,
    cold_pairs=33,
    dashboards=20,
    polled_engagements=10,
    simulated_seconds=120.0,
)
QUICK = Sizes(
    quick=True,
    warm_rounds=2,
    warm_calls=10,
    warm_up=3,
    realistic_rounds=2,
    realistic_calls=3,
    realistic_warm_up=1,
    cold_pairs=2,
    dashboards=4,
    polled_engagements=2,
    simulated_seconds=20.0,
)


def sizes_from(environ: Mapping[str, str]) -> Sizes:
    return QUICK if environ.get("BENCH_QUICK", "").strip() not in ("", "0") else FULL
