"""The synthesized template for a full REGIONAL configuration: least privilege, IAM auth on
every method, a resource policy naming exactly the configured callers, and observability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from engagement_proxy.policy import parse_access_policy
from infra.gateway_responses import PROBLEMS
from tests.infra.conftest import HOME_ACCOUNT, POLICY, Synthesized, cfn_lint_findings, synthesize

pytestmark = pytest.mark.infra

ORG = "o-a1b2c3d4e5"
CALLER_ROLE = "arn:aws:iam::210987654321:role/IncidentCommander"
KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:on-call"
SETTINGS = {
    "served_regions": ["eu-west-1", "us-east-1"],
    "access_policy": POLICY,
    "allowed_accounts": ["444455556666"],
    "allowed_org_ids": [ORG],
    "allowed_principals": [CALLER_ROLE],
    "kms_key_arn": KMS_KEY,
    "alarm_topic_arn": TOPIC,
    "log_level": "WARNING",
    "log_retention_days": 30,
    "throttling_rate_limit": 25,
    "throttling_burst_limit": 40,
    "powertools_layer_version": 31,
}
# The three route families: one engagement (and its pages), the engagements of a window, and
# the engagements of an incident.
INVOKE_GET = [
    "execute-api:/v1/GET/engagements",
    "execute-api:/v1/GET/engagements/*",
    "execute-api:/v1/GET/incidents/*",
]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(SETTINGS, tmp_path_factory.mktemp("full"))


def statements_by_sid(synth: Synthesized) -> dict[str, dict[str, Any]]:
    policy = synth.only("AWS::ApiGateway::RestApi")["Policy"]
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def test_every_method_requires_iam_authorization(synth: Synthesized) -> None:
    # Given the synthesized API

    # Then every method uses SigV4 and is a GET, one per route family
    synth.template.all_resources_properties(
        "AWS::ApiGateway::Method", {"AuthorizationType": "AWS_IAM", "HttpMethod": "GET"}
    )
    synth.template.resource_count_is("AWS::ApiGateway::Method", 3)


def resource_paths(synth: Synthesized) -> dict[str, str]:
    """Each API Gateway resource's logical id and its full path."""
    resources = {
        name: r["Properties"]
        for name, r in synth.resources.items()
        if r["Type"] == "AWS::ApiGateway::Resource"
    }

    def path(name: str) -> str:
        parent = resources[name]["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{resources[name]['PathPart']}"

    return {name: path(name) for name in resources}


def test_the_methods_are_the_three_routes_with_lambda_proxy_integrations(
    synth: Synthesized,
) -> None:
    # Given the API's resources and methods
    paths = resource_paths(synth)
    methods = {paths[m["ResourceId"]["Ref"]]: m for m in synth.all("AWS::ApiGateway::Method")}

    # Then GET /engagements, the greedy /engagements/{proxy+} (an engagement and its pages)
    # and the greedy /incidents/{proxy+} are each served by the Lambda proxy integration
    assert sorted(paths.values()) == [
        "/engagements",
        "/engagements/{proxy+}",
        "/incidents",
        "/incidents/{proxy+}",
    ]
    assert sorted(methods) == ["/engagements", "/engagements/{proxy+}", "/incidents/{proxy+}"]
    assert {m["Integration"]["Type"] for m in methods.values()} == {"AWS_PROXY"}
    # And the greedy paths are required, while the window's query is the Lambda's to check
    assert methods["/engagements/{proxy+}"]["RequestParameters"] == {
        "method.request.path.proxy": True
    }
    assert methods["/incidents/{proxy+}"]["RequestParameters"] == {
        "method.request.path.proxy": True
    }
    assert "RequestParameters" not in methods["/engagements"]
    # And one request validator serves them all
    (validator,) = synth.all("AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestParameters"] is True
    assert len({str(m["RequestValidatorId"]) for m in methods.values()}) == 1


def test_the_resource_policy_allows_exactly_the_configured_callers(synth: Synthesized) -> None:
    # Given the resource policy
    statements = statements_by_sid(synth)

    # Then accounts and roles are allowed by principal, the org by aws:PrincipalOrgID
    listed = statements["AllowListedAccountsAndRoles"]
    assert sorted(listed.pop("Principal")["AWS"]) == [CALLER_ROLE, "arn:aws:iam::444455556666:root"]
    assert listed == {
        "Sid": "AllowListedAccountsAndRoles",
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": INVOKE_GET,
    }
    assert statements["AllowListedOrganizations"] == {
        "Sid": "AllowListedOrganizations",
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Principal": {"AWS": "*"},
        "Resource": INVOKE_GET,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": [ORG]}},
    }
    # And anyone else is denied, even an IAM principal of the home account
    assert statements["DenyEveryoneElse"] == {
        "Sid": "DenyEveryoneElse",
        "Effect": "Deny",
        "Action": "execute-api:Invoke",
        "Principal": {"AWS": "*"},
        "Resource": INVOKE_GET,
        "Condition": {
            "StringNotEquals": {
                "aws:PrincipalAccount": ["444455556666"],
                "aws:PrincipalOrgID": [ORG],
            },
            "ArnNotLike": {"aws:PrincipalArn": [CALLER_ROLE]},
        },
    }
    assert set(statements) == {
        "AllowListedAccountsAndRoles",
        "AllowListedOrganizations",
        "DenyEveryoneElse",
    }


def test_the_endpoint_is_regional(synth: Synthesized) -> None:
    # Given the API's endpoint configuration
    endpoint = synth.only("AWS::ApiGateway::RestApi")["EndpointConfiguration"]

    # Then it is REGIONAL, bound to no VPC endpoint
    assert endpoint == {"Types": ["REGIONAL"]}


def test_the_lambda_role_has_exactly_the_upstream_permissions(synth: Synthesized) -> None:
    # Given the Lambda role's only policy
    (policy,) = synth.all("AWS::IAM::Policy")
    statements = policy["PolicyDocument"]["Statement"]

    # Then it describes engagements of the served account in each served region and lists
    # their pages, the pages' receipts and the regions' engagements, decrypts with the
    # configured key, writes its own log group and sends traces; nothing else
    assert statements == [
        {
            "Sid": "DescribeServedEngagements",
            "Effect": "Allow",
            "Action": "ssm-contacts:DescribeEngagement",
            "Resource": [
                f"arn:aws:ssm-contacts:eu-west-1:{HOME_ACCOUNT}:engagement/*",
                f"arn:aws:ssm-contacts:us-east-1:{HOME_ACCOUNT}:engagement/*",
            ],
        },
        {
            "Sid": "ListPagesOfServedEngagements",
            "Effect": "Allow",
            "Action": "ssm-contacts:ListPagesByEngagement",
            "Resource": [
                f"arn:aws:ssm-contacts:eu-west-1:{HOME_ACCOUNT}:engagement/*",
                f"arn:aws:ssm-contacts:us-east-1:{HOME_ACCOUNT}:engagement/*",
            ],
        },
        {
            "Sid": "ListReceiptsOfServedPages",
            "Effect": "Allow",
            "Action": "ssm-contacts:ListPageReceipts",
            "Resource": [
                f"arn:aws:ssm-contacts:eu-west-1:{HOME_ACCOUNT}:page/*",
                f"arn:aws:ssm-contacts:us-east-1:{HOME_ACCOUNT}:page/*",
            ],
        },
        {
            # ListEngagements names no resource IAM could check: the served regions bound it.
            "Sid": "ListEngagementsInServedRegions",
            "Effect": "Allow",
            "Action": "ssm-contacts:ListEngagements",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
        },
        {
            "Sid": "DecryptEngagementsWithCustomerKey",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": KMS_KEY,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": [
                        "ssm-contacts.eu-west-1.amazonaws.com",
                        "ssm-contacts.us-east-1.amazonaws.com",
                    ]
                }
            },
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": [_logical_id(synth, "AWS::Logs::LogGroup", "Proxy"), "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": "*",
        },
    ]


