"""benchmarks/results.md from one run's figures, and the few lines `make bench` prints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from benchmarks.cold import BARE, COMPILED, EMPTY, FLOOR, HANDLER, SERIES, Cold
from benchmarks.polling import POLL_PERIOD_SECONDS, SAMPLED_EVERY, IncidentPolling, Polling
from benchmarks.sizes import Sizes
from benchmarks.stage import Asset, machine
from benchmarks.summary import TARGETS, Spread, Summary, median, printed, verdicts
from benchmarks.warm import BARE as WARM_BARE
from benchmarks.warm import (
    FLOOR_HIT,
    FLOOR_MISS,
    HIT,
    MISS,
    NOT_MODIFIED,
    Realistic,
    Warm,
    sampled_name,
)

# Variables of the deployed environment worth naming in the report: they change what runs.
_SHOWN_SETTINGS = ("POWERTOOLS", "TRACE", "TRACING", "CACHE_ENABLED", "UPSTREAM_TIMEOUT")


@dataclass(frozen=True)
class Results:
    summary: Summary
    sizes: Sizes
    environment: Mapping[str, str]
    warm: Warm
    realistic: Realistic
    cold: Cold
    polling: Polling
    incident_polling: IncidentPolling
    asset: Asset
    seconds: float
    phases: dict[str, float]  # seconds each part took
    load: tuple[float, float]  # 1-minute load average at the start and at the end


def spread(value: Spread, decimals: int = 0) -> str:
    return f"{value.median:.{decimals}f} ({value.low:.{decimals}f} to {value.high:.{decimals}f})"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def target_rows(results: Results) -> list[str]:
    summary, warm, cold = results.summary, results.warm, results.cold
    over_rounds = {
        "warm_overhead_us": spread(warm.overhead_us[True]),
        "hit_us": spread(warm.hit_us[True]),
        "cold_overhead_ms": spread(cold.overhead_cpu_ms, 1) + " over pairs",
        "memory_ratio": spread(cold.memory_ratio, 3) + " over pairs",
        "realistic_ratio": spread(results.realistic.ratio[True], 3),
        "upstream_per_request": "one simulated run",
    }
    met = verdicts(summary)
    rows = []
    for field in fields(Summary):
        name = field.name
        value, bound = getattr(summary, name), getattr(TARGETS, name)
        rows.append(
            f"| `{name}` | {printed(name, value)} | {over_rounds[name]} "
            f"| ≤ {bound:g} | {_verdict(met[name])} |"
        )
    return rows


def reading(results: Results) -> str:
    """The one-paragraph reading, from this run's own figures."""
    summary, warm, cold, realistic = results.summary, results.warm, results.cold, results.realistic
    cpu = warm.rounds.cpu_us
    missed = [name for name, ok in verdicts(summary).items() if not ok]
    top = ", ".join(f"`{name}` {ms:.0f} ms" for name, ms in cold.import_profile[:3])
    handler_cpu = median([start.cpu_ms for start in cold.starts[HANDLER]])
    bare_cpu = median([start.cpu_ms for start in cold.starts[BARE]])
    return (
        f"A bare `describe_engagement` cost its container {cpu[WARM_BARE].median:.0f} µs of CPU. "
        f"With the cache off the handler's container spent {summary.warm_overhead_us:.0f} µs "
        f"more on a sampled request and {warm.overhead_us[False].median:.0f} µs more on an "
        "unsampled one (about 95% of a busy function's requests). Answered from the cache, a "
        f"whole request cost {summary.hit_us:.0f} µs sampled, "
        f"{warm.hit_us[False].median:.0f} µs unsampled; a 304 "
        f"{warm.not_modified_us[True].median:.0f} µs. Against an upstream that answers after "
        f"{realistic.delay_ms:g} ms, a request through the handler took "
        f"{summary.realistic_ratio:.3f} times the bare call's wall time "
        f"(+{realistic.overhead_wall_us[True].median:.0f} µs). Cold, the handler's process "
        f"held its first answer after {handler_cpu:.0f} ms of CPU against {bare_cpu:.0f} ms for "
        f"boto3 alone (+{summary.cold_overhead_ms:.0f} ms; "
        f"+{cold.compiled_overhead_cpu_ms.median:.0f} ms with unchecked-hash `.pyc` in the "
        f"asset), at {summary.memory_ratio:.3f} times its peak RSS; the modules only the handler "
        f"imports are led by {top}. The cache turned {results.polling.requests} polls into "
        f"{results.polling.upstream_calls} upstream calls. The hand-written floor "
        f"(`benchmarks/floor_handler.py`: the same log line and EMF document, no validation) "
        f"costs {warm.floor_overhead_us.median:.0f} µs over the bare call, "
        f"{warm.floor_hit_us.median:.0f} µs per cache hit, "
        f"+{cold.floor_overhead_cpu_ms.median:.0f} ms cold at "
        f"{cold.floor_memory_ratio.median:.3f} times the peak RSS, on this machine in this run. "
        + (
            "Every target is met."
            if not missed
            else "Missed: " + ", ".join(f"`{name}`" for name in missed) + "."
        )
    )


