"""The deadline value object: how much time is left for upstream calls."""

from __future__ import annotations

import pytest

from engagement_proxy.deadline import Deadline


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_deadline_counts_down_from_its_budget() -> None:
    # Given a deadline 5 s from now
    clock = Clock()
    deadline = Deadline.after(5.0, clock=clock)

    # When 2 s pass
    clock.now += 2.0

    # Then 3 s remain and it has not expired
    assert deadline.remaining() == pytest.approx(3.0)
    assert not deadline.expired()


def test_a_passed_deadline_has_nothing_left_and_has_expired() -> None:
    # Given a deadline 1 s from now
    clock = Clock()
    deadline = Deadline.after(1.0, clock=clock)

    # When 4 s pass
    clock.now += 4.0

    # Then nothing remains (never a negative wait) and it has expired
    assert deadline.remaining() == 0.0
    assert deadline.expired()


def test_a_shorter_bound_takes_the_smaller_of_itself_and_what_remains() -> None:
    # Given a deadline with 3 s left
    clock = Clock()
    deadline = Deadline.after(3.0, clock=clock)

    # When a wait of 10 s and one of 1 s are bounded by it
    # Then the first is cut to what remains, the second kept
    assert deadline.bound(10.0) == pytest.approx(3.0)
    assert deadline.bound(1.0) == pytest.approx(1.0)


def test_a_deadline_is_a_value() -> None:
    # Given two deadlines at the same moment of the same clock
    clock = Clock()

    # Then they are equal, and usable as keys
    assert Deadline.after(2.0, clock=clock) == Deadline.after(2.0, clock=clock)
    assert len({Deadline.after(2.0, clock=clock), Deadline.after(2.0, clock=clock)}) == 1
