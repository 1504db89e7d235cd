"""Cold starts: fresh interpreters (`cold_child.py`), a bare boto3 one and a handler one per
pair, until each holds its first answer; CPU and peak RSS measured inside each, wall time from
spawn in the parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.containers import LineReader
from benchmarks.sizes import Sizes
from benchmarks.stage import Asset, log, trace_header
from benchmarks.summary import Spread, median_difference, median_ratio
from testing_support.events import COMMANDER, EXAMPLE_ARN, EXAMPLE_PATH, rest_event

CHILD = Path(__file__).with_name("cold_child.py")
CHILD_TIMEOUT_SECONDS = 60.0
EMPTY, BARE, HANDLER, COMPILED, FLOOR = "empty", "bare", "handler", "handler with .pyc", "floor"
SERIES = (BARE, HANDLER, COMPILED, FLOOR, EMPTY)


@dataclass(frozen=True)
class Start:
    """One cold start, in ms and KiB."""

    cpu_ms: float  # the child's CPU until its answer, interpreter start-up included
    wall_ms: float  # from just before spawning until the parent reads the answer
    peak_kib: int  # ru_maxrss once it holds the answer


@dataclass(frozen=True)
class Cold:
    starts: dict[str, list[Start]]  # by series, pair by pair
    overhead_cpu_ms: Spread  # handler over bare, median and min-max of the pairs' differences
    overhead_wall_ms: Spread
    compiled_overhead_cpu_ms: Spread
    floor_overhead_cpu_ms: Spread
    memory_ratio: Spread
    floor_memory_ratio: Spread
    import_profile: list[tuple[str, float]]  # package, ms: imported by the handler only
    import_total_ms: float
    bare_import_total_ms: float

    def column(self, series: str, field: str) -> list[float]:
        return [float(getattr(start, field)) for start in self.starts[series]]


@dataclass
class Spawner:
    """Fresh interpreters, one cold start each."""

    environment: Mapping[str, str]

    def run(
        self, mode: str, stdin: str, *flags: str, task_root: Path | None = None
    ) -> tuple[Start, str]:
        environment = {**self.environment, "_X_AMZN_TRACE_ID": trace_header(True)}
        if task_root is not None:
            environment["LAMBDA_TASK_ROOT"] = str(task_root)
        read_end, write_end = os.pipe()
        with tempfile.TemporaryFile() as errors:
            try:
                started = time.perf_counter_ns()
                child = subprocess.Popen(
                    [sys.executable, *flags, str(CHILD), mode, str(write_end)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    env=environment,
                    pass_fds=(write_end,),
                )
            except BaseException:
                os.close(read_end)
                raise
            finally:
                os.close(write_end)
            try:
                assert child.stdin is not None
                child.stdin.write(stdin.encode())
                child.stdin.close()
                try:
                    line = LineReader(read_end).line(CHILD_TIMEOUT_SECONDS).decode()
                except EOFError:
                    line = ""
                wall_ns = time.perf_counter_ns() - started
                child.wait(timeout=CHILD_TIMEOUT_SECONDS)
            finally:
                os.close(read_end)
                if child.poll() is None:  # it hung: leave nothing running
                    child.kill()
                    child.wait()
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        fields = line.split()
        expected = "0" if mode == EMPTY else "200"
        if child.returncode != 0 or len(fields) != 4 or fields[0] != expected:
            raise RuntimeError(f"cold {mode} child failed ({line!r}):\n{stderr[-2000:]}")
        _, cpu_ns, _, peak_kib = (int(field) for field in fields)
        return Start(cpu_ns / 1e6, wall_ns / 1e6, peak_kib), stderr


def imported_modules(stderr: str) -> dict[str, float]:
    """`-X importtime` output: each module's self import time, in ms."""
    modules: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        modules[name] = int(self_us) / 1000
    return modules


def package_of(module: str) -> str:
    # Powertools by feature (logging, event_handler, utilities.data_classes, ...), everything
    # else by top-level package.
    depth = 1
    if module.startswith("aws_lambda_powertools."):
        depth = 3 if module.startswith("aws_lambda_powertools.utilities.") else 2
    return ".".join(module.split(".")[:depth])


def extra_imports(
    handler: Mapping[str, float], bare: Mapping[str, float]
) -> list[tuple[str, float]]:
    """Modules the handler's cold start imports that boto3's does not, by package, self ms."""
    totals: dict[str, float] = {}
    for module, millis in handler.items():
        if module not in bare:
            totals[package_of(module)] = totals.get(package_of(module), 0.0) + millis
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def _differences(subject: Sequence[float], baseline: Sequence[float]) -> Spread:
    pairs = [a - b for a, b in zip(subject, baseline, strict=True)]
    return Spread(median_difference(subject, baseline), min(pairs), max(pairs))


def measure_cold(environment: Mapping[str, str], asset: Asset, sizes: Sizes) -> Cold:
    spawner = Spawner(environment)
    event = json.dumps(rest_event(EXAMPLE_PATH, COMMANDER))

    def once(series: str) -> Start:
        if series == EMPTY:
            return spawner.run(EMPTY, "")[0]
        if series == BARE:
            return spawner.run(BARE, EXAMPLE_ARN)[0]
        if series == FLOOR:
            return spawner.run(FLOOR, event)[0]
        root = asset.directory if series == HANDLER else asset.compiled
        return spawner.run(HANDLER, event, task_root=root)[0]

    for series in SERIES:  # the file cache warmed for every series alike
        once(series)
    log(f"cold start: {sizes.cold_pairs} fresh processes per series ({', '.join(SERIES)})")
    starts: dict[str, list[Start]] = {series: [] for series in SERIES}
    for index in range(sizes.cold_pairs):
        turn = index % len(SERIES)
        for series in (*SERIES[turn:], *SERIES[:turn]):
            starts[series].append(once(series))

    _, handler_imports = spawner.run(HANDLER, event, "-X", "importtime", task_root=asset.directory)
    _, bare_imports = spawner.run(BARE, EXAMPLE_ARN, "-X", "importtime")
    handler_modules, bare_modules = (
        imported_modules(handler_imports),
        imported_modules(bare_imports),
    )

    def column(series: str, field: str) -> list[float]:
        return [float(getattr(start, field)) for start in starts[series]]

    def memory(series: str) -> Spread:
        subject, bare = column(series, "peak_kib"), column(BARE, "peak_kib")
        ratios = [a / b for a, b in zip(subject, bare, strict=True)]
        return Spread(median_ratio(subject, bare), min(ratios), max(ratios))

    return Cold(
        starts=starts,
        overhead_cpu_ms=_differences(column(HANDLER, "cpu_ms"), column(BARE, "cpu_ms")),
        overhead_wall_ms=_differences(column(HANDLER, "wall_ms"), column(BARE, "wall_ms")),
        compiled_overhead_cpu_ms=_differences(column(COMPILED, "cpu_ms"), column(BARE, "cpu_ms")),
        floor_overhead_cpu_ms=_differences(column(FLOOR, "cpu_ms"), column(BARE, "cpu_ms")),
        memory_ratio=memory(HANDLER),
        floor_memory_ratio=memory(FLOOR),
        import_profile=extra_imports(handler_modules, bare_modules)[:10],
        import_total_ms=sum(handler_modules.values()),
        bare_import_total_ms=sum(bare_modules.values()),
    )
