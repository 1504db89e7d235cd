"""One warm Lambda container, run as a script by `benchmarks.containers` and driven over a pipe.

`python container_child.py MODE REPLY_FD`: MODE `handler` imports the Lambda handler from
$LAMBDA_TASK_ROOT as the runtime does; `floor` the hand-written reference (`floor_handler.py`);
`bare` imports boto3 alone (never Powertools) and makes a stock `describe_engagement` call.
Each command is one JSON line on stdin; each reply one JSON line on REPLY_FD, with the CPU time
(`time.process_time_ns`, this whole process) and wall time taken by the call alone. Stdout,
where the handler writes its logs and metrics, is the parent's to redirect. With
BENCH_SIMULATED_CLOCK=1, `time.monotonic` reads the clock each command sets.
"""

import importlib
import json
import os
import sys
import threading  # noqa: F401  # before the clock is replaced: its waits keep the real one
import time
from collections.abc import Callable
from typing import Any

_simulated_now = [0.0]


class _Context:
    """What the Lambda runtime passes as `context` (the attributes Powertools reads)."""

    function_name = "engagement-proxy"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-2:111122223333:function:engagement-proxy"
    log_group_name = "/aws/lambda/engagement-proxy"
    log_stream_name = "bench"

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def _header(response: dict[str, Any], name: str) -> str | None:
    single = response.get("headers") or {}
    if name in single:
        return str(single[name])
    multiple = (response.get("multiValueHeaders") or {}).get(name)
    return str(multiple[0]) if multiple else None


def _handler(mode: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if os.environ.get("BENCH_SIMULATED_CLOCK") == "1":
        # Replaced before the handler's modules bind it, however they import it.
        time.monotonic = lambda: _simulated_now[0]
    if mode == "floor":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        lambda_handler = importlib.import_module("floor_handler").lambda_handler
    else:
        sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])  # as the Lambda runtime does
        from engagement_proxy.handler import lambda_handler

    def call(command: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = lambda_handler(command["event"], _Context(command["id"]))
        return response

    return call


def _answer(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body") or ""
    return {
        "status": int(response["statusCode"]),
        "etag": _header(response, "ETag"),
        "body_bytes": len(body.encode()),
    }


def _bare() -> Callable[[dict[str, Any]], dict[str, Any]]:
    import boto3

    client = boto3.client("ssm-contacts", region_name=os.environ["AWS_REGION"])

    def call(command: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = client.describe_engagement(EngagementId=command["arn"])
        return answer

    return call


def main() -> None:
    mode, reply_fd = sys.argv[1], int(sys.argv[2])
    call = _bare() if mode == "bare" else _handler(mode)
    os.write(reply_fd, b'{"ready": true}\n')
    process_time, perf_counter = time.process_time_ns, time.perf_counter_ns
    for line in sys.stdin.buffer:
        command = json.loads(line)
        os.environ["_X_AMZN_TRACE_ID"] = command["trace"]  # as the runtime sets it per invocation
        _simulated_now[0] = command.get("clock", 0.0)
        try:
            cpu, wall = process_time(), perf_counter()
            response = call(command)
            wall, cpu = perf_counter() - wall, process_time() - cpu
        except Exception as error:  # the parent stops the bench with it
            reply: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"}
        else:
            reply = {"cpu_ns": cpu, "wall_ns": wall}
            if mode == "bare":
                reply["status"] = int(response["ResponseMetadata"]["HTTPStatusCode"])
            else:
                reply.update(_answer(response))
        os.write(reply_fd, json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
