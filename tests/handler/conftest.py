"""Handler tests: the Lambda's environment is set before the handler module is first imported,
as the Lambda runtime would; SSM Contacts is replaced by botocore's Stubber."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from testing_support.events import EXAMPLE_ARN, POLICY, SERVED_ACCOUNT, LambdaContext

SECURE_SUBJECT = "SECURE-SUBJECT bridge PIN 918273"
SECURE_CONTENT = "SECURE-CONTENT Acme Corp outage, call +1-555-0100"
SECURE_STRINGS = (SECURE_SUBJECT, SECURE_CONTENT)

LAMBDA_ENV = {
    "SERVED_ACCOUNT_ID": SERVED_ACCOUNT,
    "SERVED_REGIONS": "us-east-2,us-west-2",
    "ACCESS_POLICY": json.dumps(POLICY),
    "AWS_REGION": "us-east-2",
    "AWS_DEFAULT_REGION": "us-east-2",
    "AWS_ACCESS_KEY_ID": "AKIAHANDLERTESTS0000",
    "AWS_SECRET_ACCESS_KEY": "handler-tests-secret",
    # Anything that slips past the Stubber is refused at once instead of reaching out.
    "AWS_ENDPOINT_URL_SSM_CONTACTS": "http://127.0.0.1:9",
    "POWERTOOLS_SERVICE_NAME": "engagement-proxy",
    "POWERTOOLS_METRICS_NAMESPACE": "EngagementProxy",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "UPSTREAM_TIMEOUT_SECONDS": "3",
}
os.environ.update(LAMBDA_ENV)

from engagement_proxy import handler, observe  # noqa: E402  (needs the environment above)


def call(event: dict[str, Any]) -> dict[str, Any]:
    """The Lambda as API Gateway invokes it."""
    response: dict[str, Any] = handler.lambda_handler(event, LambdaContext())
    return response


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    """Every response header, whether Powertools put it in `headers` or `multiValueHeaders`."""
    single = dict(response.get("headers") or {})
    multi = {
        name: ", ".join(values)
        for name, values in (response.get("multiValueHeaders") or {}).items()
    }
    return {**single, **multi}


class _Body:
    """What urllib3 would hand botocore: the bytes of an HTTP answer."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def wire_response(
    url: str, status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> AWSResponse:
    """An HTTP answer from SSM Contacts as botocore receives it off the wire, for `before-send`
    hooks: botocore then parses it as it would a real one."""
    all_headers = HTTPHeaders()
    for name, value in {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}.items():
        all_headers[name] = value
    return AWSResponse(url, status, all_headers, _Body(body))


def engagement_answer(arn: str = EXAMPLE_ARN, **overrides: Any) -> dict[str, Any]:
    """A DescribeEngagement answer with distinctive secure text."""
    contact = arn.split(":engagement/")[0] + ":contact/" + arn.split("/")[-2]
    answer: dict[str, Any] = {
        "ContactArn": contact,
        "EngagementArn": arn,
        "Sender": "tester",
        "Subject": SECURE_SUBJECT,
        "Content": SECURE_CONTENT,
        "PublicSubject": "test",
        "PublicContent": "Testing engagements",
        "IncidentId": "arn:aws:ssm-incidents::111122223333:incident-record/plan/abc",
        "StartTime": datetime(2021, 5, 18, 18, 25, 41, tzinfo=UTC),
        "StopTime": datetime(2021, 5, 18, 18, 40, 0, tzinfo=UTC),
    }
    answer.update(overrides)
    return {key: value for key, value in answer.items() if value is not None}


class Captured:
    """Everything the handler writes: its JSON log lines, EMF metrics, and any other logger."""

    def __init__(self, stream: io.StringIO, capsys: pytest.CaptureFixture[str]) -> None:
        self._stream = stream
        self._capsys = capsys
        self._seen = ""

    @property
    def text(self) -> str:
        out, err = self._capsys.readouterr()
        self._seen += out + err
        return self._stream.getvalue() + self._seen

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]

    def audit_lines(self) -> list[dict[str, Any]]:
        return [record for record in self.records() if record.get("message") == "audit"]

    def metric_names(self) -> list[str]:
        return [
            metric["Name"]
            for record in self.records()
            for directive in record.get("_aws", {}).get("CloudWatchMetrics", [])
            for metric in directive["Metrics"]
        ]


@pytest.fixture
def captured(capsys: pytest.CaptureFixture[str]) -> Iterator[Captured]:
    # Everything at DEBUG, the handler's logger and the root logger alike: secure text must not
    # appear at any level.
    stream = io.StringIO()
    registered = observe.logger.registered_handler
    assert isinstance(registered, logging.StreamHandler)
    previous_stream = registered.setStream(stream)
    previous_level = observe.logger.log_level
    observe.logger.setLevel("DEBUG")
    root = logging.getLogger()
    root_handler = logging.StreamHandler(stream)
    root.addHandler(root_handler)
    root_level = root.level
    root.setLevel(logging.DEBUG)
    yield Captured(stream, capsys)
    root.setLevel(root_level)
    root.removeHandler(root_handler)
    observe.logger.setLevel(previous_level)
    if previous_stream is not None:
        registered.setStream(previous_stream)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts cold, with the cache configured as in production."""
    from engagement_proxy.cache import UpstreamCache

    settings = handler.RUNTIME.settings
    assert settings is not None and settings.cache is not None
    runtime = replace(handler.RUNTIME, cache=UpstreamCache(settings.cache))
    monkeypatch.setattr(handler, "RUNTIME", runtime)


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request goes upstream, as with CACHE_ENABLED=false."""
    monkeypatch.setattr(handler, "RUNTIME", replace(handler.RUNTIME, cache=None))


@pytest.fixture
def stubbed() -> Iterator[Callable[[str], Any]]:
    """Stubbers on the handler's own SSM Contacts clients, by region; none may be left pending."""
    from botocore.stub import Stubber

    _, handler_upstream = handler.RUNTIME.configured()
    stubbers: dict[str, Stubber] = {}

    def stub(region: str = "us-east-2") -> Stubber:
        if region not in stubbers:
            stubbers[region] = Stubber(handler_upstream.client(region))
            stubbers[region].activate()
        return stubbers[region]

    yield stub
    for stubber in stubbers.values():
        stubber.deactivate()
        stubber.assert_no_pending_responses()