def test_the_customer_key_decrypts_only_through_ssm_contacts_of_each_served_region(
    synth: Synthesized,
) -> None:
    # Given every IAM statement that grants kms:Decrypt
    decrypts = [
        statement
        for policy in synth.all("AWS::IAM::Policy")
        for statement in policy["PolicyDocument"]["Statement"]
        if "kms:Decrypt" in _as_list(statement["Action"])
    ]

    # Then there is one, on the configured key, usable only by SSM Contacts on the proxy's
    # behalf in a served region: the role cannot decrypt anything with the key directly
    (statement,) = decrypts
    assert statement["Resource"] == KMS_KEY
    assert statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": [
                "ssm-contacts.eu-west-1.amazonaws.com",
                "ssm-contacts.us-east-1.amazonaws.com",
            ]
        }
    }


def test_no_role_has_a_wildcard_action_and_the_lambda_role_no_managed_policy(
    synth: Synthesized,
) -> None:
    # Given every IAM statement and the Lambda's role
    actions = [
        action
        for policy in synth.all("AWS::IAM::Policy")
        for statement in policy["PolicyDocument"]["Statement"]
        for action in _as_list(statement["Action"])
    ]
    lambda_role = synth.resources[_logical_id(synth, "AWS::IAM::Role", "Proxy")]["Properties"]

    # Then no action is a wildcard, and the Lambda role carries no AWS managed policy
    assert actions and not [action for action in actions if "*" in action]
    assert "ManagedPolicyArns" not in lambda_role
    assert not synth.all("AWS::IAM::User") and not synth.all("AWS::IAM::AccessKey")


