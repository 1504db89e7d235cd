"""`make load`: bounded load on local mode over loopback; ends with one summary line.

Starts `python -m local` on a free 127.0.0.1 port with its production defaults (cache on, 10 s
upstream budget), sends signed GETs from many threads, mixing every local identity (so every
tier), the three spellings of an engagement id, the second region, conditional requests,
caller mistakes and the local endpoint's fault switches, then stops the stack and prints:

    load: requests=<n> ok=<n> expected_errors=<n> lost=<n> mistiered=<n> p50_ms=<x> p99_ms=<x>

Every request lands in exactly one count: `ok` (the expected 200 or 304), `expected_errors` (the
documented problem for that request), `mistiered` (a 2xx whose redaction is not the caller's
tier) or `lost` (no answer, a malformed answer, or a status nobody documented). The exit status
is 1 unless lost and mistiered are both 0. The slow fault switch (30 s) is left out: with the
production budget it only measures the timeout, which the fault matrix tests prove.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final
from urllib.parse import quote

from benchmarks.summary import percentile
from local.sigv4 import LocalIdentity, load_identities
from local.ssm_contacts import FAULTS
from local.stack import IDENTITIES_PATH
from testing_support.answers import (
    CLIENT_TIMEOUT_SECONDS,
    Answer,
    engagement_defect,
    fetch,
    problem_defect,
)
from testing_support.contract import ANSWER_KEYS, SECURE_FIELDS
from testing_support.contract import FAULT_ANSWERS as DOCUMENTED_FAULT_ANSWERS
from testing_support.events import EXAMPLE_ARN, EXAMPLE_CONTACT, EXAMPLE_UUID, SERVED_ACCOUNT
from testing_support.secure_text import secure_texts
from testing_support.stack import PRODUCTION_DEFAULTS, start_stack, stop_stack

# Written out from local/policy.json, not computed with the proxy's policy code: an oracle that
# shares the code under test cannot catch its mistakes. `expected_tiers` checks it is complete.
TIERS: Final[Mapping[str, str]] = {
    "arn:aws:sts::111122223333:assumed-role/IncidentCommander/alice": "full",
    "arn:aws:sts::444455556666:assumed-role/OnCall-Payments/dave": "full",
    "arn:aws:sts::444455556666:assumed-role/SRE/bob": "redacted",
    "arn:aws:sts::777788889999:assumed-role/Dashboard/grafana": "redacted",
    "arn:aws:sts::444455556666:assumed-role/Contractor/carol": "deny",
    "arn:aws:sts::999900001111:assumed-role/Anyone/mallory": "deny",
}
ACCESS_DENIED: Final = (403, "access-denied")


# ---- what a well-formed answer is (besides testing_support.answers) -------------------------


def tier_defect(answer: Answer, tier: str, secure: Sequence[str]) -> str | None:
    """Why a 200 engagement's redaction is not `tier`'s; None if it is."""
    if tier == "deny":
        return "a denied caller was served"
    document = json.loads(answer.body)
    shown = [document["Subject"], document["Content"]]
    if tier == "full":
        if document["Redacted"] != [] or not all(isinstance(text, str) for text in shown):
            return "full tier without the secure message"
        return None
    if document["Redacted"] != list(SECURE_FIELDS) or shown != [None, None]:
        return "redacted tier shown Subject or Content"
    raw = answer.body + b"".join(str(value).encode() for value in answer.headers.values())
    for text in secure:
        if text.encode() in raw or json.dumps(text)[1:-1].encode() in raw:
            return "redacted answer holds secure text"
    return None


# ---- the request mix -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One thing to ask for: a path (and query) and what a reader with access should get."""

    name: str
    path: str
    weight: int
    arn: str | None = None  # served: the engagement the 200 must be
    error: tuple[int, str] | None = None  # otherwise: the documented status and problem slug


def _fault_id(name: str) -> str:
    return next(fault_id for fault_id, fault in FAULTS.items() if fault.name == name)


