"""Stand-in Lambda handlers for the worker-process tests: they report on their own process."""

from __future__ import annotations

import os
import time
from typing import Any


def report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Holds the event `hold` seconds and says which process ran it, and when."""
    started = time.monotonic()
    time.sleep(event.get("hold", 0))
    return {
        "pid": os.getpid(),
        "started": started,
        "ended": time.monotonic(),
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "environment": {name: os.environ.get(name) for name in event.get("names", [])},
    }


def explode(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Raises with the event's `message`: data in an exception, as a careless handler might."""
    raise RuntimeError(event["message"])
