"""`make bench`: what the proxy costs over a bare boto3 call, warm and cold, and what its cache
spares SSM Contacts, all against the local SSM Contacts endpoint over real HTTP on loopback.

The handler runs as it would in Lambda as far as that can be had offline: the deployed
environment variables (from the CDK config), LAMBDA_TASK_ROOT set, tracing on (the function has
active tracing) with a fresh sampled `_X_AMZN_TRACE_ID` per invocation and segments sent over UDP
to a stand-in X-Ray daemon, and its logs and EMF metrics written to stdout (sent to /dev/null).
Writes benchmarks/results.md; the last line on stdout is the summary for scripts.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from benchmarks.summary import TARGETS, Latency, Summary, latency_ms, summary_line, verdicts
from local.ssm_contacts import DEFAULT_ENGAGEMENTS
from tests.events import (
    COMMANDER,
    DASHBOARD,
    EXAMPLE_ARN,
    EXAMPLE_CONTACT,
    EXAMPLE_UUID,
    POLICY,
    SERVED_ACCOUNT,
    LambdaContext,
    rest_event,
)

if TYPE_CHECKING:
    from engagement_proxy.config import CachePolicy

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = ROOT / "lambda"
CHILD = Path(__file__).with_name("cold_child.py")
RESULTS = Path(__file__).with_name("results.md")
REGION = "us-east-2"
SERVED_REGIONS = ["us-east-2", "us-west-2"]

WARM_ITERATIONS = 2_000
WARM_UP = 200
COLD_RUNS = 21  # odd: the median is one run
CHILD_TIMEOUT_SECONDS = 60.0
DASHBOARDS = 20
POLLED_ENGAGEMENTS = 10
POLL_PERIOD_SECONDS = 5.0
SIMULATED_SECONDS = 120.0

# `lambda` is a keyword, never a package: its directory goes on sys.path as in the Lambda runtime.
if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))
# The handler's modules compile in memory: this run writes nothing into lambda/.
sys.dont_write_bytecode = True


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- the stage: endpoint, X-Ray daemon stand-in, asset, environment ----------------------------


class LocalEndpoint:
    """The local SSM Contacts endpoint in its own process (so that it shares no GIL with the
    callers being timed); upstream calls are counted where they arrive, in its request log."""

    def __init__(self, engagements: Path, log_path: Path) -> None:
        self._log_path = log_path
        self._log = log_path.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.ssm_contacts", "--engagements", str(engagements)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline().decode()
        if "listening on " not in ready:
            self.stop()
            raise RuntimeError(f"the local SSM Contacts endpoint did not start: {ready!r}")
        self.url = ready.split("listening on ", 1)[1].strip()

    def upstream_calls(self) -> int:
        # One line per request, written before the answer is sent: complete once we hold ours.
        text = self._log_path.read_text(encoding="utf-8", errors="replace")
        return text.count("operation=DescribeEngagement")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()


def polled_arn(index: int) -> str:
    contact = f"bench_oncall_{index}"
    engagement_id = uuid.uuid5(uuid.NAMESPACE_URL, f"engagement-proxy-bench/{index}")
    return f"arn:aws:ssm-contacts:{REGION}:{SERVED_ACCOUNT}:engagement/{contact}/{engagement_id}"


def write_engagements(directory: Path) -> Path:
    """The seed engagements plus POLLED_ENGAGEMENTS running ones (the short TTL: the worst case
    for the cache), cloned from the seed's running engagement."""
    seed: dict[str, dict[str, Any]] = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
    running = next(record for record in seed.values() if "StopTime" not in record)
    engagements = dict(seed)
    for index in range(POLLED_ENGAGEMENTS):
        arn = polled_arn(index)
        engagements[arn] = {
            **running,
            "EngagementArn": arn,
            "ContactArn": arn.split(":engagement/")[0] + f":contact/bench_oncall_{index}",
        }
    path = directory / "engagements.json"
    path.write_text(json.dumps(engagements, indent=1), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Asset:
    directory: Path  # the asset root as deployed: engagement_proxy/ only, no bytecode
    compiled: Path  # the same with bytecode, for comparison
    zip_bytes: int
    files: int
    strays: list[str]  # anything else in lambda/ that CDK would also ship


def build_asset(work: Path) -> Asset:
    """lambda/ holding only engagement_proxy/, without what infra/function.py ASSET_EXCLUDES
    leaves out (__pycache__, *.pyc, dotfiles), zipped as a deployment package."""
    excluded = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    strays = sorted(
        path.name
        for path in LAMBDA_DIR.iterdir()
        if path.name != "engagement_proxy" and not excluded(str(LAMBDA_DIR), [path.name])
    )
    directory = work / "asset"
    shutil.copytree(
        LAMBDA_DIR / "engagement_proxy", directory / "engagement_proxy", ignore=excluded
    )
    archive = work / "asset.zip"
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in files:
            zipped.write(path, path.relative_to(directory).as_posix())
    compiled = work / "asset-compiled"
    shutil.copytree(directory, compiled)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(compiled)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return Asset(directory, compiled, archive.stat().st_size, len(files), strays)


def lambda_environment(endpoint_url: str, daemon_port: int) -> dict[str, str]:
    """The deployed function's environment (infra's own `lambda_environment`, from cdk.json with
    this bench's policy and regions) plus what the Lambda runtime sets."""
    from infra.config import CONTEXT_KEY, load_config

    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    deployment = load_config(
        {
            CONTEXT_KEY: {
                **context[CONTEXT_KEY],
                "served_regions": SERVED_REGIONS,
                # The REST entrance's rules: this bench calls through it only, and token rules
                # need an OIDC issuer deployed.
                "access_policy": {"rules": [r for r in POLICY["rules"] if "issuer" not in r]},
            }
        }
    )
    return {
        **deployment.lambda_environment(SERVED_ACCOUNT),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The execution role's temporary credentials, as the runtime passes them.
        "AWS_ACCESS_KEY_ID": "ASIABENCHLAMBDAROLE0",
        "AWS_SECRET_ACCESS_KEY": "bench-only-not-a-real-secret",
        "AWS_SESSION_TOKEN": "bench-only-session-token",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_SSM_CONTACTS": endpoint_url,
        "LAMBDA_TASK_ROOT": str(LAMBDA_DIR),
        "AWS_LAMBDA_FUNCTION_NAME": "engagement-proxy",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(deployment.memory_size_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/engagement-proxy",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon_port}",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": trace_header(),
    }


def trace_header(sampled: bool = True) -> str:
    """What the Lambda service sets per invocation of a function with active tracing. X-Ray's
    default rule samples the first request each second and 5% of the rest."""
    root = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    return f"Root={root};Parent={os.urandom(8).hex()};Sampled={int(sampled)}"


def new_trace(sampled: bool = True) -> None:
    os.environ["_X_AMZN_TRACE_ID"] = trace_header(sampled)


def drain(sink: socket.socket) -> int:
    """Datagrams waiting at the X-Ray daemon stand-in, discarded."""
    count = 0
    while True:
        try:
            sink.recv(65_536)
        except BlockingIOError:
            return count
        count += 1


def bare_client() -> Any:
    """A plain boto3 client, as an application without the proxy would call SSM Contacts. The
    handler's Tracer patches no library, so this client is stock boto3 (the bench checks that
    it sends no trace data)."""
    return boto3.client("ssm-contacts", region_name=REGION)


@contextmanager
def stdout_to_devnull() -> Iterator[None]:
    """The handler's log lines and EMF metrics go to stdout, as in Lambda; here to /dev/null,
    at the file-descriptor level so Powertools' own stream handler is covered too."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def cache_policy() -> CachePolicy:
    """The handler's cache policy as configured by the deployed environment."""
    from engagement_proxy import handler

    if handler.SETTINGS is None or handler.SETTINGS.cache is None:
        raise RuntimeError(f"the handler is not configured as deployed: {handler.CONFIG_ERROR}")
    return handler.SETTINGS.cache


# --- warm -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    call: Callable[[], Any]
    before: Callable[[], None] = lambda: None


def interleaved(subjects: Sequence[Subject], iterations: int) -> list[Latency]:
    """All series in one loop, rotating which goes first, so they share the machine's noise."""
    for _ in range(WARM_UP):
        for subject in subjects:
            subject.before()
            subject.call()
    samples: list[list[int]] = [[] for _ in subjects]
    clock = time.perf_counter_ns
    count = len(subjects)
    gc.collect()
    for index in range(iterations):
        for which in (*range(index % count, count), *range(index % count)):
            subject = subjects[which]
            subject.before()
            start = clock()
            subject.call()
            samples[which].append(clock() - start)
    return [latency_ms(series) for series in samples]


@dataclass(frozen=True)
class Warm:
    no_cache: Latency
    no_cache_unsampled: Latency
    bare_vs_no_cache: Latency
    cache_hit: Latency
    cache_hit_unsampled: Latency
    bare_vs_cache_hit: Latency
    not_modified: Latency
    full_answer: Latency
    datagrams_per_traced_request: int
    body_bytes: int


def require(condition: bool, message: str) -> None:
    """A check on the set-up being measured: the bench stops rather than time the wrong thing."""
    if not condition:
        raise RuntimeError(message)


def status_of(answer: Any) -> int:
    """The HTTP status of a handler response or of a boto3 answer."""
    if "statusCode" in answer:
        return int(answer["statusCode"])
    return int(answer["ResponseMetadata"]["HTTPStatusCode"])


def header(response: Mapping[str, Any], name: str) -> str:
    """A response header from either shape Powertools returns (REST: multiValueHeaders)."""
    single = response.get("headers") or {}
    if name in single:
        return str(single[name])
    return str((response.get("multiValueHeaders") or {})[name][0])


def measure_warm(endpoint: LocalEndpoint, sink: socket.socket) -> Warm:
    from engagement_proxy import handler
    from engagement_proxy.cache import EngagementCache

    context = LambdaContext()
    short_path = f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}"

    def proxied(headers: dict[str, str] | None = None, sampled: bool = True) -> Subject:
        event = rest_event(short_path, COMMANDER, headers=headers)

        def call() -> dict[str, Any]:
            response: dict[str, Any] = handler.lambda_handler(event, context)
            return response

        return Subject(call, before=lambda: new_trace(sampled))

    bare = bare_client()
    proxy, unsampled = proxied(), proxied(sampled=False)
    baseline = Subject(lambda: bare.describe_engagement(EngagementId=EXAMPLE_ARN))

    # Prove the set-up before timing it: each path answers; only sampled handler requests trace.
    handler.CACHE = None
    datagrams = []
    for subject in (proxy, unsampled, baseline):
        drain(sink)
        subject.before()
        answer = subject.call()
        require(status_of(answer) == 200, f"a first call failed: {answer}")
        time.sleep(0.05)  # the datagrams are on loopback; give the kernel a moment
        datagrams.append(drain(sink))
    require(datagrams[0] > 0, "the handler sent no X-Ray segments: tracing is not as deployed")
    require(datagrams[1:] == [0, 0], f"unsampled or bare calls sent X-Ray segments: {datagrams}")

    log(
        f"1/5 warm, cache off: {WARM_ITERATIONS} handler requests (sampled, unsampled) and bare "
        "calls, interleaved"
    )
    before = endpoint.upstream_calls()
    no_cache, no_cache_unsampled, bare_1 = interleaved(
        [proxy, unsampled, baseline], WARM_ITERATIONS
    )
    expected = 3 * (WARM_ITERATIONS + WARM_UP)
    if endpoint.upstream_calls() - before != expected:
        raise RuntimeError("with the cache off, not every request went upstream once")

    # A clock that never moves: every request after the first is a hit, whatever the run's pace.
    handler.CACHE = EngagementCache(cache_policy(), clock=lambda: 0.0)
    full = proxy.call()
    require(status_of(full) == 200, f"the first cached answer failed: {full}")
    log(
        f"2/5 warm, cache hits: {WARM_ITERATIONS} handler requests (sampled, unsampled) and bare "
        "calls, interleaved"
    )
    before = endpoint.upstream_calls()
    cache_hit, cache_hit_unsampled, bare_2 = interleaved(
        [proxy, unsampled, baseline], WARM_ITERATIONS
    )
    if endpoint.upstream_calls() - before != WARM_ITERATIONS + WARM_UP:
        raise RuntimeError("a cache hit went upstream")

    conditional = proxied(headers={"If-None-Match": header(full, "ETag")})
    answer = conditional.call()
    require(status_of(answer) == 304 and not answer["body"], f"no empty 304: {answer}")
    log(f"3/5 warm, 304 vs 200 (cache on): {WARM_ITERATIONS} of each, interleaved")
    not_modified, full_answer = interleaved([conditional, proxy], WARM_ITERATIONS)
    return Warm(
        no_cache,
        no_cache_unsampled,
        bare_1,
        cache_hit,
        cache_hit_unsampled,
        bare_2,
        not_modified,
        full_answer,
        datagrams[0],
        len(full["body"].encode()),
    )


# --- cold -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cold:
    empty: Latency
    boto3: Latency
    handler: Latency
    handler_compiled: Latency
    import_profile: list[tuple[str, float]]  # package, ms: imported by the handler only
    import_total_ms: float
    boto3_import_total_ms: float


@dataclass
class Spawner:
    """Fresh interpreters, one cold start each, timed from spawn until the answer is in hand."""

    environment: dict[str, str]

    def run(
        self, mode: str, stdin: str, *flags: str, task_root: Path | None = None
    ) -> tuple[int, str]:
        environment = {
            **self.environment,
            "_X_AMZN_TRACE_ID": trace_header(),
            # Lambda's /var/task is read-only: the package compiles at every cold start.
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if task_root is not None:
            environment["LAMBDA_TASK_ROOT"] = str(task_root)
        read_end, write_end = os.pipe()
        with tempfile.TemporaryFile() as errors:
            try:
                start = time.perf_counter_ns()
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
                status = _read_line(read_end, CHILD_TIMEOUT_SECONDS)
                elapsed = time.perf_counter_ns() - start
                child.wait(timeout=CHILD_TIMEOUT_SECONDS)
            finally:
                os.close(read_end)
                if child.poll() is None:  # it hung: leave nothing running
                    child.kill()
                    child.wait()
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        expected = "0" if mode == "empty" else "200"
        if child.returncode != 0 or status != expected:
            raise RuntimeError(f"cold {mode} child failed ({status!r}):\n{stderr[-2000:]}")
        return elapsed, stderr


def _read_line(fd: int, timeout_seconds: float) -> str:
    """One line from a pipe, or what came before the writer closed it."""
    deadline = time.monotonic() + timeout_seconds
    data = b""
    while not data.endswith(b"\n"):
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise TimeoutError(f"no answer from a cold-start child in {timeout_seconds:g} s")
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


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
    handler: Mapping[str, float], boto3: Mapping[str, float]
) -> list[tuple[str, float]]:
    """Modules the handler's cold start imports that boto3's does not, by package, self ms."""
    totals: dict[str, float] = {}
    for module, millis in handler.items():
        if module not in boto3:
            totals[package_of(module)] = totals.get(package_of(module), 0.0) + millis
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def measure_cold(asset: Asset) -> Cold:
    spawner = Spawner(dict(os.environ))
    event = json.dumps(rest_event(f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}", COMMANDER))
    series: dict[str, list[int]] = {"empty": [], "boto3": [], "handler": [], "compiled": []}

    def once(name: str) -> int:
        if name == "empty":
            return spawner.run("empty", "")[0]
        if name == "boto3":
            return spawner.run("boto3", EXAMPLE_ARN)[0]
        root = asset.directory if name == "handler" else asset.compiled
        return spawner.run("handler", event, task_root=root)[0]

    names = list(series)
    for name in names:  # the file cache warmed for every series alike
        once(name)
    log(f"4/5 cold start: {COLD_RUNS} fresh processes per series, interleaved")
    for index in range(COLD_RUNS):
        rotation = names[index % len(names) :] + names[: index % len(names)]
        for name in rotation:
            series[name].append(once(name))

    _, handler_imports = spawner.run(
        "handler", event, "-X", "importtime", task_root=asset.directory
    )
    _, boto3_imports = spawner.run("boto3", EXAMPLE_ARN, "-X", "importtime")
    handler_modules = imported_modules(handler_imports)
    boto3_modules = imported_modules(boto3_imports)
    return Cold(
        latency_ms(series["empty"]),
        latency_ms(series["boto3"]),
        latency_ms(series["handler"]),
        latency_ms(series["compiled"]),
        extra_imports(handler_modules, boto3_modules)[:10],
        sum(handler_modules.values()),
        sum(boto3_modules.values()),
    )


# --- polling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Polling:
    requests: int
    upstream_calls: int
    statuses: dict[int, int]
    running_ttl_seconds: float


def simulate_polling(endpoint: LocalEndpoint) -> Polling:
    """DASHBOARDS screens, each polling the same POLLED_ENGAGEMENTS every POLL_PERIOD_SECONDS for
    SIMULATED_SECONDS, phases spread evenly over a period; each sends If-None-Match with the last
    ETag it got, as a browser does under `no-cache`. Half poll as a dashboard role (redacted tier),
    half as an incident commander (full tier). The cache's clock is simulated: nothing waits."""
    from engagement_proxy import handler
    from engagement_proxy.cache import EngagementCache

    policy = cache_policy()
    now = [0.0]
    handler.CACHE = EngagementCache(policy, clock=lambda: now[0])
    polls: list[tuple[float, int, int]] = []
    for screen in range(DASHBOARDS):
        moment = POLL_PERIOD_SECONDS * screen / DASHBOARDS
        while moment < SIMULATED_SECONDS:
            polls += [(moment, screen, engagement) for engagement in range(POLLED_ENGAGEMENTS)]
            moment += POLL_PERIOD_SECONDS
    polls.sort()
    paths = [
        "/engagements/" + polled_arn(index).split(":engagement/")[1]
        for index in range(POLLED_ENGAGEMENTS)
    ]
    context = LambdaContext()
    etags: dict[tuple[int, int], str] = {}
    statuses: Counter[int] = Counter()
    log(f"5/5 polling: {len(polls)} requests over {SIMULATED_SECONDS:.0f} simulated seconds")
    before = endpoint.upstream_calls()
    for moment, screen, engagement in polls:
        now[0] = moment
        new_trace()
        known = etags.get((screen, engagement))
        event = rest_event(
            paths[engagement],
            DASHBOARD if screen % 2 == 0 else COMMANDER,
            headers={"If-None-Match": known} if known else None,
        )
        response = handler.lambda_handler(event, context)
        statuses[response["statusCode"]] += 1
        etags[(screen, engagement)] = header(response, "ETag")
    require(set(statuses) <= {200, 304}, f"polling got other answers: {statuses}")
    return Polling(
        len(polls),
        endpoint.upstream_calls() - before,
        dict(sorted(statuses.items())),
        policy.running_ttl_seconds,
    )


# --- report -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    return {
        "Date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "CPUs (`nproc`)": nproc,
        "CPU model": model,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        **{
            name: metadata.version(name)
            for name in ("boto3", "botocore", "aws-lambda-powertools", "aws-xray-sdk")
        },
    }


def ratio(numerator: Latency, denominator: Latency) -> float:
    return numerator.p50_ms / denominator.p50_ms


@dataclass(frozen=True)
class Results:
    summary: Summary
    warm: Warm
    cold: Cold
    polling: Polling
    asset: Asset
    seconds: float
    load: tuple[float, float]  # 1-minute load average at the start and at the end


def reading(results: Results) -> str:
    """The one-paragraph reading, from this run's own figures."""
    summary, warm, cold, polling = results.summary, results.warm, results.cold, results.polling
    met = verdicts(summary)
    missed = [name for name, ok in met.items() if not ok]
    top = ", ".join(f"`{name}` {ms:.0f} ms" for name, ms in cold.import_profile[:3])
    overhead = warm.no_cache.p50_ms - warm.bare_vs_no_cache.p50_ms
    unsampled = ratio(warm.no_cache_unsampled, warm.bare_vs_no_cache)
    return (
        f"With the cache off the handler answered in {warm.no_cache.p50_ms:.2f} ms at p50 "
        f"against {warm.bare_vs_no_cache.p50_ms:.2f} ms for the bare call, {overhead:.2f} ms "
        f"more (ratio {summary.warm_ratio:.2f}; {unsampled:.2f} "
        f"for an unsampled request). Answered from the cache, the handler's own work alone took "
        f"{warm.cache_hit.p50_ms:.2f} ms ({warm.cache_hit_unsampled.p50_ms:.2f} ms unsampled), "
        f"{summary.cache_hit_ratio:.2f} of a bare call. On loopback a bare call is only "
        "connection set-up, SigV4 signing and parsing, so a fixed sub-millisecond overhead "
        "weighs far more here than against SSM Contacts across a network. A 304 costs the "
        f"function what a 200 does (ratio {summary.not_modified_ratio:.2f}): both build and hash "
        f"the body; the 304 saves its {warm.body_bytes} bytes on the wire, which this in-process "
        f"measurement does not see. Cold, the handler held its first answer "
        f"{cold.handler.p50_ms - cold.boto3.p50_ms:.0f} ms after boto3 alone (ratio "
        f"{summary.cold_ratio:.2f}); the modules only the handler imports are led by {top}. "
        f"The cache turned {polling.requests} polls into {polling.upstream_calls} upstream calls "
        f"({summary.upstream_per_request:.3f} per request). "
        + (
            "Every target is met."
            if not missed
            else "Missed: " + ", ".join(f"`{name}`" for name in missed) + "."
        )
    )


def report(results: Results) -> str:
    summary, warm, cold, polling, asset = (
        results.summary,
        results.warm,
        results.cold,
        results.polling,
        results.asset,
    )
    met = verdicts(summary)

    def row(name: str, value: Latency) -> str:
        return f"| {name} | {value.count} | {value.p50_ms:.3f} | {value.p99_ms:.3f} |"

    def target(name: str, decimals: int = 2) -> str:
        value, bound = getattr(summary, name), getattr(TARGETS, name)
        verdict = "met" if met[name] else "**missed**"
        printed = f"{value:.{decimals}f}"
        return f"| `{name}` | {printed} | {value:.4f} | ≤ {bound:.{decimals}f} | {verdict} |"

    unstarted = cold.boto3.p50_ms - cold.empty.p50_ms
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.bench`); do not edit by hand.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in machine().items()),
        f"| Load average (1 min), start / end | {results.load[0]:.2f} / {results.load[1]:.2f} |",
        "",
        "## Targets",
        "",
        "| figure | printed | unrounded | target | |",
        "|---|---|---|---|---|",
        target("warm_ratio"),
        target("cache_hit_ratio"),
        target("not_modified_ratio"),
        target("cold_ratio"),
        target("upstream_per_request", 3),
        "",
        "Ratios are of p50s (of medians for cold starts); a figure meets its target as printed.",
        "",
        "## Reading",
        "",
        reading(results),
        "",
        "## Warm requests (1-3)",
        "",
        "The series of each block ran interleaved in one loop (rotating which goes first), after "
        f"{WARM_UP} untimed warm-up calls each. Milliseconds per request, timed with "
        "`time.perf_counter_ns` around `lambda_handler(event, context)` or "
        "`client.describe_engagement(...)`. *Sampled* requests carry a sampled X-Ray trace header "
        "and send their segments; *unsampled* ones a trace header with `Sampled=0`.",
        "",
        "| series | n | p50 (ms) | p99 (ms) |",
        "|---|---|---|---|",
        row("1. handler, cache off, sampled", warm.no_cache),
        row("1. handler, cache off, unsampled", warm.no_cache_unsampled),
        row("1. bare boto3 `describe_engagement`", warm.bare_vs_no_cache),
        row("2. handler, cache hit, sampled", warm.cache_hit),
        row("2. handler, cache hit, unsampled", warm.cache_hit_unsampled),
        row("2. bare boto3 `describe_engagement`", warm.bare_vs_cache_hit),
        row("3. handler, 304 (If-None-Match matches), sampled", warm.not_modified),
        row(f"3. handler, 200 ({warm.body_bytes} body bytes), sampled", warm.full_answer),
        "",
        "| ratio | p50 | p99 |",
        "|---|---|---|",
        *(
            f"| {name} | {ratio(a, b):.2f} | {a.p99_ms / b.p99_ms:.2f} |"
            for name, a, b in (
                ("1. cache off / bare, sampled", warm.no_cache, warm.bare_vs_no_cache),
                ("1. cache off / bare, unsampled", warm.no_cache_unsampled, warm.bare_vs_no_cache),
                ("2. cache hit / bare, sampled", warm.cache_hit, warm.bare_vs_cache_hit),
                (
                    "2. cache hit / bare, unsampled",
                    warm.cache_hit_unsampled,
                    warm.bare_vs_cache_hit,
                ),
                ("3. 304 / 200", warm.not_modified, warm.full_answer),
            )
        ),
        "",
        f"One sampled request sent {warm.datagrams_per_traced_request} X-Ray datagrams; "
        "unsampled requests and bare calls sent none (checked). Block 3's 200 is the same "
        "request as block 2's sampled cache hit: back to back it took "
        f"{warm.full_answer.p50_ms:.3f} ms, interleaved with bare calls "
        f"{warm.cache_hit.p50_ms:.3f} ms (a network call in "
        "between yields the CPU and cools its caches); the interleaved figure is the one used.",
        "",
        "## Cold start (4)",
        "",
        "Wall time measured in the parent, from just before spawning a fresh interpreter "
        "(`benchmarks/cold_child.py`) until the child reports through a pipe that it holds its "
        "first answer; interpreter teardown excluded. Same interpreter, environment and endpoint "
        f"for every series; {COLD_RUNS} runs each, interleaved in rotation after one untimed run "
        "each. Children write no bytecode; the handler is imported from the asset as deployed, "
        "without `.pyc` (Lambda's `/var/task` is read-only, so it compiles at every cold start). "
        "The first request is sampled for tracing.",
        "",
        "| series | n | median (ms) | p99 = max (ms) |",
        "|---|---|---|---|",
        row("empty interpreter (`cold_child.py empty`)", cold.empty),
        row("import boto3, create client, first `describe_engagement`", cold.boto3),
        row("import handler (deployed asset), first request", cold.handler),
        row("same, with `.pyc` in the asset (not what is deployed)", cold.handler_compiled),
        "",
        "Interpreter start-up taken out (median minus the empty interpreter's): boto3 "
        f"{unstarted:.1f} ms, handler {cold.handler.p50_ms - cold.empty.p50_ms:.1f} ms, ratio "
        f"{(cold.handler.p50_ms - cold.empty.p50_ms) / unstarted:.2f}. With `.pyc` in the asset "
        f"the cold ratio would be {ratio(cold.handler_compiled, cold.boto3):.2f}.",
        "",
        "`-X importtime`, one run of each child (self times summed, inflated by the "
        f"instrumentation): handler child {cold.import_total_ms:.1f} ms, boto3 child "
        f"{cold.boto3_import_total_ms:.1f} ms. Modules only the handler imports, by package:",
        "",
        "| package | import ms (self, summed) |",
        "|---|---|",
        *(f"| `{name}` | {ms:.1f} |" for name, ms in cold.import_profile),
        "",
        "## Polling simulation (5)",
        "",
        f"{DASHBOARDS} dashboards poll the same {POLLED_ENGAGEMENTS} running engagements every "
        f"{POLL_PERIOD_SECONDS:g} s for {SIMULATED_SECONDS:g} simulated seconds through "
        "`lambda_handler`, the cache on as deployed (running TTL "
        f"{polling.running_ttl_seconds:g} s) with a simulated clock. Phases are spread evenly "
        "over a period; half poll as a dashboard role (redacted tier), half as an incident "
        "commander (full tier); each sends `If-None-Match` with its last ETag. Upstream calls "
        "are counted where they arrive, in the local endpoint's request log.",
        "",
        "| | |",
        "|---|---|",
        f"| requests served | {polling.requests} |",
        *(f"| answered {status} | {count} |" for status, count in polling.statuses.items()),
        f"| upstream calls | {polling.upstream_calls} |",
        f"| upstream calls per request | {summary.upstream_per_request:.3f} |",
        "| upstream calls per simulated second | "
        f"{polling.upstream_calls / SIMULATED_SECONDS:.2f} (without the cache: "
        f"{polling.requests / SIMULATED_SECONDS:.0f}) |",
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
        "- Endpoint: `python -m local.ssm_contacts` in its own process (no GIL shared with the "
        "timed callers), awsJson1.1 over HTTP/1.0 on 127.0.0.1: every call, proxied or bare, "
        "opens a new TCP connection.",
        "- Handler: the deployed environment (`infra.config` `lambda_environment()` from "
        "`cdk.json`, with the tests' REST access-policy rules and regions us-east-2,us-west-2) "
        "plus what the Lambda runtime sets: `LAMBDA_TASK_ROOT`, `AWS_LAMBDA_*`, role credentials "
        "with a session token, `AWS_XRAY_DAEMON_ADDRESS` (a UDP socket of the bench standing in "
        "for the daemon). Tracing on, as the function has active tracing: "
        "`POWERTOOLS_TRACE_DISABLED` unset and a fresh `_X_AMZN_TRACE_ID` per invocation. The "
        "headline figures use sampled requests, the costlier case and what X-Ray's reservoir "
        "(the first request each second) gives a lightly used function; under dashboard load "
        "about 95% of requests are unsampled. Logs and EMF metrics are written to stdout, here "
        "/dev/null. Caller: an incident commander (full tier), short engagement path.",
        "- Bare call: `boto3.client('ssm-contacts')` with default configuration, the same "
        "endpoint, credentials and engagement; stock boto3 (the handler's Tracer patches no "
        "library, and the bare call is checked to send no trace data).",
        "- Cache on (2, 3): the handler's `EngagementCache` with the deployed policy and a clock "
        "that never moves, so every timed request is a hit (checked: no upstream call).",
        f"- Whole run: {results.seconds:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def run(work: Path) -> Results:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    endpoint = LocalEndpoint(write_engagements(work), work / "endpoint.log")
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sink.bind(("127.0.0.1", 0))
        sink.setblocking(False)
        asset = build_asset(work)
        os.environ.update(lambda_environment(endpoint.url, sink.getsockname()[1]))

        cache_policy()  # the first import: the handler reads the environment set just above
        with stdout_to_devnull():
            warm = measure_warm(endpoint, sink)
            cold = measure_cold(asset)
            polling = simulate_polling(endpoint)
    finally:
        endpoint.stop()
        sink.close()

    summary = Summary(
        warm_ratio=ratio(warm.no_cache, warm.bare_vs_no_cache),
        cache_hit_ratio=ratio(warm.cache_hit, warm.bare_vs_cache_hit),
        not_modified_ratio=ratio(warm.not_modified, warm.full_answer),
        cold_ratio=ratio(cold.handler, cold.boto3),
        upstream_per_request=polling.upstream_calls / polling.requests,
    )
    return Results(
        summary,
        warm,
        cold,
        polling,
        asset,
        time.perf_counter() - started,
        (load_before, os.getloadavg()[0]),
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="engagement-proxy-bench-") as work:
        results = run(Path(work))
    RESULTS.write_text(report(results), encoding="utf-8")
    warm, cold = results.warm, results.cold
    for name, value in (
        ("1. handler, cache off (sampled)", warm.no_cache),
        ("1. bare call", warm.bare_vs_no_cache),
        ("2. handler, cache hit (sampled)", warm.cache_hit),
        ("2. bare call", warm.bare_vs_cache_hit),
        ("3. 304", warm.not_modified),
        ("3. 200", warm.full_answer),
        ("4. cold boto3 (median, max)", cold.boto3),
        ("4. cold handler (median, max)", cold.handler),
    ):
        print(f"{name}: p50 {value.p50_ms:.3f} ms, p99 {value.p99_ms:.3f} ms")
    polling = results.polling
    print(
        f"5. polling: {polling.upstream_calls} upstream calls for {polling.requests} requests; "
        f"asset {results.asset.zip_bytes} bytes zipped; details in {RESULTS.relative_to(ROOT)}"
    )
    print(summary_line(results.summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