WEST_CONTACT_UUID: Final = "edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170"
WEST_ARN: Final = f"arn:aws:ssm-contacts:us-west-2:{SERVED_ACCOUNT}:engagement/{WEST_CONTACT_UUID}"
RUNNING_ARN: Final = (
    f"arn:aws:ssm-contacts:us-east-2:{SERVED_ACCOUNT}:engagement/"
    "db_oncall/3f0d9a7e-5b2c-4e61-9c84-1a2b3c4d5e6f"
)
NO_PUBLIC_ARN: Final = (
    f"arn:aws:ssm-contacts:us-east-2:{SERVED_ACCOUNT}:engagement/"
    "security_team/b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
)
# Every fault switch but the slow one (see the module docstring).
FAULT_ANSWERS: Final[Mapping[str, tuple[int, str]]] = {
    name: answer for name, answer in DOCUMENTED_FAULT_ANSWERS.items() if name != "slow"
}
TARGETS: Final[Sequence[Target]] = (
    Target("example", f"/engagements/{EXAMPLE_CONTACT}/{EXAMPLE_UUID}", 20, EXAMPLE_ARN),
    Target("example-raw-arn", f"/engagements/{EXAMPLE_ARN}", 8, EXAMPLE_ARN),
    Target("example-encoded-arn", f"/engagements/{quote(EXAMPLE_ARN, safe='')}", 8, EXAMPLE_ARN),
    Target("running", f"/engagements/{RUNNING_ARN}", 12, RUNNING_ARN),
    Target("no-public-text", f"/engagements/{NO_PUBLIC_ARN}", 8, NO_PUBLIC_ARN),
    Target("west-by-query", f"/engagements/{WEST_CONTACT_UUID}?region=us-west-2", 8, WEST_ARN),
    Target("west-by-arn", f"/engagements/{WEST_ARN}", 6, WEST_ARN),
    Target(
        "unknown",
        "/engagements/nobody/0f0f0f0f-0000-4000-8000-0000000000aa",
        4,
        error=(404, "engagement-not-found"),
    ),
    Target(
        "other-account",
        f"/engagements/{EXAMPLE_ARN.replace(SERVED_ACCOUNT, '999999999999')}",
        2,
        error=(404, "engagement-not-found"),
    ),
    Target(
        "malformed-id", "/engagements/not-an-engagement", 2, error=(400, "invalid-engagement-id")
    ),
    *(
        Target(f"fault-{name}", f"/engagements/fault_switch/{_fault_id(name)}", 2, error=answer)
        for name, answer in FAULT_ANSWERS.items()
    ),
)


@dataclass(frozen=True)
class Planned:
    who: LocalIdentity
    tier: str
    target: Target
    conditional: bool  # send If-None-Match with this caller's last ETag, once it has one


def expected_tiers(identities: Mapping[str, LocalIdentity]) -> dict[str, str]:
    """Each identity's tier by access key, from TIERS; an identity TIERS misses is an error."""
    missing = sorted({who.user_arn for who in identities.values()} - set(TIERS))
    if missing:
        raise ValueError(f"no expected tier for {missing}: add them to TIERS")
    return {key: TIERS[who.user_arn] for key, who in identities.items()}


def plan(identities: Mapping[str, LocalIdentity], count: int, seed: int) -> list[Planned]:
    """`count` requests: every identity in turn (so every tier), targets drawn by weight."""
    tiers = expected_tiers(identities)
    chooser = random.Random(seed)
    callers = list(identities.values())
    targets = chooser.choices(TARGETS, weights=[t.weight for t in TARGETS], k=count)
    return [
        Planned(
            who=callers[index % len(callers)],
            tier=tiers[callers[index % len(callers)].access_key_id],
            target=target,
            conditional=chooser.random() < 0.2,
        )
        for index, target in enumerate(targets)
    ]


# ---- judging one answer ----------------------------------------------------------------------


class Verdict(Enum):
    OK = "ok"
    EXPECTED_ERROR = "expected_errors"
    LOST = "lost"
    MISTIERED = "mistiered"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str  # for lost and mistiered: why, without any body text
    seconds: float | None  # None: no answer


def judge(
    planned: Planned, answer: Answer, etag_sent: str | None, secure: Sequence[str]
) -> Outcome:
    """Which count `answer` falls in, for the request `planned` (sent with `etag_sent`)."""
    # Any engagement served is judged for the caller's tier first: that leak matters most.
    if 200 <= answer.status < 300 and _is_engagement_view(answer.body):
        mistier = tier_defect(answer, planned.tier, secure)
        if mistier is not None:
            return Outcome(Verdict.MISTIERED, f"{planned.target.name}: {mistier}", answer.seconds)
    error = ACCESS_DENIED if planned.tier == "deny" else planned.target.error
    verdict = Verdict.OK
    defect: str | None = _unexpected(answer)
    if error is not None:
        verdict = Verdict.EXPECTED_ERROR
        if answer.status == error[0]:
            defect = problem_defect(answer, error[1])
    elif etag_sent is not None:
        if answer.status == 304:
            defect = None if answer.headers.get("ETag") == etag_sent else "304, another ETag"
            defect = defect or ("304 with a body" if answer.body else None)
    elif answer.status == 200:
        defect = engagement_defect(answer, planned.target.arn or "")
    if defect is not None:
        return Outcome(Verdict.LOST, f"{planned.target.name}: {defect}", answer.seconds)
    return Outcome(verdict, "", answer.seconds)


def _is_engagement_view(body: bytes) -> bool:
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and tuple(document) == ANSWER_KEYS


def _unexpected(answer: Answer) -> str:
    """A short reason for an unexpected answer: its status, and its problem type if it has one."""
    if problem_defect(answer) is None:
        return f"unexpected {answer.status} {json.loads(answer.body)['type']}"
    return f"unexpected {answer.status} ({answer.content_type})"


# ---- running the load ------------------------------------------------------------------------


