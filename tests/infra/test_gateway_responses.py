"""API Gateway's own errors: the Lambda's problem constants, shared rather than copied, and a
deployment guide that lists every gateway response the stack defines."""

from __future__ import annotations

import subprocess
import sys

from engagement_proxy import problems
from infra import gateway_responses
from infra.gateway_responses import PROBLEMS, GatewayProblem, problem_headers, problem_template
from local import gateway_answers
from local.gateway_answers import GatewayResponse
from testing_support.docs import doc_table
from tests.infra.conftest import REPO_ROOT

# What the Lambda's problems module must never pull in, so that the CDK app can import it.
RUNTIME_ONLY_MODULES = ("boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk")


def documented_gateway_errors() -> set[tuple[int, str]]:
    """(status, type suffix) pairs of docs/api.md's "Errors from API Gateway itself"."""
    pairs = set()
    for cells in doc_table("docs/api.md", "Errors from API Gateway itself", "status"):
        line = " | ".join(cells)
        statuses = [int(status) for status in cells[0].split(",")]
        slugs = [slug.strip().strip("`") for slug in cells[1].split(",")]
        assert len(statuses) == len(slugs), line
        pairs |= set(zip(statuses, slugs, strict=True))
    return pairs


def test_the_deployment_guide_lists_every_gateway_response_the_stack_defines() -> None:
    # Given the gateway responses the stack defines, by status and type suffix
    defined = {(problem.kind.status, problem.kind.slug) for problem in PROBLEMS}

    # When the guide's table is read
    documented = documented_gateway_errors()

    # Then each one is documented, and nothing the stack does not send
    assert documented == defined
    assert (504, "integration-failure") in documented


def test_gateway_responses_use_the_lambdas_own_problem_constants() -> None:
    # Given the module that builds the gateway responses

    # Then it uses the Lambda's content type and type prefix, and keeps no copy of its own
    names = vars(gateway_responses)
    assert names["PROBLEM_CONTENT_TYPE"] is problems.PROBLEM_CONTENT_TYPE
    assert names["TYPE_PREFIX"] is problems.TYPE_PREFIX
    assert "PROBLEM_TYPE_PREFIX" not in names

    # And a response built from them has the Lambda's type and content type
    problem = GatewayProblem(
        "THROTTLED", problems.ProblemKind(429, "throttled", "Too many requests")
    )
    assert f'"type": "{problems.TYPE_PREFIX}throttled"' in problem_template(problem)
    assert problem_headers(problem)["Content-Type"] == f"'{problems.PROBLEM_CONTENT_TYPE}'"


def test_the_lambdas_problems_module_is_pure() -> None:
    # Given a fresh interpreter, as the CDK app starts

    # When it imports the Lambda's problems module
    probe = (
        "import sys; import engagement_proxy.problems; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {RUNTIME_ONLY_MODULES!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT / "lambda",
    )

    # Then neither boto3 nor Powertools nor X-Ray came with it
    assert result.stdout.strip() == "[]"


def local_gateway_responses() -> list[GatewayResponse]:
    """Every gateway response local mode's gateway answers with, wherever it is defined."""
    found = [
        value for value in vars(gateway_answers).values() if isinstance(value, GatewayResponse)
    ]
    return [*found, *gateway_answers.REJECTIONS.values()]


def test_local_modes_gateway_answers_as_the_deployed_gateway_responses_do() -> None:
    # Given the gateway responses local mode mirrors (it needs no CDK, so it cannot import them)
    deployed = {problem.response_type: problem for problem in PROBLEMS}
    mirrored = local_gateway_responses()
    assert len(mirrored) >= 6

    for response in mirrored:
        # When the deployed response of the same type is looked up
        problem = deployed.get(response.response_type)

        # Then it exists, with the same status, type suffix and title
        assert problem is not None, response
        assert (response.status, response.slug, response.title) == (
            problem.kind.status,
            problem.kind.slug,
            problem.kind.title,
        ), response.response_type
