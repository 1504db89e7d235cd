"""Conditional GET: strong ETags over the exact bytes a caller is sent, and If-None-Match. Pure."""

from __future__ import annotations

import hashlib


def etag_for(body: str) -> str:
    # Over the bytes this caller gets: a redacted caller's tag says nothing about secure text.
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match matches `etag` (RFC 9110: weak comparison, `*` matches any)."""
    if not if_none_match:
        return False
    candidates = [candidate.strip() for candidate in if_none_match.split(",")]
    return any(candidate == "*" or candidate.removeprefix("W/") == etag for candidate in candidates)
