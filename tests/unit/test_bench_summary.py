"""The benchmark's pure summary: percentiles, the summary line scripts read, target verdicts."""

from __future__ import annotations

import re

import pytest

from benchmarks.summary import TARGETS, Summary, latency_ms, percentile, summary_line, verdicts

LINE = re.compile(
    r"bench: warm_ratio=\d+\.\d{2} cache_hit_ratio=\d+\.\d{2} not_modified_ratio=\d+\.\d{2}"
    r" cold_ratio=\d+\.\d{2} upstream_per_request=\d+\.\d{3}"
)


def test_percentile_is_nearest_rank() -> None:
    # Given 1..2000 in shuffled order
    samples = [float(value) for value in range(2000, 0, -1)]

    # When / Then: p50 is the 1000th smallest, p99 the 1980th, p100 the largest
    assert percentile(samples, 50) == 1000.0
    assert percentile(samples, 99) == 1980.0
    assert percentile(samples, 100) == 2000.0


def test_percentile_of_few_samples_is_one_of_them() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([3.0, 1.0, 2.0], 99) == 3.0


@pytest.mark.parametrize("percent", [0, -1, 101])
def test_percentile_refuses_a_percent_out_of_range(percent: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], percent)


def test_percentile_refuses_no_samples() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_converts_nanoseconds_to_milliseconds() -> None:
    latency = latency_ms([2_000_000] * 99 + [9_000_000])

    assert (latency.count, latency.p50_ms, latency.p99_ms) == (100, 2.0, 2.0)
    assert latency_ms([1_000_000] * 98 + [9_000_000] * 2).p99_ms == 9.0


def test_summary_line_has_the_documented_form() -> None:
    # Given figures with more digits than the line shows
    summary = Summary(1.23456, 0.1, 0.994, 1.3049, 0.05)

    # When
    line = summary_line(summary)

    # Then
    assert line == (
        "bench: warm_ratio=1.23 cache_hit_ratio=0.10 not_modified_ratio=0.99"
        " cold_ratio=1.30 upstream_per_request=0.050"
    )
    assert LINE.fullmatch(line)


def test_verdicts_judge_each_figure_as_printed() -> None:
    # Given a cold ratio that prints as the target and a warm ratio that prints above it
    summary = Summary(1.306, 0.2, 1.0, 1.304, 0.1004)

    # When
    met = verdicts(summary)

    # Then
    assert met == {
        "warm_ratio": False,
        "cache_hit_ratio": True,
        "not_modified_ratio": True,
        "cold_ratio": True,
        "upstream_per_request": True,
    }


def test_targets_are_those_of_the_issue() -> None:
    assert TARGETS == Summary(1.30, 0.20, 1.0, 1.30, 0.10)
