"""What both entrances hand the function alike, each in its own event format: the client's
headers with those API Gateway adds, the query decoded, the body."""

from __future__ import annotations

import base64
import secrets
import time
from urllib.parse import unquote

from local.deployed_api import GatewaySettings
from local.sigv4 import HttpRequest


def query_parameters(raw_query: str) -> list[tuple[str, str]]:
    """Name/value pairs, percent-decoded as API Gateway decodes them."""
    pairs = (part.partition("=") for part in raw_query.split("&") if part)
    return [(unquote(name), unquote(value)) for name, _, value in pairs]


def forwarded_headers(request: HttpRequest, settings: GatewaySettings) -> list[tuple[str, str]]:
    """The client's headers plus those API Gateway adds on the way to the integration."""
    forwarded_for = request.header("X-Forwarded-For")
    headers = [
        (name, value) for name, value in request.headers if name.lower() != "x-forwarded-for"
    ]
    client_chain = f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip
    headers.append(("X-Forwarded-For", client_chain))
    host = request.header("Host") or ""
    headers.append(("X-Forwarded-Port", host.rpartition(":")[2] if ":" in host else "80"))
    headers.append(("X-Forwarded-Proto", "http"))
    if request.header("X-Amzn-Trace-Id") is None:
        headers.append(
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
        )
    return headers


def event_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True