def test_the_lambda_runs_the_handler_on_arm64_with_the_pinned_powertools_layer(
    synth: Synthesized,
) -> None:
    # Given the function
    function = synth.only("AWS::Lambda::Function")

    # Then it is the newest Python both CDK and Powertools support, on arm64
    assert function["Runtime"] == "python3.14"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "engagement_proxy.handler.lambda_handler"
    assert function["TracingConfig"] == {"Mode": "Active"}
    # And its 15 s timeout leaves the Lambda's own 504 (10 s) well before API Gateway's 29 s
    assert function["Timeout"] == 15
    assert function["Layers"] == [
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:31"
    ]


def test_the_lambda_environment_is_the_contract_with_the_core(synth: Synthesized) -> None:
    # Given the function's environment
    variables = synth.only("AWS::Lambda::Function")["Environment"]["Variables"]

    # Then it carries exactly the agreed settings: the cache with its defaults, and traces
    # that never capture a response or an exception message
    assert variables == {
        "SERVED_ACCOUNT_ID": HOME_ACCOUNT,
        "SERVED_REGIONS": "eu-west-1,us-east-1",
        "ACCESS_POLICY": json.dumps(POLICY, separators=(",", ":")),
        "UPSTREAM_TIMEOUT_SECONDS": "10",
        "TRACE_UPSTREAM": "false",
        "CACHE_ENABLED": "true",
        "CACHE_TTL_RUNNING_SECONDS": "5",
        "CACHE_TTL_STOPPED_SECONDS": "300",
        "CACHE_TTL_NOT_FOUND_SECONDS": "5",
        "CACHE_MAX_ENTRIES": "512",
        "POWERTOOLS_SERVICE_NAME": "engagement-proxy",
        "POWERTOOLS_METRICS_NAMESPACE": "EngagementProxy",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    }
    # And the policy in it is one the Lambda's parser accepts
    assert parse_access_policy(variables["ACCESS_POLICY"]).rules


def test_the_lambda_asset_holds_only_the_package(synth: Synthesized) -> None:
    # Given the staged Lambda asset
    code = synth.only("AWS::Lambda::Function")["Code"]
    asset = synth.outdir / f"asset.{code['S3Key'].removesuffix('.zip')}"
    files = [path.relative_to(asset) for path in asset.rglob("*") if path.is_file()]

    # Then it is the engagement_proxy package's source, without caches
    assert files and all(path.parts[0] == "engagement_proxy" for path in files)
    assert not [path for path in files if "__pycache__" in path.parts or path.suffix == ".pyc"]
    assert Path("engagement_proxy/handler.py") in files


