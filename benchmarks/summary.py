"""Percentiles, ratios, the issue's targets and the one summary line scripts read. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Latency:
    """A series of timings, in milliseconds."""

    count: int
    p50_ms: float
    p99_ms: float


def percentile(samples: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `percent`% of samples at or
    below it (so p99 of 2,000 samples is the 1,980th smallest)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    ordered = sorted(samples)
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[rank - 1]


def latency_ms(samples_ns: Sequence[int]) -> Latency:
    millis = [sample / 1e6 for sample in samples_ns]
    return Latency(len(millis), percentile(millis, 50), percentile(millis, 99))


@dataclass(frozen=True)
class Summary:
    """The five figures the issue sets targets for."""

    warm_ratio: float
    cache_hit_ratio: float
    not_modified_ratio: float
    cold_ratio: float
    upstream_per_request: float


# The upper bounds each figure is judged against: every figure is "lower is better".
TARGETS = Summary(
    warm_ratio=1.30,
    cache_hit_ratio=0.20,
    not_modified_ratio=1.0,
    cold_ratio=1.30,
    upstream_per_request=0.10,
)


def summary_line(summary: Summary) -> str:
    return (
        f"bench: warm_ratio={summary.warm_ratio:.2f}"
        f" cache_hit_ratio={summary.cache_hit_ratio:.2f}"
        f" not_modified_ratio={summary.not_modified_ratio:.2f}"
        f" cold_ratio={summary.cold_ratio:.2f}"
        f" upstream_per_request={summary.upstream_per_request:.3f}"
    )


def verdicts(summary: Summary, targets: Summary = TARGETS) -> dict[str, bool]:
    """Per figure, whether it meets its target, judged on the figure as printed (a ratio that
    prints as 1.30 meets a 1.30 target), so the line and the verdict never disagree."""
    decimals = {"upstream_per_request": 3}
    return {
        field.name: round(getattr(summary, field.name), decimals.get(field.name, 2))
        <= getattr(targets, field.name)
        for field in fields(Summary)
    }
