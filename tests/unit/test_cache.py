"""The upstream cache on its own: TTLs by engagement state, LRU bound, single flight."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from engagement_proxy.cache import UpstreamCache
from engagement_proxy.config import CachePolicy
from engagement_proxy.errors import EngagementNotFound, UpstreamThrottled
from engagement_proxy.model import Described, Engagement


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def described(arn: str = "arn:e/1", stopped: bool = False) -> Described:
    engagement = Engagement(
        ContactArn="arn:c",
        EngagementArn=arn,
        Sender="s",
        Subject="SECURE",
        Content="SECURE",
        PublicSubject=None,
        PublicContent=None,
        IncidentId=None,
        StartTime=datetime(2026, 1, 1, tzinfo=UTC),
        StopTime=datetime(2026, 1, 1, 1, tzinfo=UTC) if stopped else None,
    )
    return Described(engagement, "req-1")


class Loader:
    def __init__(self, *results: Described | Exception) -> None:
        self.results = list(results)
        self.calls = 0

    def __call__(self) -> Described:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


POLICY = CachePolicy(
    max_entries=2, running_ttl_seconds=5, stopped_ttl_seconds=300, not_found_ttl_seconds=3
)


@pytest.mark.parametrize(("stopped", "ttl"), [(False, 5), (True, 300)], ids=["running", "stopped"])
def test_answers_live_for_their_state_ttl(stopped, ttl):
    # Given a cached answer
    clock = Clock()
    cache = UpstreamCache(POLICY, clock)
    load = Loader(described(stopped=stopped), described(stopped=stopped))
    cache.get("k", load)
    # When time passes to just before and just after its TTL
    clock.now += ttl - 0.01
    cache.get("k", load)
    calls_before = load.calls
    clock.now += 0.02
    cache.get("k", load)
    # Then it is served until the TTL, reloaded after
    assert (calls_before, load.calls) == (1, 2)


def test_not_found_is_cached_for_its_own_ttl_and_other_errors_not_at_all():
    # Given a cache and an upstream that says "not found", then throttles, then answers
    clock = Clock()
    cache = UpstreamCache(POLICY, clock)
    load = Loader(EngagementNotFound("x"), UpstreamThrottled("t", 2), described())
    # When asked three times around the not-found TTL
    with pytest.raises(EngagementNotFound):
        cache.get("k", load)
    with pytest.raises(EngagementNotFound):
        cache.get("k", load)
    clock.now += 3.01
    with pytest.raises(UpstreamThrottled):
        cache.get("k", load)
    result = cache.get("k", load)
    # Then "not found" was remembered, the throttle was not
    assert (load.calls, result.request_id) == (3, "req-1")


def test_the_least_recently_used_entry_is_evicted_past_max_entries():
    # Given a cache of two entries, "a" used more recently than "b"
    cache = UpstreamCache(POLICY, Clock())
    load = Loader(*(described() for _ in range(5)))
    cache.get("b", load)
    cache.get("a", load)
    cache.get("b", load)
    # When a third engagement arrives
    cache.get("c", load)
    # Then "a" was evicted and "b" kept
    assert len(cache) == 2
    calls = load.calls
    cache.get("b", load)
    assert load.calls == calls
    cache.get("a", load)
    assert load.calls == calls + 1


def test_concurrent_misses_share_one_upstream_call():
    # Given an upstream call that blocks until released
    cache = UpstreamCache(POLICY, Clock())
    release = threading.Event()
    calls = []

    def slow_load() -> Described:
        calls.append(1)
        release.wait(5)
        return described()

    results: list[Described] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("k", slow_load))) for _ in range(8)
    ]
    # When eight requests miss at once
    for thread in threads:
        thread.start()
    while not calls:
        threading.Event().wait(0.001)
    release.set()
    for thread in threads:
        thread.join(5)
    # Then one upstream call answered all of them
    assert len(calls) == 1
    assert len(results) == 8
    assert all(result.request_id == "req-1" for result in results)


def test_waiters_share_the_leaders_error():
    # Given an upstream call that fails after others joined it
    cache = UpstreamCache(POLICY, Clock())
    release = threading.Event()
    started = threading.Event()

    def failing_load() -> Described:
        started.set()
        release.wait(5)
        raise UpstreamThrottled("t", 2)

    errors: list[BaseException] = []

    def ask() -> None:
        try:
            cache.get("k", failing_load)
        except UpstreamThrottled as error:
            errors.append(error)

    leader = threading.Thread(target=ask)
    leader.start()
    started.wait(5)
    follower = threading.Thread(target=ask)
    follower.start()
    # When the leader's call fails
    release.set()
    leader.join(5)
    follower.join(5)
    # Then both see the throttle
    assert len(errors) == 2
