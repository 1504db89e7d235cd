"""`make bench`: what the handler costs its Lambda container over a bare boto3 call, warm and
cold, what that is against an upstream 15 ms away, and what the cache spares SSM Contacts.

Every subject runs in a process of its own, as in its own Lambda container, with the deployed
environment (from cdk.json); the local SSM Contacts endpoint answers over real HTTP from another
process, so its CPU is nobody's. Writes benchmarks/results.md (a quick run
benchmarks/results-quick.md; $BENCH_RESULTS if set); the last line on stdout is the summary for
scripts. BENCH_QUICK=1 runs a few calls of each part only.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from benchmarks.cold import measure_cold
from benchmarks.polling import simulate_incident_polling, simulate_polling
from benchmarks.report import Results, console, report
from benchmarks.sizes import Sizes, sizes_from
from benchmarks.stage import (
    Endpoint,
    XRayDaemon,
    build_asset,
    lambda_environment,
    write_engagements,
)
from benchmarks.summary import Summary, summary_line
from benchmarks.warm import measure_realistic, measure_warm

RESULTS = Path(__file__).with_name("results.md")
# A quick run's figures mean little: they never overwrite the last full run's.
QUICK_RESULTS = Path(__file__).with_name("results-quick.md")
REALISTIC_DELAY_MS = 15.0
T = TypeVar("T")


def run(work: Path, sizes: Sizes) -> Results:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    engagements = write_engagements(work, sizes.polled_engagements)
    endpoint = Endpoint(engagements, work / "endpoint.log")
    slow = Endpoint(engagements, work / "slow-endpoint.log", delay_ms=REALISTIC_DELAY_MS)
    daemon = XRayDaemon()
    try:
        asset = build_asset(work)
        environment = lambda_environment(endpoint.url, daemon.port, asset.directory)
        phases: dict[str, float] = {}

        def timed(name: str, measure: Callable[[], T]) -> T:
            begun = time.perf_counter()
            result = measure()
            phases[name] = time.perf_counter() - begun
            return result

        warm = timed("warm", lambda: measure_warm(environment, endpoint, daemon, sizes))
        realistic = timed("realistic", lambda: measure_realistic(environment, slow, sizes))
        cold = timed("cold", lambda: measure_cold(environment, asset, sizes))
        polling = timed("polling", lambda: simulate_polling(environment, endpoint, sizes))
        incident = timed(
            "incident polling", lambda: simulate_incident_polling(environment, endpoint, sizes)
        )
    finally:
        endpoint.stop()
        slow.stop()
        daemon.close()
    summary = Summary(
        warm_overhead_us=warm.overhead_us[True].median,
        hit_us=warm.hit_us[True].median,
        cold_overhead_ms=cold.overhead_cpu_ms.median,
        memory_ratio=cold.memory_ratio.median,
        realistic_ratio=realistic.ratio[True].median,
        upstream_per_request=polling.per_request,
    )
    return Results(
        summary=summary,
        sizes=sizes,
        environment=environment,
        warm=warm,
        realistic=realistic,
        cold=cold,
        polling=polling,
        incident_polling=incident,
        asset=asset,
        seconds=time.perf_counter() - started,
        phases=phases,
        load=(load_before, os.getloadavg()[0]),
    )


def main() -> int:
    sizes = sizes_from(os.environ)
    default = QUICK_RESULTS if sizes.quick else RESULTS
    destination = Path(os.environ.get("BENCH_RESULTS") or default)
    with tempfile.TemporaryDirectory(prefix="engagement-proxy-bench-") as work:
        results = run(Path(work), sizes)
    destination.write_text(report(results), encoding="utf-8")
    for line in console(results):
        print(line)
    print(f"{results.seconds:.0f} s; details in {destination}")
    print(summary_line(results.summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