def _warm_rows(warm: Warm) -> list[str]:
    names = [
        WARM_BARE,
        *(
            sampled_name(name, sampled)
            for name in (MISS, HIT, NOT_MODIFIED)
            for sampled in (True, False)
        ),
        FLOOR_MISS,
        FLOOR_HIT,
    ]
    return [
        f"| {name} | {spread(warm.rounds.cpu_us[name])} | {spread(warm.rounds.wall_us[name])} |"
        for name in names
    ]


def _cold_rows(cold: Cold) -> list[str]:
    labels = {
        BARE: "`import boto3`, client, first `describe_engagement`",
        HANDLER: "import the handler (deployed asset, no `.pyc`), first request",
        COMPILED: "same, unchecked-hash `.pyc` in the asset (not what is deployed)",
        FLOOR: "the hand-written floor (`benchmarks/floor_handler.py`), first request",
        EMPTY: "empty interpreter (`cold_child.py empty`)",
    }
    rows = []
    for series in SERIES:
        cpu = Spread.of(cold.column(series, "cpu_ms"))
        wall = Spread.of(cold.column(series, "wall_ms"))
        peak = Spread.of(cold.column(series, "peak_kib")).scaled(1 / 1024)
        rows.append(
            f"| {labels[series]} | {spread(cpu, 1)} | {spread(wall, 1)} | {spread(peak, 1)} |"
        )
    return rows


def _settings(environment: Mapping[str, str]) -> str:
    shown = sorted(
        f"`{name}={value}`"
        for name, value in environment.items()
        if any(part in name for part in _SHOWN_SETTINGS) and name != "_X_AMZN_TRACE_ID"
    )
    return ", ".join(shown) or "none"


