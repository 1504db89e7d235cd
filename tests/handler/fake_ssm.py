"""SSM Contacts' list operations answered on the wire, per request parameters, for handler tests:
concurrent calls (receipts are fetched side by side) get each its own answer, whatever order
they arrive in. botocore parses every answer as it would AWS's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engagement_proxy import handler
from tests.handler.conftest import wire_response

OPERATIONS = {
    "ListPagesByEngagement": ("EngagementId", "Pages"),
    "ListPageReceipts": ("PageId", "Receipts"),
    "ListEngagements": ("IncidentId", "Engagements"),
}


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


@dataclass
class FakeSsm:
    """Items by (operation, key), served `page_size` at a time; `failures` answer an error.
    Keys: the EngagementId, the PageId, or "REGION INCIDENT-ID" / "REGION window"."""

    items: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    page_size: int = 2
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # operation, region, key
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Any, **_: Any) -> Any:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        # The region the call was signed for: /REGION/ssm-contacts/aws4_request.
        region = request.headers["Authorization"].decode().split("/")[2]
        params = json.loads(request.body)
        name, member = OPERATIONS[operation]
        key = params.get(name) or "window"
        if operation == "ListEngagements":
            key = f"{region} {key}"
        with self._lock:
            self.calls.append((operation, region, key))
        if (operation, key) in self.failures:
            status, code = self.failures[(operation, key)]
            body = json.dumps({"__type": code, "message": "no"}).encode()
            return wire_response(request.url, status, body, {"x-amzn-RequestId": "req-fail"})
        everything = self.items.get((operation, key), [])
        start = int(params.get("NextToken") or 0)
        chunk = everything[start : start + self.page_size]
        document: dict[str, Any] = {member: _wire(chunk)}
        if start + self.page_size < len(everything):
            document["NextToken"] = str(start + self.page_size)
        return wire_response(request.url, 200, json.dumps(document).encode())


@contextmanager
def fake_ssm(
    fake: FakeSsm, regions: tuple[str, ...] = ("us-east-2", "us-west-2")
) -> Iterator[FakeSsm]:
    _, upstream = handler.RUNTIME.configured()
    clients = [upstream.client(region) for region in regions]
    for client in clients:
        for operation in OPERATIONS:
            client.meta.events.register(
                f"before-send.ssm-contacts.{operation}",
                fake.answer,
                unique_id=f"fake-ssm-{operation}",
            )
    try:
        yield fake
    finally:
        for client in clients:
            for operation in OPERATIONS:
                client.meta.events.unregister(
                    f"before-send.ssm-contacts.{operation}", unique_id=f"fake-ssm-{operation}"
                )
