"""One cold start, run as a script in a fresh interpreter by `benchmarks.cold`.

`python cold_child.py MODE FD`: MODE `handler` imports the Lambda handler from $LAMBDA_TASK_ROOT
and answers the event read from stdin (`floor`: the hand-written reference,
`floor_handler.py`, likewise); `bare` imports boto3, creates a client and makes the same
DescribeEngagement call (the engagement ARN on stdin); `empty` does nothing (interpreter start-up
alone). Once it holds its answer each writes one line to FD: the status, the CPU time of this
process so far (interpreter start-up included, in ns), the wall time since this script began (in
ns) and the peak RSS (KiB). Nothing is imported here beyond what the mode itself needs.
"""

import os
import resource
import sys
import time

_STARTED = time.perf_counter_ns()


class _Context:
    """What the Lambda runtime passes as `context` (the attributes Powertools reads)."""

    function_name = "engagement-proxy"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-2:111122223333:function:engagement-proxy"
    aws_request_id = "c01d0000-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/engagement-proxy"
    log_stream_name = "cold"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def _handler(stdin: str) -> str:
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])  # as the Lambda runtime does
    import json  # the runtime has parsed the event before the handler runs

    from engagement_proxy.handler import lambda_handler

    response = lambda_handler(json.loads(stdin), _Context())
    return str(response["statusCode"])


def _floor(stdin: str) -> str:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import importlib
    import json

    floor = importlib.import_module("floor_handler")
    response = floor.lambda_handler(json.loads(stdin), _Context())
    return str(response["statusCode"])


def _bare(stdin: str) -> str:
    import boto3

    client = boto3.client("ssm-contacts", region_name=os.environ["AWS_REGION"])
    answer = client.describe_engagement(EngagementId=stdin.strip())
    return str(answer["ResponseMetadata"]["HTTPStatusCode"])


def main() -> None:
    mode, fd = sys.argv[1], int(sys.argv[2])
    stdin = sys.stdin.read()
    if mode == "handler":
        status = _handler(stdin)
    elif mode == "floor":
        status = _floor(stdin)
    elif mode == "bare":
        status = _bare(stdin)
    else:
        status = "0"
    cpu = time.process_time_ns()
    wall = time.perf_counter_ns() - _STARTED
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    os.write(fd, f"{status} {cpu} {wall} {peak}\n".encode())


if __name__ == "__main__":
    main()