def report(results: Results) -> str:
    summary, warm, cold, polling, asset = (
        results.summary,
        results.warm,
        results.cold,
        results.polling,
        results.asset,
    )
    realistic, sizes = results.realistic, results.sizes
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.bench`); do not edit by hand."
        + (" **A BENCH_QUICK=1 run: too few calls to read anything from.**" if sizes.quick else ""),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in machine().items()),
        f"| Load average (1 min), start / end | {results.load[0]:.2f} / {results.load[1]:.2f} |",
        f"| Whole run | {results.seconds:.0f} s ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.phases.items())
        + ") |",
        "",
        "## Targets",
        "",
        "Medians, with the lowest and highest round (or pair) in brackets; sampled requests. "
        "A figure meets its target as printed on the summary line. These are evidence from one "
        "shared machine, never a pass/fail test.",
        "",
        "| figure | value | spread | target | |",
        "|---|---|---|---|---|",
        *target_rows(results),
        "",
        "## Reading",
        "",
        reading(results),
        "",
        "## Warm requests",
        "",
        f"{sizes.warm_rounds} rounds, each with fresh containers: a bare boto3 one, a handler "
        "one with the cache off and a handler one with the cache on. In a round every series "
        f"ran {sizes.warm_calls} times after {sizes.warm_up} untimed calls, interleaved call by "
        "call (rotating which goes first). CPU is `time.process_time_ns()` of the container's "
        "whole process around `lambda_handler(event, context)` or "
        "`client.describe_engagement(...)`, taken inside that process; wall time likewise with "
        "`perf_counter_ns`. Per round the median of the calls; below, the median of the rounds "
        "and the lowest and highest round.",
        "",
        "| series | CPU µs | wall µs |",
        "|---|---|---|",
        *_warm_rows(warm),
        "",
        "| handler over the bare call (median of the paired differences) | CPU µs |",
        "|---|---|",
        *(
            f"| cache off, {'sampled' if sampled else 'unsampled'} "
            f"| {spread(warm.overhead_us[sampled])} |"
            for sampled in (True, False)
        ),
        f"| hand-written floor, cache off | {spread(warm.floor_overhead_us)} |",
        "",
        "X-Ray datagrams sent by one request, before timing: "
        + ", ".join(f"{name}: {count}" for name, count in warm.datagrams.items())
        + " (bare calls and unsampled requests are checked to send none). The cached answer is "
        f"{warm.body_bytes} body bytes; a 304 sends none of them.",
        "",
        f"## Against an upstream {realistic.delay_ms:g} ms away",
        "",
        f"The local endpoint waiting {realistic.delay_ms:g} ms before every answer (as a network "
        f"and the service add), cache off. {sizes.realistic_rounds} rounds of fresh containers, "
        f"{sizes.realistic_calls} calls per series after {sizes.realistic_warm_up} untimed, "
        "interleaved. Wall time inside each container around the call.",
        "",
        "| series | CPU µs | wall µs |",
        "|---|---|---|",
        *(
            f"| {name} | {spread(realistic.rounds.cpu_us[name])} "
            f"| {spread(realistic.rounds.wall_us[name])} |"
            for name in realistic.rounds.cpu_us
        ),
        "",
        "| handler over the bare call | wall ratio (median of paired ratios) | wall µs | CPU µs |",
        "|---|---|---|---|",
        *(
            f"| {'sampled' if sampled else 'unsampled'} | {spread(realistic.ratio[sampled], 3)} "
            f"| {spread(realistic.overhead_wall_us[sampled])} "
            f"| {spread(realistic.overhead_cpu_us[sampled])} |"
            for sampled in (True, False)
        ),
        "",
        "## Cold start",
        "",
        f"{sizes.cold_pairs} rounds of fresh interpreters (`benchmarks/cold_child.py`), one per "
        "series, in rotation, after one untimed run each; the first request sampled. CPU is the "
        "child's `time.process_time_ns()` once it holds its answer (interpreter start-up "
        "included, the same for every series); wall time from just before spawning until the "
        "parent reads the answer; peak RSS the child's `ru_maxrss` then. Children write no "
        "bytecode: the handler is imported from the asset as deployed, without `.pyc` "
        "(Lambda's `/var/task` is read-only, so it compiles at every cold start).",
        "",
        "| series | CPU ms | wall ms | peak RSS MiB |",
        "|---|---|---|---|",
        *_cold_rows(cold),
        "",
        "| handler over bare, pair by pair | median (lowest to highest) |",
        "|---|---|",
        f"| CPU ms | {spread(cold.overhead_cpu_ms, 1)} |",
        f"| wall ms | {spread(cold.overhead_wall_ms, 1)} |",
        "| CPU ms, unchecked-hash `.pyc` in the asset "
        f"| {spread(cold.compiled_overhead_cpu_ms, 1)} |",
        f"| peak RSS ratio | {spread(cold.memory_ratio, 3)} |",
        f"| CPU ms, hand-written floor | {spread(cold.floor_overhead_cpu_ms, 1)} |",
        f"| peak RSS ratio, hand-written floor | {spread(cold.floor_memory_ratio, 3)} |",
        "",
        "`-X importtime`, one run of each child (self times summed, inflated by the "
        f"instrumentation): handler child {cold.import_total_ms:.1f} ms, boto3 child "
        f"{cold.bare_import_total_ms:.1f} ms. Modules only the handler imports, by package:",
        "",
        "| package | import ms (self, summed) |",
        "|---|---|",
        *(f"| `{name}` | {ms:.1f} |" for name, ms in cold.import_profile),
        "",
        "## Polling",
        "",
        f"{polling.dashboards} dashboards poll the same {polling.engagements} running "
        f"engagements every {POLL_PERIOD_SECONDS:g} s for {polling.simulated_seconds:g} "
        "simulated seconds through one handler container, the cache on as deployed (running "
        f"TTL {polling.running_ttl_seconds:g} s), its `time.monotonic` on a simulated clock. "
        "Phases are spread evenly over a period; half poll as a dashboard role (redacted tier), "
        "half as an incident commander (full tier); each sends `If-None-Match` with its last "
        f"ETag; one request in {SAMPLED_EVERY} is sampled. Upstream calls are counted where "
        "they arrive, in the local endpoint's request log.",
        "",
        "| | |",
        "|---|---|",
        f"| requests served | {polling.requests} |",
        *(f"| answered {status} | {count} |" for status, count in polling.statuses.items()),
        f"| upstream calls | {polling.upstream_calls} |",
        f"| upstream calls per request | {summary.upstream_per_request:.3f} |",
        "",
        "### The incident roll-up",
        "",
        f"{results.incident_polling.dashboards} dashboards poll the seeded incident's "
        "`GET /incidents/{incident}/engagements` (two engagements in two regions, their pages "
        f"and receipts) every {POLL_PERIOD_SECONDS:g} s for "
        f"{results.incident_polling.simulated_seconds:g} simulated seconds, the same way.",
        "",
        "| | |",
        "|---|---|",
        f"| roll-ups served | {results.incident_polling.answers} |",
        f"| upstream calls for one roll-up, nothing cached | "
        f"{results.incident_polling.calls_uncached} |",
        f"| upstream calls | {results.incident_polling.upstream_calls} |",
        f"| upstream calls per roll-up | {results.incident_polling.per_answer:.3f} |",
        "",
        "## Deployed asset",
        "",
        "`lambda/` holding only `engagement_proxy/` (no `__pycache__`), zipped (deflate): "
        f"**{asset.zip_bytes:,} bytes** ({asset.zip_bytes / 1024:.1f} KiB), {asset.files} files. "
        + (
            "`lambda/` holds nothing else."
            if not asset.strays
            else "`lambda/` also holds "
            + ", ".join(f"`{name}`" for name in asset.strays)
            + ", which CDK would ship too."
        ),
        "",
        "## Set-up",
        "",
        "- Containers: `benchmarks/container_child.py` processes, driven over a pipe, one JSON "
        "command per invocation (a fresh API Gateway REST event with its own request id, and a "
        "fresh `_X_AMZN_TRACE_ID`, `Sampled=1` or `Sampled=0`, set in the process environment "
        "as the runtime does). Their stdout, where the handler writes its JSON logs and EMF "
        "metrics, is /dev/null.",
        "- Handler: the deployed environment (`infra.config` `lambda_environment()` from "
        "`cdk.json`, with the tests' REST access-policy rules and regions us-east-2,us-west-2) "
        "plus what the Lambda runtime sets: `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_*`, role credentials "
        "with a session token, `AWS_XRAY_DAEMON_ADDRESS` (a UDP socket of the bench standing in "
        "for the daemon); nothing else from this machine's environment but `PATH`, `HOME` and "
        f"the locale. Settings that change what runs: {_settings(results.environment)}. The "
        "cache-off container adds `CACHE_ENABLED=false`; the cache-on one the longest TTLs, so "
        "that every timed request is a hit (checked: the endpoint's request log counts exactly "
        "the bare and cache-off calls, plus one to fill the cache). Caller: an incident "
        "commander (full tier), short engagement path.",
        "- Bare container: `boto3.client('ssm-contacts')` with default configuration, the same "
        "environment, endpoint, credentials and engagement; it never imports Powertools.",
        "- Hand-written floor: `benchmarks/floor_handler.py`, stdlib and boto3 only, in "
        "containers of its own beside the handler's (cache off, cache on), the same events; a "
        "reference for what the job itself costs, not a handler to deploy.",
        "- Endpoint: `python -m local.ssm_contacts` in its own process, awsJson1.1 over HTTP/1.0 "
        "on 127.0.0.1: every call, proxied or bare, opens a new TCP connection.",
    ]
    return "\n".join(lines) + "\n"


def console(results: Results) -> list[str]:
    """What `make bench` prints before the summary line: each figure against its target."""
    met = verdicts(results.summary)
    return [
        f"{name}: {printed(name, getattr(results.summary, name))} "
        f"(target ≤ {getattr(TARGETS, name):g}) {'met' if met[name] else 'MISSED'}"
        for name in met
    ]