@dataclass
class _Run:
    url: str
    requests: Sequence[Planned]
    deadline: float  # time.monotonic()
    secure: Sequence[str]

    def __post_init__(self) -> None:
        self.outcomes: list[Outcome | None] = [None] * len(self.requests)
        self._next = 0
        self._lock = threading.Lock()
        self._etags: dict[tuple[str, str], str] = {}

    def take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.requests) or time.monotonic() >= self.deadline:
                return None
            self._next += 1
            return self._next - 1

    def caller(self) -> None:
        while (index := self.take()) is not None:
            self.outcomes[index] = self.send(self.requests[index])

    def send(self, planned: Planned) -> Outcome:
        key = (planned.who.access_key_id, planned.target.arn or planned.target.name)
        with self._lock:
            etag = self._etags.get(key) if planned.conditional else None
        timeout = max(1.0, min(CLIENT_TIMEOUT_SECONDS, self.deadline - time.monotonic()))
        headers = {"If-None-Match": etag} if etag else {}
        try:
            answer = fetch(self.url + planned.target.path, planned.who, headers, timeout)
        except (OSError, http.client.HTTPException) as error:
            return Outcome(Verdict.LOST, f"{planned.target.name}: {type(error).__name__}", None)
        outcome = judge(planned, answer, etag, self.secure)
        if answer.status == 200 and outcome.verdict is Verdict.OK and "ETag" in answer.headers:
            with self._lock:
                self._etags[key] = str(answer.headers["ETag"])
        return outcome


def run_load(
    url: str, requests: Sequence[Planned], concurrency: int, deadline_seconds: float
) -> list[Outcome]:
    """Send `requests` from `concurrency` threads; whatever is unsent or unanswered when the
    deadline passes is lost. Returns one outcome per request, in plan order."""
    run = _Run(url, requests, time.monotonic() + deadline_seconds, secure_texts())
    threads = [
        threading.Thread(target=run.caller, name=f"load-{n}", daemon=True)
        for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    # A request may start just before the deadline and take its whole client timeout.
    join_by = run.deadline + CLIENT_TIMEOUT_SECONDS + 5
    for thread in threads:
        thread.join(max(0.0, join_by - time.monotonic()))
    return [
        outcome or Outcome(Verdict.LOST, "not answered before the deadline", None)
        for outcome in list(run.outcomes)
    ]


def summary(outcomes: Sequence[Outcome]) -> str:
    counts = Counter(outcome.verdict for outcome in outcomes)
    millis = [outcome.seconds * 1000 for outcome in outcomes if outcome.seconds is not None]
    p50, p99 = (percentile(millis, 50), percentile(millis, 99)) if millis else (0.0, 0.0)
    return (
        f"load: requests={len(outcomes)} ok={counts[Verdict.OK]}"
        f" expected_errors={counts[Verdict.EXPECTED_ERROR]} lost={counts[Verdict.LOST]}"
        f" mistiered={counts[Verdict.MISTIERED]} p50_ms={p50:.1f} p99_ms={p99:.1f}"
    )


# ---- the stack under load --------------------------------------------------------------------


@contextmanager
def local_stack(workers: int, log_path: Path) -> Iterator[str]:
    """`python -m local` (what `make local` runs) on a free loopback port, with the production
    defaults of the handler's settings; yields its URL once it serves, and stops it, whatever
    happens."""
    stack = start_stack(log_path, workers=workers, settings=PRODUCTION_DEFAULTS)
    try:
        yield stack.url
    finally:
        stop_stack(stack)


# ---- command line ----------------------------------------------------------------------------


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8, help="Lambda worker processes")
    parser.add_argument("--deadline", type=float, default=240.0, help="seconds for all requests")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args(argv)
    if arguments.requests < 1 or arguments.concurrency < 1 or arguments.deadline <= 0:
        parser.error("--requests, --concurrency and --deadline must be positive")
    return arguments


def _report_problems(outcomes: Sequence[Outcome]) -> None:
    reasons = Counter(
        f"{outcome.verdict.value}: {outcome.reason}"
        for outcome in outcomes
        if outcome.verdict in (Verdict.LOST, Verdict.MISTIERED)
    )
    for reason, count in reasons.most_common(10):
        print(f"  {count:5d} x {reason}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    requests = plan(load_identities(IDENTITIES_PATH), arguments.requests, arguments.seed)
    with tempfile.TemporaryDirectory(prefix="engagement-proxy-load-") as scratch:
        log_path = Path(scratch, "stack.log")
        try:
            with local_stack(arguments.workers, log_path) as url:
                print(
                    f"load: {len(requests)} requests, {arguments.concurrency} concurrent,"
                    f" against {url} ({arguments.workers} workers)",
                    file=sys.stderr,
                )
                outcomes = run_load(url, requests, arguments.concurrency, arguments.deadline)
        except (RuntimeError, TimeoutError):
            print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
    _report_problems(outcomes)
    print(summary(outcomes), flush=True)
    counts = Counter(outcome.verdict for outcome in outcomes)
    return 1 if counts[Verdict.LOST] or counts[Verdict.MISTIERED] else 0


if __name__ == "__main__":
    sys.exit(main())
