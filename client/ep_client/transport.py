"""One HTTP GET with the standard library: the answer whatever its status, or why none came."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any, Protocol

from ep_client.exits import ExitStatus, Failure

# The largest answer (50 engagements of 100 pages with their receipts) is a few megabytes.
MAX_ANSWER_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Unreachable(Exception):
    """No answer came; `reason` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Send(Protocol):
    def __call__(self, url: str, headers: Mapping[str, str], timeout: float) -> Answer: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the signature or the token to another URL: it is reported."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def send(url: str, headers: Mapping[str, str], timeout: float) -> Answer:
    """GET `url` with exactly `headers` (signed ones included); Unreachable if no answer."""
    # Only http and https reach here: parse_endpoint refuses every other scheme.
    request = urllib.request.Request(url, headers=dict(headers), method="GET")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, _lowered(response.headers), _read(response))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, _lowered(error.headers), _read(error))
    except urllib.error.URLError as error:
        raise Unreachable(_reason(error.reason, timeout)) from None
    except TimeoutError:
        raise Unreachable(f"no answer within {timeout:g} s") from None
    except http.client.HTTPException:
        raise Unreachable("the connection closed before a whole answer came") from None
    except OSError as error:
        raise Unreachable(error.strerror or type(error).__name__) from None


def _read(response: Any) -> bytes:
    body: bytes = response.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        raise Failure(
            ExitStatus.FAILED,
            f"The answer is over {MAX_ANSWER_BYTES // (1024 * 1024)} MB: is EP_URL the proxy?",
        )
    return body


def _lowered(headers: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _reason(reason: object, timeout: float) -> str:
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its TLS certificate does not verify ({reason.verify_message})"
    if isinstance(reason, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "its host name does not resolve"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError):
        return reason.strerror or type(reason).__name__
    return str(reason)