def test_api_gateway_may_invoke_the_lambda_only_through_its_get_methods(
    synth: Synthesized,
) -> None:
    # Given the Lambda's resource-based permissions
    permissions = synth.all("AWS::Lambda::Permission")

    # Then there is one per deployed GET method (no console test-invoke grant), and no other
    stage = {"Ref": _logical_id(synth, "AWS::ApiGateway::Stage", "Api")}
    assert {p["Principal"] for p in permissions} == {"apigateway.amazonaws.com"}
    assert sorted(p["SourceArn"]["Fn::Join"][1][-1] for p in permissions) == [
        "/GET/engagements",
        "/GET/engagements/*",
        "/GET/incidents/*",
    ]
    assert all(p["SourceArn"]["Fn::Join"][1][-2] == stage for p in permissions)


def test_the_stage_is_throttled_traced_and_never_logs_bodies(synth: Synthesized) -> None:
    # Given the stage
    stage = synth.only("AWS::ApiGateway::Stage")

    # Then data tracing (full request and response logging) is off, execution logs hold
    # errors only, detailed metrics and X-Ray are on, and the configured throttling applies
    assert stage["MethodSettings"] == [
        {
            "HttpMethod": "*",
            "ResourcePath": "/*",
            "DataTraceEnabled": False,
            "LoggingLevel": "ERROR",
            "MetricsEnabled": True,
            "ThrottlingRateLimit": 25,
            "ThrottlingBurstLimit": 40,
        }
    ]
    assert stage["TracingEnabled"] is True
    assert stage["StageName"] == "v1"


def test_access_logs_are_json_with_the_caller_and_no_body(synth: Synthesized) -> None:
    # Given the access log format
    log_format = synth.only("AWS::ApiGateway::Stage")["AccessLogSetting"]["Format"]
    fields = json.loads(log_format)

    # Then each line names request, caller, account, status, latency and resource path
    assert {
        "requestId": "$context.requestId",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "accountId": "$context.identity.accountId",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "resourcePath": "$context.resourcePath",
    }.items() <= fields.items()
    # And nothing that could carry a body, a header, a query or the path's engagement id
    assert not [
        value
        for value in fields.values()
        if any(part in value.lower() for part in ("$input", "body", "header", "querystring"))
        or value in ("$context.path", "$context.requestOverride", "$context.responseOverride")
    ]


