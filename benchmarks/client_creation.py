"""boto3 against a bare botocore session for the proxy's SSM Contacts client, and botocore's
parameter validation on and off: paired, interleaved in one run, medians with min-max.

    .venv/bin/python -m benchmarks.client_creation [PAIRS]

Cold: each pair is two fresh interpreters started back to back in alternating order, one
importing boto3 and making the client with `boto3.client`, the other importing
`botocore.session` and making it from a session; each reports its import and client-creation
CPU time. Warm: one process, one client of each kind, DescribeEngagement answered by a
`before-send` hook with real wire bytes (botocore parses them as it would off the network),
calls alternating between the two configurations.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/"
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-example",
    "AWS_ENDPOINT_URL_SSM_CONTACTS": "http://127.0.0.1:9",
    "PYTHONDONTWRITEBYTECODE": "",
}

COLD_CHILD = """
import json, sys, time
kind = sys.argv[1]
t0 = time.process_time()
if kind == "boto3":
    import boto3
    from botocore.config import Config
    t1 = time.process_time()
    client = boto3.client("ssm-contacts", region_name="us-east-2", config=Config())
else:
    import botocore.session
    from botocore.config import Config
    t1 = time.process_time()
    client = botocore.session.get_session().create_client(
        "ssm-contacts", region_name="us-east-2", config=Config()
    )
t2 = time.process_time()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "client_ms": (t2 - t1) * 1000,
                  "boto3": "boto3" in sys.modules}))
"""


def summary(values: list[float], unit: str) -> str:
    return (
        f"median {statistics.median(values):.1f} {unit} "
        f"(min {min(values):.1f}, max {max(values):.1f})"
    )


def cold(pairs: int) -> dict[str, dict[str, list[float]]]:
    env = {**os.environ, **ENVIRONMENT}
    results: dict[str, dict[str, list[float]]] = {
        kind: {"import_ms": [], "client_ms": [], "total_ms": []} for kind in ("boto3", "botocore")
    }
    for pair in range(pairs):
        order = ("boto3", "botocore") if pair % 2 == 0 else ("botocore", "boto3")
        for kind in order:
            out = subprocess.run(
                [sys.executable, "-c", COLD_CHILD, kind],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            figures = json.loads(out)
            if figures["boto3"] != (kind == "boto3"):
                raise SystemExit(f"{kind}: boto3 imported = {figures['boto3']}")
            results[kind]["import_ms"].append(figures["import_ms"])
            results[kind]["client_ms"].append(figures["client_ms"])
            results[kind]["total_ms"].append(figures["import_ms"] + figures["client_ms"])
    return results


def warm(rounds: int, calls: int) -> dict[str, list[float]]:
    """CPU µs per DescribeEngagement call (parse included): validation on and off, and off with
    the call run in a worker thread as the proxy runs it (the process's CPU, both threads)."""
    os.environ.update(ENVIRONMENT)
    import botocore.session
    from botocore.awsrequest import AWSResponse, HTTPHeaders
    from botocore.config import Config

    body = json.dumps(
        {
            "ContactArn": ARN.split(":engagement/")[0] + ":contact/example_escalation",
            "EngagementArn": ARN,
            "Sender": "tester",
            "Subject": "subject",
            "Content": "content",
            "StartTime": 1621362341.0,
        }
    ).encode()

    class Body:
        def stream(self, **_: Any) -> Any:
            yield body

    def answer(**_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse("http://127.0.0.1:9/", 200, headers, Body())

    session = botocore.session.get_session()
    clients: dict[bool, Any] = {}
    for validate in (True, False):
        # Typed loosely: botocore builds client classes at run time from the service model.
        client: Any = session.create_client(
            "ssm-contacts", region_name="us-east-2", config=Config(parameter_validation=validate)
        )
        client.meta.events.register("before-send.ssm-contacts.DescribeEngagement", answer)
        client.describe_engagement(EngagementId=ARN)
        clients[validate] = client
    pool = ThreadPoolExecutor(max_workers=4)
    variants = {
        "validation on": lambda: clients[True].describe_engagement(EngagementId=ARN),
        "validation off": lambda: clients[False].describe_engagement(EngagementId=ARN),
        "off, in a worker": lambda: pool.submit(
            clients[False].describe_engagement, EngagementId=ARN
        ).result(timeout=5),
    }
    names = list(variants)
    results: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        for call in range(calls):
            name = names[(call + round_) % len(names)]
            started = time.process_time()
            variants[name]()
            spent[name] += time.process_time() - started
        for name in names:
            results[name].append(spent[name] / (calls / len(names)) * 1e6)
    pool.shutdown()
    return results


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 31
    figures = cold(pairs)
    print(f"cold, {pairs} interleaved pairs of fresh processes, CPU time:")
    for kind, label in (("boto3", "boto3.client"), ("botocore", "botocore session")):
        print(f"  {label:17} import  {summary(figures[kind]['import_ms'], 'ms')}")
        print(f"  {label:17} client  {summary(figures[kind]['client_ms'], 'ms')}")
        print(f"  {label:17} total   {summary(figures[kind]['total_ms'], 'ms')}")
    totals = zip(figures["boto3"]["total_ms"], figures["botocore"]["total_ms"], strict=True)
    saved = [a - b for a, b in totals]
    print(f"  saved per cold start (paired)  {summary(saved, 'ms')}")
    per_call = warm(rounds=15, calls=600)
    print("warm DescribeEngagement (parse included, no network), CPU per call, 15 rounds:")
    for name, values in per_call.items():
        print(f"  {name:17} {summary(values, 'µs')}")
    pairs_of = zip(per_call["validation on"], per_call["validation off"], strict=True)
    print(f"  validation off saves (paired)  {summary([a - b for a, b in pairs_of], 'µs')}")
    pairs_of = zip(per_call["off, in a worker"], per_call["validation off"], strict=True)
    print(f"  a worker costs (paired)        {summary([a - b for a, b in pairs_of], 'µs')}")


if __name__ == "__main__":
    main()
