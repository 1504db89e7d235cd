"""Replies as API Gateway responses: answers for a tier, conditional GETs, problems. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engagement_proxy.conditional import etag_for, not_modified
from engagement_proxy.model import Engagement
from engagement_proxy.policy import Tier
from engagement_proxy.problems import PROBLEM_CONTENT_TYPE, Problem
from engagement_proxy.view import engagement_view

# Both tiers: never shared between callers. The full tier's answers hold secure text, which no
# browser or proxy may write to disk; redacted answers may be kept but must be asked for again.
_FULL_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Vary": "Authorization",
}
_REDACTED_HEADERS = {**_FULL_HEADERS, "Cache-Control": "private, no-cache"}
_PROBLEM_HEADERS = {"Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: str
    outcome: str

    def response(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": dict(self.headers),
            "body": self.body,
            "isBase64Encoded": False,
        }


def engagement_reply(engagement: Engagement, tier: Tier, if_none_match: str | None) -> Reply:
    body, headers = _answer(engagement, tier)
    return _conditional(body, headers, if_none_match)


def view_reply(view: Mapping[str, Any], tier: Tier, if_none_match: str | None) -> Reply:
    """Any other answer, already built for the caller's tier."""
    return _conditional(*_serialised(view, tier), if_none_match)


def _conditional(body: str, headers: Mapping[str, str], if_none_match: str | None) -> Reply:
    etag = headers.get("ETag")
    if etag is not None and not_modified(if_none_match, etag):
        bodiless = {name: value for name, value in headers.items() if name != "Content-Type"}
        return Reply(304, bodiless, "", "not-modified")
    return Reply(200, headers, body, "served")


# What depends only on the (answer, tier) pair is built once: a cache hit then costs a lookup.
@lru_cache(maxsize=1024)
def _answer(engagement: Engagement, tier: Tier) -> tuple[str, Mapping[str, str]]:
    return _serialised(engagement_view(engagement, tier), tier)


def _serialised(view: Mapping[str, Any], tier: Tier) -> tuple[str, Mapping[str, str]]:
    body = json.dumps(view, separators=(",", ":"))
    if tier is Tier.FULL:
        # No ETag: a digest of the full answer would let a holder of the redacted view test
        # guesses of the secure text offline.
        return body, _FULL_HEADERS
    return body, {**_REDACTED_HEADERS, "ETag": etag_for(body)}


def problem_reply(problem: Problem, request_id: str) -> Reply:
    return Reply(
        problem.kind.status,
        {**_PROBLEM_HEADERS, **problem.headers},
        problem.body(request_id),
        problem.kind.slug,
    )
