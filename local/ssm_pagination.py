"""Pagination of the local SSM Contacts endpoint's lists: `MaxResults` and opaque `NextToken`s
that only this endpoint, for this very request, can have issued."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

DEFAULT_PAGE_SIZE: Final = 3
_OFFSET_BYTES: Final = 4
_MAC_BYTES: Final = 16
# What a token is bound to besides the operation and region: every member but these two.
_PAGING_MEMBERS: Final = frozenset({"NextToken", "MaxResults"})

Item = TypeVar("Item")


class InvalidToken(Exception):
    """A NextToken this endpoint did not issue for this request (forged, altered, of another
    request, or from before a restart)."""


@dataclass(frozen=True)
class Paginator:
    """Cuts lists into pages of at most `page_size` items (fewer if MaxResults asks): a small
    size, so that clients meet pagination even with the seed's short lists. The key is per
    process, so tokens do not outlive the endpoint, as AWS's expire."""

    page_size: int = DEFAULT_PAGE_SIZE
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")

    def page(
        self, items: Sequence[Item], operation: str, region: str, params: Mapping[str, Any]
    ) -> tuple[list[Item], str | None]:
        """The page of `items` that `params` asks for, and the token of the next, if any."""
        scope = self._scope(operation, region, params)
        token = params.get("NextToken")
        start = 0 if token is None else self._offset(token, scope)
        if start > len(items):
            raise InvalidToken
        requested = params.get("MaxResults") or self.page_size  # 0 means "your default"
        end = start + min(requested, self.page_size)
        following = self._token(end, scope) if end < len(items) else None
        return list(items[start:end]), following

    def _scope(self, operation: str, region: str, params: Mapping[str, Any]) -> bytes:
        bound = {key: value for key, value in params.items() if key not in _PAGING_MEMBERS}
        return json.dumps([operation, region, bound], sort_keys=True).encode()

    def _mac(self, offset: bytes, scope: bytes) -> bytes:
        return hmac.new(self._key, offset + scope, hashlib.sha256).digest()[:_MAC_BYTES]

    def _token(self, offset: int, scope: bytes) -> str:
        packed = offset.to_bytes(_OFFSET_BYTES, "big")
        return base64.urlsafe_b64encode(packed + self._mac(packed, scope)).decode()

    def _offset(self, token: str, scope: bytes) -> int:
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise InvalidToken from None
        # The decoder skips characters outside its alphabet and reads + like -: only the exact
        # spelling this endpoint issued is its token.
        if base64.urlsafe_b64encode(raw).decode() != token:
            raise InvalidToken
        packed, mac = raw[:_OFFSET_BYTES], raw[_OFFSET_BYTES:]
        if len(raw) != _OFFSET_BYTES + _MAC_BYTES or not hmac.compare_digest(
            mac, self._mac(packed, scope)
        ):
            raise InvalidToken
        return int.from_bytes(packed, "big")
