"""What every measurement stands on: the local SSM Contacts endpoint in a process of its own, a
stand-in X-Ray daemon, the deployed asset, and the environment a Lambda container gets."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import testing_support  # noqa: F401  # puts lambda/ on sys.path for infra.config
from local.ssm_contacts import DEFAULT_ENGAGEMENTS
from testing_support.events import POLICY, SERVED_ACCOUNT

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = ROOT / "lambda"
REGION = "us-east-2"
SERVED_REGIONS = ["us-east-2", "us-west-2"]
# What infra/function.py's ASSET_EXCLUDES leaves out of the asset (not imported: that module
# loads the CDK).
_ASSET_EXCLUDED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
# From this machine's environment, for the interpreter to run at all; nothing else leaks in
# (a shell's AWS_PROFILE or CACHE_ENABLED would change what is measured).
_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "TMPDIR", "HOME")


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def require(condition: bool, message: str) -> None:
    """A check on the set-up being measured: the bench stops rather than time the wrong thing."""
    if not condition:
        raise RuntimeError(message)


class Endpoint:
    """`python -m local.ssm_contacts` in its own process, so that its CPU is never counted as a
    caller's; upstream calls are counted where they arrive, in its request log."""

    def __init__(self, engagements: Path, log_path: Path, delay_ms: float = 0.0) -> None:
        self.delay_ms = delay_ms
        self._log_path = log_path
        self._log = log_path.open("wb")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.ssm_contacts",
                "--engagements",
                str(engagements),
                "--delay-ms",
                f"{delay_ms:g}",
            ],
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
        return sum(
            text.count(f"operation={name}")
            for name in (
                "DescribeEngagement",
                "ListEngagements",
                "ListPagesByEngagement",
                "ListPageReceipts",
            )
        )

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


def write_engagements(directory: Path, running: int) -> Path:
    """The seed engagements plus `running` running ones (the short TTL: the worst case for the
    cache), cloned from the seed's running engagement."""
    seed: dict[str, dict[str, Any]] = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
    template = next(record for record in seed.values() if "StopTime" not in record)
    engagements = dict(seed)
    for index in range(running):
        arn = polled_arn(index)
        engagements[arn] = {
            **template,
            "EngagementArn": arn,
            "ContactArn": arn.split(":engagement/")[0] + f":contact/bench_oncall_{index}",
        }
    path = directory / "engagements.json"
    path.write_text(json.dumps(engagements, indent=1), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Asset:
    directory: Path  # the asset root as deployed: engagement_proxy/ only, no bytecode
    compiled: Path  # the same with unchecked-hash bytecode, for comparison
    zip_bytes: int
    files: int
    strays: list[str]  # anything else in lambda/ that CDK would also ship


def build_asset(work: Path) -> Asset:
    """lambda/ without what the CDK asset leaves out, zipped as a deployment package; and a copy
    with `.pyc` compiled with `--invalidation-mode unchecked-hash` (CDK zips pin file dates, so
    timestamp-checked bytecode would be stale)."""
    strays = sorted(
        path.name
        for path in LAMBDA_DIR.iterdir()
        if path.name != "engagement_proxy" and not _ASSET_EXCLUDED(str(LAMBDA_DIR), [path.name])
    )
    directory = work / "asset"
    shutil.copytree(
        LAMBDA_DIR / "engagement_proxy", directory / "engagement_proxy", ignore=_ASSET_EXCLUDED
    )
    archive = work / "asset.zip"
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in files:
            zipped.write(path, path.relative_to(directory).as_posix())
    compiled = work / "asset-compiled"
    shutil.copytree(directory, compiled)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "--invalidation-mode",
            "unchecked-hash",
            str(compiled),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return Asset(directory, compiled, archive.stat().st_size, len(files), strays)


def lambda_environment(endpoint_url: str, daemon_port: int, task_root: Path) -> dict[str, str]:
    """A container's environment: the deployed function's variables (infra's own
    `lambda_environment`, from cdk.json with this bench's policy and regions), what the Lambda
    runtime sets, and just enough of this machine's to run the interpreter."""
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
    kept = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    return {
        **kept,
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
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "engagement-proxy",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(deployment.memory_size_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/engagement-proxy",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon_port}",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": trace_header(True),
        # Lambda's /var/task is read-only: the package compiles at every cold start, and this
        # bench writes nothing into the tree it measures.
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def trace_header(sampled: bool) -> str:
    """What the Lambda service sets per invocation of a function with active tracing. X-Ray's
    default rule samples the first request each second and 5% of the rest."""
    root = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    return f"Root={root};Parent={os.urandom(8).hex()};Sampled={int(sampled)}"


class XRayDaemon:
    """A UDP socket standing in for the X-Ray daemon: it counts the datagrams it is sent."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.setblocking(False)
        self.port: int = self._socket.getsockname()[1]

    def drain(self) -> int:
        """Datagrams received since the last drain, discarded."""
        count = 0
        while True:
            try:
                self._socket.recv(65_536)
            except BlockingIOError:
                return count
            count += 1

    def close(self) -> None:
        self._socket.close()


def machine() -> dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "Date (UTC)": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "CPUs (`os.cpu_count()`)": str(os.cpu_count()),
        "CPU model": model,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        **{
            name: metadata.version(name)
            for name in ("boto3", "botocore", "aws-lambda-powertools", "aws-xray-sdk")
        },
    }
