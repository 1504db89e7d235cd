"""SSM Contacts' list operations answered on the wire, per request parameters, for handler tests:
concurrent calls (receipts are fetched side by side) get each its own answer, whatever order
they arrive in, which botocore's Stubber (answers in the order queued) cannot give. botocore
parses every answer as it would AWS's."""

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

# How a call fails: an error answer (HTTP status, error code), a 200 whose body is these bytes,
# or an exception raised where the HTTP answer would be read (a timeout, a refused connection).
Failure = tuple[int, str] | bytes | Exception


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


@dataclass(frozen=True)
class Asked:
    """One call as SSM Contacts received it."""

    operation: str
    region: str
    key: str
    params: dict[str, Any]


@dataclass
class FakeSsm:
    """Items by (operation, key), served `page_size` at a time; `failures` fail a call, by
    (operation, key) for all its calls or (operation, key, NextToken) for one upstream page.
    Keys: the EngagementId, the PageId, or "REGION INCIDENT-ID" / "REGION window"."""

    items: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[tuple[str, ...], Failure] = field(default_factory=dict)
    page_size: int = 2
    asked: list[Asked] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def calls(self) -> list[tuple[str, str, str]]:
        """Operation, region and key of every call, in the order they arrived."""
        return [(asked.operation, asked.region, asked.key) for asked in self.asked]

    def count(self, operation: str) -> int:
        return sum(1 for asked in self.asked if asked.operation == operation)

    def distinct_calls(self) -> set[tuple[str, str, str]]:
        """Each call once, however often botocore attempted it."""
        return {(a.operation, a.key, a.params.get("NextToken") or "") for a in self.asked}

    def await_calls(self, distinct: int, timeout: float = 10.0) -> None:
        """Until `distinct` calls have arrived: calls of a failed fan-out that were already
        under way still arrive after the answer, and must not reach the next test's fake."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.distinct_calls()) >= distinct, timeout):
                raise AssertionError(f"{len(self.distinct_calls())} of {distinct} calls arrived")

    def answer(self, request: Any, **_: Any) -> Any:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        # The region the call was signed for: /REGION/ssm-contacts/aws4_request.
        region = request.headers["Authorization"].decode().split("/")[2]
        params = json.loads(request.body)
        name, member = OPERATIONS[operation]
        key = params.get(name) or "window"
        if operation == "ListEngagements":
            key = f"{region} {key}"
        token = params.get("NextToken") or ""
        with self._arrived:
            self.asked.append(Asked(operation, region, key, params))
            self._arrived.notify_all()
        failure = self.failures.get((operation, key, token), self.failures.get((operation, key)))
        if isinstance(failure, Exception):
            raise failure
        if isinstance(failure, bytes):
            return wire_response(request.url, 200, failure)
        if failure is not None:
            status, code = failure
            body = json.dumps({"__type": code, "message": "no"}).encode()
            return wire_response(request.url, status, body, {"x-amzn-RequestId": "req-fail"})
        everything = self.items.get((operation, key), [])
        start = int(token or 0)
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
