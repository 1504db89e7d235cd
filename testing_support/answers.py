"""Signed GETs to the local gateway on loopback and what a well-formed answer is: for the
end-to-end tests and `make load`."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Final
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.sigv4 import SERVICE, LocalIdentity
from testing_support.contract import ANSWER_KEYS

REGION: Final = "us-east-2"  # the local gateway's region: requests are signed for it
LOOPBACK: Final = "127.0.0.1"
PROBLEM_TYPE_PREFIX: Final = "urn:problem:engagement-proxy:"
# Above the gateway's 29 s integration timeout: any answer the stack gives arrives before this.
CLIENT_TIMEOUT_SECONDS: Final = 35.0


# ---- one signed request ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes
    seconds: float

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("Content-Type")
        return None if value is None else str(value)


# No proxy handler: whatever http_proxy says, requests go straight to the loopback gateway.
_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(
    url: str,
    who: LocalIdentity,
    headers: Mapping[str, str] | None = None,
    timeout: float = CLIENT_TIMEOUT_SECONDS,
) -> Answer:
    """GET `url` signed with botocore's SigV4 for `who`, as a dashboard backend would send it.
    Raises OSError (URLError, timeouts, resets) or HTTPException when no HTTP answer arrives."""
    if urlsplit(url).hostname != LOOPBACK:
        raise ValueError(f"load goes to {LOOPBACK} only, not {url}")
    signed = AWSRequest(method="GET", url=url, headers=dict(headers or {}))
    credentials = Credentials(who.access_key_id, who.secret_access_key)
    SigV4Auth(credentials, SERVICE, REGION).add_auth(signed)
    request = urllib.request.Request(url, headers=dict(signed.headers.items()), method="GET")
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read()
            return Answer(response.status, response.headers, body, time.monotonic() - started)
    except urllib.error.HTTPError as error:
        with error:
            body = error.read()
            return Answer(error.code, error.headers, body, time.monotonic() - started)


# ---- what a well-formed answer is ------------------------------------------------------------


def problem_defect(answer: Answer, slug: str | None = None) -> str | None:
    """Why `answer` is not a well-formed problem+json (of `slug`, if given); None if it is."""
    if answer.content_type != "application/problem+json":
        return f"{answer.status} with Content-Type {answer.content_type}"
    try:
        document = json.loads(answer.body)
    except ValueError:
        return f"{answer.status} problem body is not JSON"
    if not isinstance(document, dict):
        return f"{answer.status} problem body is not an object"
    kind = document.get("type")
    if not isinstance(kind, str) or not kind.startswith(PROBLEM_TYPE_PREFIX):
        return f"{answer.status} problem type {kind!r}"
    if not all(isinstance(document.get(name), str) for name in ("title", "detail")):
        return f"{answer.status} problem without title or detail"
    if document.get("status") != answer.status:
        return f"{answer.status} problem says status {document.get('status')!r}"
    if document.get("instance") != answer.headers.get("x-amzn-RequestId"):
        return f"{answer.status} problem instance is not the request id"
    if slug is not None and kind != PROBLEM_TYPE_PREFIX + slug:
        return f"{answer.status} {kind.removeprefix(PROBLEM_TYPE_PREFIX)} instead of {slug}"
    if answer.status == 503 and not str(answer.headers.get("Retry-After", "")).isdigit():
        return "503 without a Retry-After in seconds"
    return None


def engagement_defect(answer: Answer, arn: str) -> str | None:
    """Why `answer` is not a well-formed 200 JSON engagement `arn`; None if it is."""
    if answer.status != 200:
        return f"{answer.status} instead of 200"
    if answer.content_type != "application/json":
        return f"200 with Content-Type {answer.content_type}"
    try:
        document = json.loads(answer.body)
    except ValueError:
        return "200 body is not JSON"
    if not isinstance(document, dict) or tuple(document) != ANSWER_KEYS:
        return "200 body is not the engagement view"
    # The full tier is never stored and carries no digest of its secure text.
    full = document["Redacted"] == []
    if full and (answer.headers.get("ETag") or answer.headers.get("Cache-Control") != "no-store"):
        return "full answer with an ETag or without no-store"
    if not full and not answer.headers.get("ETag"):
        return "200 without an ETag"
    if document["EngagementArn"] != arn:
        return "200 for another engagement"
    return None
