"""`make bench`, short (BENCH_QUICK=1): the whole bench runs and reports; no timing is judged."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks.summary import TARGETS
from testing_support.stack import children_of, still_running

pytestmark = pytest.mark.e2e

LINE = re.compile(
    r"bench: warm_overhead_us=-?\d+ hit_us=-?\d+ cold_overhead_ms=-?\d+"
    r" memory_ratio=\d+\.\d{3} realistic_ratio=\d+\.\d{3} upstream_per_request=\d+\.\d{3}"
)


@dataclass(frozen=True)
class QuickRun:
    status: int
    stdout: str
    results: str
    left_running: set[int]
    committed_before: str
    committed_after: str


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuickRun]:
    results = tmp_path_factory.mktemp("bench") / "results.md"
    saved = {name: os.environ.get(name) for name in ("BENCH_QUICK", "BENCH_RESULTS")}
    os.environ.update(BENCH_QUICK="1", BENCH_RESULTS=str(results))
    committed = bench.RESULTS.read_text(encoding="utf-8")
    before = children_of(os.getpid())
    output = io.StringIO()
    try:
        with redirect_stdout(output):
            status = bench.main()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    left = still_running(children_of(os.getpid()) - before)
    yield QuickRun(
        status,
        output.getvalue(),
        Path(results).read_text(encoding="utf-8"),
        left,
        committed,
        bench.RESULTS.read_text(encoding="utf-8"),
    )


def test_quick_bench_ends_with_the_documented_summary_line(quick_run: QuickRun) -> None:
    # Given / When a quick run
    last_line = quick_run.stdout.splitlines()[-1]
    # Then it succeeded and its last stdout line is the summary scripts read
    assert quick_run.status == 0
    assert LINE.fullmatch(last_line), last_line


def test_quick_bench_reports_every_target_with_a_verdict(quick_run: QuickRun) -> None:
    # Given / When a quick run, its results file has a row per target, each met or missed
    for name in vars(TARGETS):
        row = re.search(rf"^\| `{name}` \|.*\| (met|\*\*missed\*\*) \|$", quick_run.results, re.M)
        assert row is not None, name
    # And it says that its figures are from a quick run
    assert "BENCH_QUICK=1" in quick_run.results


def test_quick_bench_leaves_no_process_running(quick_run: QuickRun) -> None:
    # Given / When a quick run, every container, cold start and endpoint it started is gone
    assert quick_run.left_running == set()


def test_quick_bench_leaves_the_last_full_results_alone(quick_run: QuickRun) -> None:
    # Given / When a quick run, benchmarks/results.md is as it was
    assert quick_run.committed_after == quick_run.committed_before
