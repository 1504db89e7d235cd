"""The Lambda worker processes: one event at a time each, isolated, replaced when they fail."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.lambda_workers import InvocationFailed, InvocationTimeout, LambdaWorkers

pytestmark = pytest.mark.e2e

REPORT = "tests.e2e.fake_handlers.report"


@pytest.fixture
def workers() -> Iterator[LambdaWorkers]:
    """Two workers running `report`."""
    pool = LambdaWorkers({"SERVED_ACCOUNT_ID": "111122223333"}, count=2, handler=REPORT)
    pool.start()
    yield pool
    pool.stop()


def invoke(pool: LambdaWorkers, event: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    answer = pool.invoke(event, timeout)
    assert isinstance(answer, dict)
    return answer


def test_each_worker_runs_one_event_at_a_time(workers: LambdaWorkers) -> None:
    # Given two workers
    # When six events that each take 0.2 s arrive at once
    with ThreadPoolExecutor(max_workers=6) as callers:
        answers = list(callers.map(lambda _: invoke(workers, {"hold": 0.2}), range(6)))
    # Then both workers served, and no worker ever held two events at the same time
    by_worker: dict[int, list[tuple[float, float]]] = {}
    for answer in answers:
        by_worker.setdefault(answer["pid"], []).append((answer["started"], answer["ended"]))
    assert len(by_worker) == 2
    for spans in by_worker.values():
        spans.sort()
        assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))


def test_context_is_what_the_lambda_runtime_gives(workers: LambdaWorkers) -> None:
    # Given a worker
    # When two events are invoked
    first, second = invoke(workers, {}), invoke(workers, {})
    # Then each has its own request id and a deadline ahead
    assert first["request_id"] != second["request_id"]
    assert 0 < first["remaining_ms"] <= 29_000


def test_handler_environment_is_isolated_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a shell with a real-looking AWS profile and Powertools debug switched on
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    pool = LambdaWorkers({"AWS_REGION": "us-east-2"}, count=1, handler=REPORT)
    pool.start()
    try:
        # When the handler looks at its environment
        names = ["AWS_PROFILE", "POWERTOOLS_DEV", "AWS_REGION"]
        seen = invoke(pool, {"names": names})["environment"]
    finally:
        pool.stop()
    # Then it sees only what local mode configured
    assert seen == {"AWS_PROFILE": None, "POWERTOOLS_DEV": None, "AWS_REGION": "us-east-2"}


def test_raising_handler_fails_the_invocation_and_logs_no_message(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # Given a handler that raises with data in its message (its worker started under capfd,
    # so that the worker's stderr is the captured one)
    pool = LambdaWorkers({}, count=1, handler="tests.e2e.fake_handlers.explode")
    pool.start()
    try:
        # When it is invoked
        with pytest.raises(InvocationFailed):
            pool.invoke({"message": "SECURE-IN-EXCEPTION-MESSAGE"}, 10)
    finally:
        pool.stop()
    # Then the runtime-style error line names the type, never the message
    err = capfd.readouterr().err
    assert '"errorType": "RuntimeError"' in err
    assert "SECURE-IN-EXCEPTION-MESSAGE" not in err


def test_timed_out_worker_is_replaced(workers: LambdaWorkers) -> None:
    # Given a worker stuck on a long event
    with pytest.raises(InvocationTimeout):
        workers.invoke({"hold": 30}, 0.5)
    # When more events arrive than the one healthy worker could take at once
    with ThreadPoolExecutor(max_workers=2) as callers:
        answers = list(callers.map(lambda _: invoke(workers, {"hold": 0.5}), range(2)))
    # Then they are served, by two workers: the stuck one was replaced
    assert len({answer["pid"] for answer in answers}) == 2


def test_missing_handler_stops_startup_with_its_name() -> None:
    # Given a handler that cannot be imported
    pool = LambdaWorkers({}, count=1, handler="tests.e2e.fake_handlers.absent")
    # When the workers start
    # Then startup fails, naming it
    with pytest.raises(RuntimeError, match=r"cannot import tests\.e2e\.fake_handlers\.absent"):
        pool.start()
    pool.stop()
