"""One cold start, run as a script in a fresh interpreter by `benchmarks.bench`.

`python cold_child.py MODE FD`: MODE `handler` imports the Lambda handler from $LAMBDA_TASK_ROOT
and answers the event read from stdin; `boto3` imports boto3 and makes the same DescribeEngagement
call (the engagement ARN on stdin); `empty` does nothing (interpreter start-up alone). Each writes
its status line to FD once it holds the answer; the parent times spawn-to-answer.
Nothing is imported here beyond what the mode itself needs.
"""

import os
import sys


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
    import json  # already loaded by the handler: costs nothing more

    from engagement_proxy.handler import lambda_handler

    response = lambda_handler(json.loads(stdin), _Context())
    return str(response["statusCode"])


def _boto3(stdin: str) -> str:
    import boto3

    client = boto3.client("ssm-contacts", region_name=os.environ["AWS_REGION"])
    answer = client.describe_engagement(EngagementId=stdin.strip())
    return str(answer["ResponseMetadata"]["HTTPStatusCode"])


def main() -> None:
    mode, fd = sys.argv[1], int(sys.argv[2])
    stdin = sys.stdin.read()
    if mode == "handler":
        status = _handler(stdin)
    elif mode == "boto3":
        status = _boto3(stdin)
    else:
        status = "0"
    os.write(fd, (status + "\n").encode())


if __name__ == "__main__":
    main()
