"""The benchmark's pure summary: medians, paired statistics, the summary line, target verdicts."""

from __future__ import annotations

import re

import pytest

from benchmarks.summary import (
    TARGETS,
    Spread,
    Summary,
    median,
    median_difference,
    median_ratio,
    percentile,
    summary_line,
    verdicts,
)

LINE = re.compile(
    r"bench: warm_overhead_us=-?\d+ hit_us=-?\d+ cold_overhead_ms=-?\d+"
    r" memory_ratio=\d+\.\d{3} realistic_ratio=\d+\.\d{3} upstream_per_request=\d+\.\d{3}"
)


def test_percentile_is_nearest_rank() -> None:
    # Given 1..2000 in shuffled order
    samples = [float(value) for value in range(2000, 0, -1)]

    # When / Then: p50 is the 1000th smallest, p99 the 1980th, p100 the largest
    assert percentile(samples, 50) == 1000.0
    assert percentile(samples, 99) == 1980.0
    assert percentile(samples, 100) == 2000.0


@pytest.mark.parametrize("percent", [0, -1, 101])
def test_percentile_refuses_a_percent_out_of_range(percent: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], percent)


def test_median_of_an_odd_count_is_the_middle_sample() -> None:
    assert median([9.0, 1.0, 5.0]) == 5.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([4.0, 1.0, 2.0, 100.0]) == 3.0


def test_median_refuses_no_samples() -> None:
    with pytest.raises(ValueError):
        median([])


def test_median_difference_is_taken_pair_by_pair() -> None:
    # Given a subject that is 10 more than its baseline in every pair, on a drifting machine
    baseline = [100.0, 300.0, 200.0, 900.0, 150.0]
    subject = [110.0, 310.0, 210.0, 910.0, 160.0]

    # When / Then: the drift cancels out, as it would not in a difference of medians of
    # shuffled series
    assert median_difference(subject, baseline) == 10.0


def test_median_ratio_is_taken_pair_by_pair() -> None:
    assert median_ratio([2.0, 30.0, 4.4], [1.0, 20.0, 4.0]) == 1.5


@pytest.mark.parametrize("statistic", [median_difference, median_ratio])
def test_paired_statistics_refuse_unpaired_series(statistic: object) -> None:
    with pytest.raises(ValueError, match="unpaired"):
        statistic([1.0, 2.0], [1.0])  # type: ignore[operator]


def test_median_ratio_refuses_a_baseline_that_is_not_positive() -> None:
    with pytest.raises(ValueError):
        median_ratio([1.0], [0.0])


def test_spread_holds_the_median_and_the_extremes_of_the_rounds() -> None:
    assert Spread.of([3.0, 1.0, 7.0, 2.0, 5.0]) == Spread(3.0, 1.0, 7.0)


def test_summary_line_has_the_documented_form() -> None:
    # Given figures with more digits than the line shows
    summary = Summary(
        warm_overhead_us=1049.6,
        hit_us=812.4,
        cold_overhead_ms=121.5,
        memory_ratio=1.14149,
        realistic_ratio=1.0555,
        upstream_per_request=0.05,
    )

    # When
    line = summary_line(summary)

    # Then
    assert line == (
        "bench: warm_overhead_us=1050 hit_us=812 cold_overhead_ms=122 memory_ratio=1.141"
        " realistic_ratio=1.056 upstream_per_request=0.050"
    )
    assert LINE.fullmatch(line)


def test_verdicts_judge_each_figure_as_printed() -> None:
    # Given figures just either side of their targets once printed
    summary = Summary(
        warm_overhead_us=300.4,  # prints 300: met
        hit_us=150.6,  # prints 151: missed
        cold_overhead_ms=25.0,
        memory_ratio=1.0504,  # prints 1.050: met
        realistic_ratio=1.0206,  # prints 1.021: missed
        upstream_per_request=0.0504,  # prints 0.050: met
    )

    # When
    met = verdicts(summary)

    # Then
    assert met == {
        "warm_overhead_us": True,
        "hit_us": False,
        "cold_overhead_ms": True,
        "memory_ratio": True,
        "realistic_ratio": False,
        "upstream_per_request": True,
    }


def test_targets_are_those_of_the_issue() -> None:
    assert TARGETS == Summary(300, 150, 25, 1.05, 1.02, 0.05)
