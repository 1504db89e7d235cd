"""`ep`: one request (or one watch) from the command line to the terminal, and its exit status."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from ep_client import __version__
from ep_client.arguments import Invocation, parse_invocation
from ep_client.endpoint import Endpoint, parse_endpoint
from ep_client.exits import ExitStatus, Failure
from ep_client.moments import local
from ep_client.problems import Attempt, failure_for, unreachable_failure, unreadable_failure
from ep_client.render import Unexpected, render
from ep_client.routes import Route, route_for
from ep_client.signing import Authorizer, RegionHints, bearer_token, sigv4_authorizer
from ep_client.transport import Answer, Send, Unreachable, send
from ep_client.watch import Watch, changes, run_watch


@dataclass(frozen=True)
class World:
    """Everything outside ep: streams, environment, network, clock. Tests give their own."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    send: Send = send
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    zone: tzinfo | None = None  # None: the machine's own


def main() -> int:
    return run(sys.argv[1:], World())


def run(argv: Sequence[str], world: World) -> int:
    invocation: Invocation | None = None
    try:
        invocation = parse_invocation(argv, world.environ)
        return _run(invocation, world)
    except Failure as failure:
        print(f"ep: {failure.line}", file=world.stderr, flush=True)
        return failure.status
    except KeyboardInterrupt:
        # Ctrl-C is how a watch ends: no traceback, and success.
        if invocation is not None and invocation.watch is not None:
            return ExitStatus.OK
        print("ep: interrupted.", file=world.stderr, flush=True)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # `ep ... | head`: the reader has gone; say nothing more.
        _silence_stdout()
        return ExitStatus.OK


def _run(invocation: Invocation, world: World) -> int:
    reference = invocation.reference
    if reference == "-":
        reference = world.stdin.read()
    route = route_for(
        invocation.command,
        reference,
        region=invocation.region,
        since=invocation.since,
        until=invocation.until,
        now=world.now(),
    )
    endpoint = parse_endpoint(invocation.url)
    authorizer = _authorizer(invocation, endpoint, route, world.environ)
    attempt = Attempt(endpoint, route.command, authorizer.signing_region, route.reference_region)
    url = endpoint.url(route.path, route.query)

    def fetch(if_none_match: str | None) -> Answer:
        headers = {
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"ep/{__version__}",
        }
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        headers.update(authorizer.headers(url))
        try:
            return world.send(url, headers, invocation.timeout)
        except Unreachable as error:
            raise unreachable_failure(error.reason, attempt) from None

    def read(answer: Answer) -> object:
        if answer.status != 200:
            raise failure_for(answer, attempt)
        try:
            return json.loads(answer.body)
        except ValueError:
            raise unreadable_failure("is not JSON", attempt) from None

    def show(answer: Answer, document: object) -> str:
        if invocation.json:
            return answer.body.decode("utf-8", errors="replace")
        try:
            return render(route.command, document, world.zone)
        except Unexpected as error:
            raise unreadable_failure(str(error), attempt, is_json=True) from None

    if invocation.watch is None:
        answer = fetch(None)
        print(show(answer, read(answer)), file=world.stdout, flush=True)
        return ExitStatus.OK

    def differences(answer: Answer, before: object, after: object) -> list[str]:
        if invocation.json:
            return [answer.body.decode("utf-8", errors="replace")]
        if not isinstance(before, dict) or not isinstance(after, dict):
            raise unreadable_failure("is not a JSON object", attempt, is_json=True)
        stamp = f"{local(world.now(), world.zone):%H:%M:%S}"
        return [f"{stamp} {line}" for line in changes(route.command, before, after, world.zone)]

    run_watch(
        Watch(fetch, read, show, differences, invocation.watch, world.sleep),
        world.stdout,
        world.stderr,
    )


def _authorizer(
    invocation: Invocation, endpoint: Endpoint, route: Route, environ: Mapping[str, str]
) -> Authorizer:
    if invocation.token is not None:
        return bearer_token(invocation.token)
    hints = RegionHints(
        url=endpoint.region,
        api_region=invocation.api_region,
        environment=environ.get("AWS_REGION") or None,
        engagement=route.reference_region,
    )
    return sigv4_authorizer(invocation.profile, hints)


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
