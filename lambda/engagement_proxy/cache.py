"""Upstream answers kept in memory per operation and arguments, so polling dashboards spare SSM
Contacts.

The cache holds what SSM Contacts said, never an answer built for a tier: every request is
still authorised and projected for its own caller on the way out. Errors are not cached, except
"not found" for a few seconds (a dashboard polling a mistyped id should not cost an upstream call
each time). Concurrent misses for one engagement share a single upstream call.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from engagement_proxy.config import CachePolicy
from engagement_proxy.errors import EngagementNotFound


class Answer(Protocol):
    """An upstream answer the cache can keep: a stopped engagement's answers change no more."""

    @property
    def stopped(self) -> bool: ...


A = TypeVar("A", bound=Answer)


@dataclass(frozen=True)
class _Entry:
    expires_at: float
    described: Any  # an Answer; None: a cached "not found"


class _Flight(Generic[A]):
    """One upstream call in progress that later callers for the same key wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: A | None = None
        self.error: BaseException | None = None

    def outcome(self) -> A:
        if self.error is not None:
            raise self.error
        if self.result is None:
            raise RuntimeError("upstream call ended without an answer")
        return self.result


class UpstreamCache:
    def __init__(self, policy: CachePolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._flights: dict[str, _Flight[Any]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, load: Callable[[], A]) -> A:
        """The answer for `key`: kept, from a call already under way for it, or from `load`,
        which runs once for all concurrent callers of that key."""
        with self._lock:
            entry = self._fresh(key)
            joined = self._flights.get(key) if entry is None else None
            if entry is None and joined is None:
                flight: _Flight[A] = _Flight()
                self._flights[key] = flight
        if entry is not None:
            if entry.described is None:
                raise EngagementNotFound("No such engagement.")
            kept: A = entry.described
            return kept
        if joined is not None:
            joined.done.wait()
            shared: A = joined.outcome()
            return shared
        return self._load(key, load, flight)

    def _load(self, key: str, load: Callable[[], A], flight: _Flight[A]) -> A:
        try:
            described = flight.result = load()
            policy = self._policy
            ttl = policy.stopped_ttl_seconds if described.stopped else policy.running_ttl_seconds
            self._store(key, _Entry(self._clock() + ttl, described))
            return described
        except EngagementNotFound as error:
            flight.error = error
            self._store(key, _Entry(self._clock() + self._policy.not_found_ttl_seconds, None))
            raise
        except BaseException as error:
            flight.error = error
            raise
        finally:
            # The answer is stored before the flight ends: no request can fall between the two
            # and call upstream again.
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _fresh(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def _store(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._policy.max_entries:
                self._entries.popitem(last=False)
