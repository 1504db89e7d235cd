"""A stand-in for the Lambda behind the local gateway, for gateway tests without processes."""

from __future__ import annotations

from typing import Any

OK = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


class Recorder:
    """The Lambda, as far as the gateway can tell: takes an event, returns an answer."""

    def __init__(self, answer: object = OK, error: Exception | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.answer = answer
        self.error = error

    def __call__(self, event: dict[str, Any], timeout: float) -> object:
        self.events.append(event)
        if self.error is not None:
            raise self.error
        return self.answer
