"""Exit statuses, one per class of problem, and the failure that carries one. Pure."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What a script can branch on. client/README.md documents the table."""

    OK = 0
    FAILED = 1  # an answer ep cannot read, or a redirect: EP_URL is probably not the proxy
    USAGE = 2  # what was sent is wrong: arguments, the id, the window, the URL (argparse's 2)
    DENIED = 3  # no credentials, refused credentials or token, or the access policy says no
    NOT_FOUND = 4  # no such engagement or incident, or no such route at this URL
    UPSTREAM = 5  # the proxy or SSM Contacts behind it failed or throttled: try again later
    UNREACHABLE = 6  # no answer at all: connection refused, name unknown, TLS, timeout
    INTERRUPTED = 130  # Ctrl-C outside --watch (128 + SIGINT, as shells report it)


# Worth polling through under --watch: they say nothing about the request itself.
TRANSIENT = frozenset({ExitStatus.UPSTREAM, ExitStatus.UNREACHABLE})


class Failure(Exception):
    """A problem ep reports as one line on stderr, then exits with `status`."""

    def __init__(self, status: ExitStatus, line: str) -> None:
        super().__init__(line)
        self.status = status
        self.line = line
