"""Traces, with tracing on as in the deployed function: the upstream call is traced, and no
secure text or exception message reaches X-Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.handler.conftest import LAMBDA_ENV, SECURE_STRINGS

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: the Tracer reads its settings at import. A UDP socket stands in for the
# X-Ray daemon; every request carries a sampled trace header, as Lambda sets it.
TRACED_RUN = """
import json, os, socket, sys
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("127.0.0.1", 0))
sink.settimeout(0.5)
os.environ["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:%d" % sink.getsockname()[1]
os.environ["_X_AMZN_TRACE_ID"] = (
    "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
)
from botocore.stub import Stubber
from engagement_proxy import handler
from testing_support.events import COMMANDER, EXAMPLE_ARN, EXAMPLE_PATH, LambdaContext, rest_event
from tests.handler.conftest import SECURE_STRINGS, engagement_answer

handler.CACHE = None
stub = Stubber(handler.UPSTREAM.client("us-east-2"))
stub.add_response("describe_engagement", engagement_answer(), {"EngagementId": EXAMPLE_ARN})
stub.activate()
served = handler.lambda_handler(rest_event(EXAMPLE_PATH, COMMANDER), LambdaContext())

def explode(ref):
    raise RuntimeError(SECURE_STRINGS[1])

handler.UPSTREAM.describe_engagement = explode
failed = handler.lambda_handler(rest_event(EXAMPLE_PATH, COMMANDER), LambdaContext())
datagrams = []
try:
    while True:
        datagrams.append(sink.recv(65536).decode())
except socket.timeout:
    pass
print("TRACED " + json.dumps({"statuses": [served["statusCode"], failed["statusCode"]],
                              "served_body": served["body"], "datagrams": datagrams}))
"""


def test_traces_show_the_upstream_call_but_never_secure_text_or_error_messages():
    # Given the handler with tracing on, as deployed
    env = {**os.environ, **LAMBDA_ENV, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT}"}
    env.pop("POWERTOOLS_TRACE_DISABLED")
    env.update(LAMBDA_TASK_ROOT=str(ROOT / "lambda"), AWS_XRAY_CONTEXT_MISSING="LOG_ERROR")
    # When it serves the full engagement, then fails on a bug whose message holds secure text
    result = subprocess.run(
        [sys.executable, "-c", TRACED_RUN],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("TRACED "))
    traced = json.loads(line.removeprefix("TRACED "))
    # Then the full body held the secure text, and the traces sent to X-Ray did not
    assert traced["statuses"] == [200, 500]
    assert SECURE_STRINGS[0] in traced["served_body"]
    sent = "\n".join(traced["datagrams"])
    assert '"name": "## lambda_handler"' in sent or '"name":"## lambda_handler"' in sent
    assert '"## describe_engagement"' in sent
    assert '"upstream_error": "RuntimeError"' in sent
    for secret in SECURE_STRINGS:
        assert secret not in sent