def test_log_groups_keep_the_configured_retention(synth: Synthesized) -> None:
    # Given the log groups (the Lambda's and the access logs)
    groups = synth.all("AWS::Logs::LogGroup")

    # Then both keep 30 days, as configured
    assert [group["RetentionInDays"] for group in groups] == [30, 30]


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda problem: problem.response_type)
def test_gateway_errors_use_the_problem_json_shape(synth: Synthesized, problem: Any) -> None:
    # Given the gateway response for one of API Gateway's own errors
    (response,) = [
        r
        for r in synth.all("AWS::ApiGateway::GatewayResponse")
        if r["ResponseType"] == problem.response_type
    ]

    # When API Gateway fills in its context variables
    body = json.loads(
        response["ResponseTemplates"]["application/json"]
        .replace("$context.error.messageString", json.dumps('Say "no"\nplease'))
        .replace("$context.requestId", "req-1")
    )

    # Then the caller gets the Lambda's RFC 9457 shape, with the status it is sent with
    assert body == {
        "type": f"urn:problem:engagement-proxy:{problem.kind.slug}",
        "title": problem.kind.title,
        "status": problem.kind.status,
        "detail": 'Say "no"\nplease',
        "instance": "req-1",
    }
    assert response["StatusCode"] == str(problem.kind.status)
    headers = response["ResponseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"


def test_the_named_gateway_errors_have_their_slugs_and_statuses(synth: Synthesized) -> None:
    # Given all gateway responses, by type
    responses = {r["ResponseType"]: r for r in synth.all("AWS::ApiGateway::GatewayResponse")}

    def slug_and_status(response_type: str) -> tuple[str, str]:
        template = responses[response_type]["ResponseTemplates"]["application/json"]
        slug = template.split("urn:problem:engagement-proxy:")[1].split('"')[0]
        return slug, responses[response_type]["StatusCode"]

    # Then signatures, denial, throttling, timeouts and the defaults are all covered
    assert slug_and_status("MISSING_AUTHENTICATION_TOKEN") == ("unauthenticated", "403")
    assert slug_and_status("INVALID_SIGNATURE") == ("unauthenticated", "403")
    assert slug_and_status("ACCESS_DENIED") == ("access-denied", "403")
    assert slug_and_status("THROTTLED") == ("throttled", "429")
    assert slug_and_status("INTEGRATION_TIMEOUT") == ("integration-timeout", "504")
    assert slug_and_status("DEFAULT_4XX") == ("bad-request", "400")
    assert slug_and_status("DEFAULT_5XX") == ("internal-error", "500")
    # And a throttled caller is told when to come back
    throttled = responses["THROTTLED"]["ResponseParameters"]
    assert throttled["gatewayresponse.header.Retry-After"] == "'1'"


def test_alarms_watch_errors_throttles_5xx_the_role_fault_and_latency_and_notify_the_topic(
    synth: Synthesized,
) -> None:
    # Given the alarms
    alarms = {alarm["MetricName"]: alarm for alarm in synth.all("AWS::CloudWatch::Alarm")}

    # Then the five signals are watched, each notifying the configured topic
    assert set(alarms) == {
        "Errors",
        "Throttles",
        "5XXError",
        "UpstreamRoleFault",
        "UpstreamLatency",
    }
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [TOPIC]
        assert alarm["OKActions"] == [TOPIC]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert {alarm["Threshold"] for name, alarm in alarms.items() if name != "UpstreamLatency"} == {
        1
    }
    # And the latency alarm fires when the p99 upstream wait reaches half the deadline
    latency = alarms["UpstreamLatency"]
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Dimensions"] == [{"Name": "service", "Value": "engagement-proxy"}]
    assert latency["Threshold"] == 5000  # half the default 10 s deadline
    # And the role-fault alarm reads the core's EMF metric under its service dimension
    role_fault = alarms["UpstreamRoleFault"]
    assert role_fault["Namespace"] == "EngagementProxy"
    assert role_fault["Dimensions"] == [{"Name": "service", "Value": "engagement-proxy"}]
    assert role_fault["Statistic"] == "Sum"
    # And the API alarm watches this API's stage
    assert {d["Name"] for d in alarms["5XXError"]["Dimensions"]} == {"ApiName", "Stage"}


def test_outputs_give_the_url_and_a_first_signed_curl(synth: Synthesized) -> None:
    # Given the stack outputs
    outputs = synth.outputs

    # Then there is the API URL and a ready SigV4 curl for a first GET
    assert set(outputs) == {"ApiUrl", "FirstRequest"}
    curl = json.dumps(outputs["FirstRequest"]["Value"])
    assert 'curl --aws-sigv4 \\"aws:amz:eu-west-1:execute-api\\"' in curl
    assert '--user \\"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\\"' in curl
    assert '-H \\"x-amz-security-token: $AWS_SESSION_TOKEN\\"' in curl
    assert curl.endswith('"/engagements/CONTACT_ALIAS/ENGAGEMENT_ID\\""]]}')
    synth.template.has_output(
        "ApiUrl",
        {
            "Value": {
                "Fn::Join": [
                    "",
                    Match.array_with(["https://", Match.string_like_regexp("execute-api")]),
                ]
            }
        },
    )


def test_cfn_lint_finds_nothing(synth: Synthesized) -> None:
    # Given the template of the full configuration (KMS key, topic, grants of every kind)

    # When the real cfn-lint checks it
    findings = cfn_lint_findings(synth, "eu-west-1")

    # Then there is nothing to report
    assert findings == []


def _logical_id(synth: Synthesized, resource_type: str, prefix: str) -> str:
    (logical_id,) = [
        name
        for name, resource in synth.resources.items()
        if resource["Type"] == resource_type and name.startswith(prefix)
    ]
    return logical_id


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
