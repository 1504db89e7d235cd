"""Where the proxy is: EP_URL or --url, checked, and the URL of one request. Pure."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ep_client.exits import ExitStatus, Failure

# https://API-ID.execute-api.REGION.amazonaws.com (and API-ID-VPCE-ID... for private APIs).
_EXECUTE_API_HOST = re.compile(
    r".+\.execute-api\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?", re.ASCII
)
# SigV4 signs the query as sent: encoding it exactly as SigV4's canonical form does makes the
# two equal, with `+` in an offset sent as %2B rather than read as a space.
_UNRESERVED = "-_.~"
LOCAL_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class Endpoint:
    base: str  # scheme://host[:port][/stage], without a trailing slash
    host: str
    path: str  # the stage (or nothing): deployed REST APIs have one, local mode has none
    region: str | None  # named by an execute-api host
    loopback: bool

    def url(self, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
        if not query:
            return self.base + path
        pairs = sorted(
            (quote(key, safe=_UNRESERVED), quote(value, safe=_UNRESERVED)) for key, value in query
        )
        return self.base + path + "?" + "&".join(f"{key}={value}" for key, value in pairs)


def parse_endpoint(text: str | None) -> Endpoint:
    raw = (text or "").strip()
    if not raw:
        raise _usage(
            "No endpoint: set EP_URL or pass --url (the API's URL with its stage, e.g. "
            f"https://API-ID.execute-api.REGION.amazonaws.com/v1; local mode: {LOCAL_URL})."
        )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _usage("EP_URL is not a URL: give it as https://HOST[/STAGE].") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise _usage("EP_URL must start with https:// (or http:// for local mode).")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise _usage("EP_URL must be the API's URL alone: no query, fragment or user name.")
    loopback = _is_loopback(host)
    if parts.scheme == "http" and not loopback:
        # Answers carry secure text and a bearer token is replayable: never in the clear.
        raise _usage(f"Refusing http:// to {host}: use https:// (http:// is for local mode).")
    authority = f"[{host}]" if ":" in host else host
    if port is not None:
        authority += f":{port}"
    path = parts.path.rstrip("/")
    region = match["region"] if (match := _EXECUTE_API_HOST.fullmatch(host)) else None
    return Endpoint(f"{parts.scheme}://{authority}{path}", host, path, region, loopback)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _usage(line: str) -> Failure:
    return Failure(ExitStatus.USAGE, line)
