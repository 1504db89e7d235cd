"""Traces: the X-Ray SDK stays off the cold path unless TRACE_UPSTREAM is on; then sampled
requests trace their upstream call, and no secure text or exception message reaches X-Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.handler.conftest import LAMBDA_ENV, SECURE_STRINGS

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: tracing is set up at cold start. A UDP socket stands in for the X-Ray
# daemon; the trace header is what Lambda sets per invocation.
TRACED_RUN = """
import json, os, socket, sys
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("127.0.0.1", 0))
sink.settimeout(0.5)
os.environ["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:%d" % sink.getsockname()[1]
os.environ["_X_AMZN_TRACE_ID"] = (
    "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=" + sys.argv[1]
)
from dataclasses import replace
from botocore.stub import Stubber
from engagement_proxy import handler
from testing_support.events import COMMANDER, EXAMPLE_ARN, EXAMPLE_PATH, LambdaContext, rest_event
from tests.handler.conftest import SECURE_STRINGS, engagement_answer

handler.RUNTIME = replace(handler.RUNTIME, cache=None)
upstream = handler.RUNTIME.upstream
stub = Stubber(upstream.client("us-east-2"))
stub.add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
stub.activate()
served = handler.lambda_handler(rest_event(EXAMPLE_PATH, COMMANDER), LambdaContext())

def explode(ref, deadline=None):
    raise RuntimeError(SECURE_STRINGS[1])

upstream.describe_engagement = explode
failed = handler.lambda_handler(rest_event(EXAMPLE_PATH, COMMANDER), LambdaContext())
datagrams = []
try:
    while True:
        datagrams.append(sink.recv(65536).decode())
except socket.timeout:
    pass
print("TRACED " + json.dumps({"statuses": [served["statusCode"], failed["statusCode"]],
                              "served_body": served["body"], "datagrams": datagrams,
                              "xray_imported": "aws_xray_sdk" in sys.modules}))
"""


def traced_run(*, trace_upstream: str | None, sampled: str) -> dict[str, Any]:
    env = {**os.environ, **LAMBDA_ENV, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT}"}
    env.pop("POWERTOOLS_TRACE_DISABLED")
    env.update(LAMBDA_TASK_ROOT=str(ROOT / "lambda"), AWS_XRAY_CONTEXT_MISSING="LOG_ERROR")
    if trace_upstream is not None:
        env["TRACE_UPSTREAM"] = trace_upstream
    result = subprocess.run(
        [sys.executable, "-c", TRACED_RUN, sampled],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("TRACED "))
    traced: dict[str, Any] = json.loads(line.removeprefix("TRACED "))
    return traced


def test_by_default_the_xray_sdk_is_never_imported():
    # Given the handler as deployed by default, on a sampled request
    # When it serves an engagement and then fails on a bug
    traced = traced_run(trace_upstream=None, sampled="1")
    # Then it answered both, without loading the X-Ray SDK or sending anything to the daemon
    assert traced["statuses"] == [200, 500]
    assert traced["xray_imported"] is False
    assert traced["datagrams"] == []


def test_traced_upstream_calls_never_carry_secure_text_or_error_messages():
    # Given upstream tracing switched on and a sampled request
    # When it serves the full engagement, then fails on a bug whose message holds secure text
    traced = traced_run(trace_upstream="true", sampled="1")
    # Then the full body held the secure text, and the traces sent to X-Ray did not
    assert traced["statuses"] == [200, 500]
    assert SECURE_STRINGS[0] in traced["served_body"]
    sent = "\n".join(traced["datagrams"])
    assert sent.count('"name": "## describe_engagement"') == 2
    assert '"upstream_error": "RuntimeError"' in sent
    for secret in SECURE_STRINGS:
        assert secret not in sent


def test_unsampled_requests_send_no_upstream_subsegment():
    # Given upstream tracing switched on, and a request Lambda did not sample
    # When it is served
    traced = traced_run(trace_upstream="true", sampled="0")
    # Then nothing was sent to X-Ray
    assert traced["statuses"] == [200, 500]
    assert traced["datagrams"] == []
