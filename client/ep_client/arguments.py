"""The command line and the EP_* environment, read into one Invocation. Pure but for argparse's
own --help and --version, which print and exit."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from ep_client import __version__
from ep_client.exits import ExitStatus, Failure
from ep_client.routes import Command

DEFAULT_WATCH_SECONDS = 5.0
MIN_WATCH_SECONDS = 1.0
DEFAULT_TIMEOUT_SECONDS = 30.0

_DESCRIPTION = """\
Read Engagement Proxy answers: an engagement, who it paged and whether they read it, an
incident's engagements, or the latest engagements. Paste an ARN as it is.
"""
_EPILOG = """\
environment: EP_URL (the API's URL), EP_TOKEN (a bearer token for the token entrance),
EP_API_REGION (the API's region, when its URL does not name it), and AWS's own
(AWS_PROFILE, AWS_ACCESS_KEY_ID, ...). Exit status: 0 answered, 2 usage, 3 denied,
4 not found, 5 upstream (try again), 6 unreachable, 1 an answer ep cannot read.
"""


@dataclass(frozen=True)
class Invocation:
    command: Command
    reference: str | None  # as typed or pasted; `-` reads it from standard input
    region: str | None
    since: str | None
    until: str | None
    url: str | None
    token: str | None
    profile: str | None
    api_region: str | None
    json: bool
    watch: float | None  # seconds between polls
    timeout: float


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line and a Failure, never a usage dump and SystemExit."""

    def error(self, message: str) -> NoReturn:
        raise Failure(ExitStatus.USAGE, f"{message} (ep --help shows the usage)")


def _seconds(low: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not value >= low or value == float("inf"):
            raise argparse.ArgumentTypeError(f"give at least {low:g} seconds, not {text!r}")
        return value

    return parse


def _common_options() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--url", help="the API's URL with its stage (default: $EP_URL)")
    common.add_argument(
        "--token", help="a bearer token for the token entrance (default: $EP_TOKEN)"
    )
    common.add_argument("--profile", help="the AWS profile to sign with (default: AWS's chain)")
    common.add_argument(
        "--api-region",
        help="the API's region, to sign for, when the URL does not name it "
        "(default: $EP_API_REGION, then AWS_REGION, the profile's, the ARN's)",
    )
    common.add_argument("--json", action="store_true", help="print the raw JSON answer")
    common.add_argument(
        "--watch",
        nargs="?",
        const=DEFAULT_WATCH_SECONDS,
        type=_seconds(MIN_WATCH_SECONDS),
        metavar="SECONDS",
        help=f"poll every SECONDS (default {DEFAULT_WATCH_SECONDS:g}) and print only what "
        "changes, until Ctrl-C",
    )
    common.add_argument(
        "--timeout",
        type=_seconds(1.0),
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"give up on an answer after SECONDS (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    return common


def parser() -> argparse.ArgumentParser:
    common = _common_options()
    main = _Parser(
        prog="ep",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    main.add_argument("--version", action="version", version=f"ep {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND", required=True)
    region_help = "the served region to read (?region=); an ARN names its own"
    for command, what in (
        (Command.GET, "an engagement: who, by whom, when, and its message for your tier"),
        (Command.PAGES, "who an engagement paged, and whether it was delivered and read"),
    ):
        sub = commands.add_parser(command.value, parents=[common], help=what, description=what)
        sub.add_argument(
            "reference",
            metavar="ENGAGEMENT",
            help="its ARN (raw or percent-encoded), or CONTACT/UUID; - reads it from stdin",
        )
        sub.add_argument("--region", help=region_help)
    what = "an incident's engagements, each with its pages"
    sub = commands.add_parser(Command.INCIDENT.value, parents=[common], help=what, description=what)
    sub.add_argument(
        "reference",
        metavar="INCIDENT",
        help="its incident record ARN, or RESPONSE-PLAN/ID; - reads it from stdin",
    )
    sub.add_argument("--region", help="read only this served region (?region=)")
    what = "the engagements started in a window (default: the last 24 hours), newest first"
    sub = commands.add_parser(Command.LIST.value, parents=[common], help=what, description=what)
    sub.add_argument(
        "--since", metavar="WHEN", help="RFC 3339 (2025-03-14T09:00:00Z) or an age (2h)"
    )
    sub.add_argument("--until", metavar="WHEN", help="RFC 3339, an age, or now (the default)")
    sub.add_argument("--region", help="read only this served region (?region=)")
    return main


def parse_invocation(argv: Sequence[str], environ: Mapping[str, str]) -> Invocation:
    options = parser().parse_args(list(argv))
    token = options.token if options.token is not None else environ.get("EP_TOKEN") or None
    return Invocation(
        command=Command(options.command),
        reference=getattr(options, "reference", None),
        region=options.region or None,
        since=getattr(options, "since", None),
        until=getattr(options, "until", None),
        url=options.url if options.url is not None else environ.get("EP_URL"),
        token=token,
        profile=options.profile or None,
        api_region=options.api_region or environ.get("EP_API_REGION") or None,
        json=options.json,
        watch=options.watch,
        timeout=options.timeout,
    )
