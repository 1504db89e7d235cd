"""Medians, paired statistics, spreads over rounds, the issue's targets and the one summary line
scripts read. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields


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


def median(samples: Sequence[float]) -> float:
    """The middle sample, or the mean of the two middle ones."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _paired(subject: Sequence[float], baseline: Sequence[float]) -> None:
    if len(subject) != len(baseline):
        raise ValueError(f"unpaired series: {len(subject)} and {len(baseline)} samples")


def median_difference(subject: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of the pairwise differences subject[i] - baseline[i]: what `subject` costs over
    `baseline` when each pair ran back to back and so shared the machine's state."""
    _paired(subject, baseline)
    return median([a - b for a, b in zip(subject, baseline, strict=True)])


def median_ratio(subject: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of the pairwise ratios subject[i] / baseline[i]."""
    _paired(subject, baseline)
    if any(b <= 0 for b in baseline):
        raise ValueError("a baseline sample is not positive")
    return median([a / b for a, b in zip(subject, baseline, strict=True)])


@dataclass(frozen=True)
class Spread:
    """One figure over rounds: the median of the rounds' figures, and the lowest and highest."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(median(values), min(values), max(values))

    def scaled(self, factor: float) -> Spread:
        return Spread(self.median * factor, self.low * factor, self.high * factor)


@dataclass(frozen=True)
class Summary:
    """The six figures the issue sets targets for; every one is "lower is better"."""

    warm_overhead_us: float  # CPU of the handler over a bare call, cache off, sampled
    hit_us: float  # CPU of a whole request answered from the cache, sampled
    cold_overhead_ms: float  # CPU of a cold start over boto3's import, client and first call
    memory_ratio: float  # peak RSS after the first answer, handler over bare
    realistic_ratio: float  # wall time over a bare call against a 15 ms upstream
    upstream_per_request: float  # upstream calls per request, dashboards polling


# The upper bounds each figure is judged against: every figure is "lower is better".
TARGETS = Summary(
    warm_overhead_us=300,
    hit_us=150,
    cold_overhead_ms=25,
    memory_ratio=1.05,
    realistic_ratio=1.02,
    upstream_per_request=0.05,
)
# As printed on the summary line; a figure is judged as printed.
DECIMALS = {
    "warm_overhead_us": 0,
    "hit_us": 0,
    "cold_overhead_ms": 0,
    "memory_ratio": 3,
    "realistic_ratio": 3,
    "upstream_per_request": 3,
}


def printed(name: str, value: float) -> str:
    return f"{value:.{DECIMALS[name]}f}"


def summary_line(summary: Summary) -> str:
    return "bench: " + " ".join(
        f"{field.name}={printed(field.name, getattr(summary, field.name))}"
        for field in fields(Summary)
    )


def verdicts(summary: Summary, targets: Summary = TARGETS) -> dict[str, bool]:
    """Per figure, whether it meets its target, judged on the figure as printed (a ratio that
    prints as 1.020 meets a 1.02 target), so the line and the verdict never disagree."""
    return {
        field.name: float(printed(field.name, getattr(summary, field.name)))
        <= getattr(targets, field.name)
        for field in fields(Summary)
    }
