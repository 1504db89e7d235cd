"""The token entrance: with `oidc` configured, an HTTP API whose JWT authorizer guards
its GET routes in front of the same proxy Lambda; without it, nothing at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.config import CONTEXT_KEY, load_config
from infra.context_reader import DeploymentSettingError
from infra.token_api import ACCESS_LOG_FIELDS, TokenApi
from testing_support.docs import doc_json_examples
from tests.infra.conftest import (
    HOME_ACCOUNT,
    MINIMAL_SETTINGS,
    Synthesized,
    cfn_lint_findings,
    synthesize,
)

pytestmark = pytest.mark.infra

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
CLIENT_ID = "4k1vq3p0example5hd2c9mnbt"
ORIGINS = ["https://grafana.example.com", "https://status.example.com:8443"]
TOPIC = "arn:aws:sns:eu-west-1:123456789012:on-call"
TOKEN_POLICY = {
    "rules": [
        {"tier": "full", "issuer": ISSUER, "groups": ["incident-commanders"]},
        {"tier": "redacted", "issuer": ISSUER, "subjects": ["8f1c2d3e-dashboard"]},
        {"tier": "redacted", "accounts": ["444455556666"]},
    ]
}
OIDC = {
    "issuer": ISSUER,
    "audiences": [CLIENT_ID],
    "groups_claim": "cognito:groups",
    "required_scopes": ["engagement-proxy/read"],
    "cors_origins": ORIGINS,
}
SETTINGS = {
    **MINIMAL_SETTINGS,
    "access_policy": TOKEN_POLICY,
    "oidc": OIDC,
    "alarm_topic_arn": TOPIC,
    "throttling_rate_limit": 20,
    "throttling_burst_limit": 30,
    "log_retention_days": 30,
}


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(SETTINGS, tmp_path_factory.mktemp("token"))


def logical_id(synth: Synthesized, resource_type: str, prefix: str) -> str:
    (found,) = [
        name
        for name, resource in synth.resources.items()
        if resource["Type"] == resource_type and name.startswith(prefix)
    ]
    return found


# --- The HTTP API, its authorizer and its routes ------------------------------------------------


def test_the_token_entrance_is_an_http_api(synth: Synthesized) -> None:
    # Given the synthesized template
    api = synth.only("AWS::ApiGatewayV2::Api")

    # Then there is one HTTP API, next to the REST API, which stays as it is
    assert api["ProtocolType"] == "HTTP"
    assert api["Name"] == "EngagementProxy-token"
    assert synth.only("AWS::ApiGatewayV2::Stage")["StageName"] == "$default"
    synth.template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    synth.template.has_resource_properties(
        "AWS::ApiGateway::Method", {"HttpMethod": "GET", "AuthorizationType": "AWS_IAM"}
    )


def test_the_jwt_authorizer_trusts_exactly_the_configured_issuer_and_audiences(
    synth: Synthesized,
) -> None:
    # Given the HTTP API's authorizer
    authorizer = synth.only("AWS::ApiGatewayV2::Authorizer")

    # Then it is API Gateway's built-in JWT authorizer (no authorizer Lambda), reading the
    # bearer token from the Authorization header
    assert authorizer == {
        "ApiId": {"Ref": logical_id(synth, "AWS::ApiGatewayV2::Api", "TokenApi")},
        "AuthorizerType": "JWT",
        "IdentitySource": ["$request.header.Authorization"],
        "JwtConfiguration": {"Audience": [CLIENT_ID], "Issuer": ISSUER},
        "Name": "oidc",
    }
    synth.template.resource_count_is("AWS::Lambda::Function", 1)


def test_no_authorizer_caches_a_decision_for_later_requests(synth: Synthesized) -> None:
    # Given the synthesized template with both entrances
    # Then the REST API has no custom authorizer, whose cached policy could be reused for a
    # different request, and the HTTP API's only authorizer is JWT, which checks every token
    synth.template.resource_count_is("AWS::ApiGateway::Authorizer", 0)
    authorizer = synth.only("AWS::ApiGatewayV2::Authorizer")
    assert authorizer["AuthorizerType"] == "JWT"
    assert "AuthorizerResultTtlInSeconds" not in authorizer


ROUTE_KEYS = ["GET /engagements", "GET /engagements/{proxy+}", "GET /incidents/{proxy+}"]


def test_the_routes_are_the_three_gets_each_with_jwt_authorization_and_the_scopes(
    synth: Synthesized,
) -> None:
    # Given the HTTP API's routes
    routes = synth.all("AWS::ApiGatewayV2::Route")

    # Then GET /engagements, /engagements/{proxy+} (an engagement and its pages) and
    # /incidents/{proxy+} each need a token the authorizer accepts, with the scope
    assert sorted(route["RouteKey"] for route in routes) == ROUTE_KEYS
    authorizer = {"Ref": logical_id(synth, "AWS::ApiGatewayV2::Authorizer", "TokenApi")}
    for route in routes:
        assert route["AuthorizationType"] == "JWT"
        assert route["AuthorizerId"] == authorizer
        assert route["AuthorizationScopes"] == ["engagement-proxy/read"]


def test_every_route_reaches_the_same_proxy_lambda_with_payload_format_2(
    synth: Synthesized,
) -> None:
    # Given the routes and their one integration
    integration = synth.only("AWS::ApiGatewayV2::Integration")
    routes = synth.all("AWS::ApiGatewayV2::Route")
    integration_id = logical_id(synth, "AWS::ApiGatewayV2::Integration", "TokenApi")

    # Then it is a Lambda proxy integration of the one proxy function, with v2 events
    target = {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}
    assert [route["Target"] for route in routes] == [target] * 3
    assert integration == {
        "ApiId": {"Ref": logical_id(synth, "AWS::ApiGatewayV2::Api", "TokenApi")},
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": {
            "Fn::GetAtt": [logical_id(synth, "AWS::Lambda::Function", "Proxy"), "Arn"]
        },
        "PayloadFormatVersion": "2.0",
    }


def test_the_http_api_may_invoke_the_lambda_only_for_its_get_routes(synth: Synthesized) -> None:
    # Given the Lambda's resource-based permissions
    permissions = synth.all("AWS::Lambda::Permission")
    api_id = logical_id(synth, "AWS::ApiGatewayV2::Api", "TokenApi")

    # Then, besides the REST API's three, one per route lets this HTTP API invoke it
    tokens = [p for p in permissions if {"Ref": api_id} in p["SourceArn"]["Fn::Join"][1]]
    assert len(permissions) == 6
    function = {"Fn::GetAtt": [logical_id(synth, "AWS::Lambda::Function", "Proxy"), "Arn"]}
    assert sorted(tokens, key=str) == sorted(
        (
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": function,
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Join": [
                        "",
                        [f"arn:aws:execute-api:eu-west-1:{HOME_ACCOUNT}:", {"Ref": api_id}, path],
                    ]
                },
            }
            for path in ("/*/GET/engagements", "/*/GET/engagements/*", "/*/GET/incidents/*")
        ),
        key=str,
    )


# --- CORS, stage, logs ---------------------------------------------------------------------------


def test_cors_allows_exactly_the_configured_origins_get_and_the_token_header(
    synth: Synthesized,
) -> None:
    # Given the HTTP API's own CORS configuration
    cors = synth.only("AWS::ApiGatewayV2::Api")["CorsConfiguration"]

    # Then only the listed origins may read answers, with GET, sending a bearer token and
    # If-None-Match, and reading the ETag; no cookies
    assert cors == {
        "AllowOrigins": ORIGINS,
        "AllowMethods": ["GET", "OPTIONS"],
        "AllowHeaders": ["Authorization", "If-None-Match"],
        "ExposeHeaders": ["ETag"],
        "AllowCredentials": False,
        "MaxAge": 600,
    }


def test_the_stage_is_throttled_with_detailed_metrics_and_deploys_itself(
    synth: Synthesized,
) -> None:
    # Given the HTTP API's stage
    stage = synth.only("AWS::ApiGatewayV2::Stage")

    # Then the configured rate and burst apply, per-route metrics are on, and every change
    # to the API is deployed with the stack
    assert stage["DefaultRouteSettings"] == {
        "DetailedMetricsEnabled": True,
        "ThrottlingRateLimit": 20,
        "ThrottlingBurstLimit": 30,
    }
    assert stage["AutoDeploy"] is True


def test_access_logs_name_the_token_caller_and_never_the_token_or_a_body(
    synth: Synthesized,
) -> None:
    # Given the stage's access log setting
    setting = synth.only("AWS::ApiGatewayV2::Stage")["AccessLogSettings"]
    fields = json.loads(setting["Format"])

    # Then it goes to the token entrance's own log group, one JSON object per request
    assert setting["DestinationArn"] == {
        "Fn::GetAtt": [logical_id(synth, "AWS::Logs::LogGroup", "TokenApiAccessLogs"), "Arn"]
    }
    assert fields == ACCESS_LOG_FIELDS
    # And each line names request, issuer, subject, status, latency, route and path
    assert {
        "requestId": "$context.requestId",
        "iss": "$context.authorizer.claims.iss",
        "sub": "$context.authorizer.claims.sub",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "routeKey": "$context.routeKey",
        "path": "$context.path",
    }.items() <= fields.items()
    # And nothing that could carry the token, another claim, a header, a query or a body
    claims = [value for value in fields.values() if value.startswith("$context.authorizer.claims")]
    assert sorted(claims) == ["$context.authorizer.claims.iss", "$context.authorizer.claims.sub"]
    assert not [
        value
        for value in fields.values()
        if any(
            part in value.lower()
            for part in ("$input", "body", "header", "querystring", "authorization", "token")
        )
    ]


def test_the_access_logs_keep_the_configured_retention(synth: Synthesized) -> None:
    # Given the log groups: the Lambda's, the REST API's and the HTTP API's access logs
    groups = synth.all("AWS::Logs::LogGroup")

    # Then all three keep 30 days, as configured
    assert [group["RetentionInDays"] for group in groups] == [30, 30, 30]


# --- The Lambda, the alarm, the outputs ------------------------------------------------------


def test_the_lambda_is_told_which_claim_holds_the_groups(synth: Synthesized) -> None:
    # Given the function's environment
    variables = synth.only("AWS::Lambda::Function")["Environment"]["Variables"]

    # Then the groups claim is the configured one, and the policy names the trusted issuer
    assert variables["OIDC_GROUPS_CLAIM"] == "cognito:groups"
    assert json.loads(variables["ACCESS_POLICY"]) == TOKEN_POLICY


def test_an_alarm_watches_the_token_entrance_5xx_and_notifies_the_topic(
    synth: Synthesized,
) -> None:
    # Given the alarm on the HTTP API's server errors
    (alarm,) = [a for a in synth.all("AWS::CloudWatch::Alarm") if a["MetricName"] == "5xx"]

    # Then it watches this API, on the same terms and topic as the other alarms
    assert alarm["Namespace"] == "AWS/ApiGateway"
    assert alarm["Dimensions"] == [
        {"Name": "ApiId", "Value": {"Ref": logical_id(synth, "AWS::ApiGatewayV2::Api", "Token")}}
    ]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [TOPIC] and alarm["OKActions"] == [TOPIC]
    assert len(synth.all("AWS::CloudWatch::Alarm")) == 6


def test_outputs_give_the_token_entrance_url_and_a_bearer_curl(synth: Synthesized) -> None:
    # Given the stack outputs
    outputs = synth.outputs
    api_id = logical_id(synth, "AWS::ApiGatewayV2::Api", "TokenApi")
    host = [
        "https://",
        {"Ref": api_id},
        ".execute-api.eu-west-1.",
        {"Ref": "AWS::URLSuffix"},
    ]

    # Then the token entrance's URL and a ready curl join the REST API's
    assert set(outputs) == {"ApiUrl", "FirstRequest", "TokenApiUrl", "TokenFirstRequest"}
    assert outputs["TokenApiUrl"]["Value"] == {"Fn::Join": ["", [*host, "/"]]}
    assert outputs["TokenFirstRequest"]["Value"] == {
        "Fn::Join": [
            "",
            [
                'curl -H "Authorization: Bearer $TOKEN" "https://',
                *host[1:],
                '/engagements/CONTACT_ALIAS/ENGAGEMENT_ID"',
            ],
        ]
    }


# --- Compliance --------------------------------------------------------------------------------
# cdk-nag runs in the fixture's synth: an unacknowledged finding fails every test of this module.


def test_cfn_lint_finds_nothing(synth: Synthesized) -> None:
    # Given the template with the token entrance

    # When the real cfn-lint checks it
    findings = cfn_lint_findings(synth, "eu-west-1")

    # Then there is nothing to report
    assert findings == []


# --- Configuration -----------------------------------------------------------------------------


def oidc_settings(**overrides: Any) -> dict[str, Any]:
    return {**SETTINGS, "oidc": {**OIDC, **overrides}}


def test_oidc_settings_take_their_defaults() -> None:
    # Given only an issuer and an audience
    raw = {**SETTINGS, "oidc": {"issuer": ISSUER, "audiences": [CLIENT_ID]}}

    # When they are loaded
    oidc = load_config({CONTEXT_KEY: raw}).oidc

    # Then the groups claim is `groups`, and no scope or CORS origin is required
    assert oidc is not None
    assert (oidc.groups_claim, oidc.required_scopes, oidc.cors_origins) == ("groups", (), ())


def test_without_origins_the_http_api_has_no_cors_configuration() -> None:
    # Given oidc without cors_origins (curl and servers only, no browser dashboards)
    config = load_config({CONTEXT_KEY: oidc_settings(cors_origins=[])})
    assert config.oidc is not None
    stack = Stack(App(), "Bare", env=Environment(account=HOME_ACCOUNT, region="eu-west-1"))
    handler = lambda_.Function.from_function_arn(
        stack, "Proxy", f"arn:aws:lambda:eu-west-1:{HOME_ACCOUNT}:function:proxy"
    )

    # When the token entrance is built
    TokenApi(stack, "TokenApi", config=config, oidc=config.oidc, handler=handler)

    # Then the HTTP API has no CORS configuration: browsers get no CORS headers at all
    (api,) = Template.from_stack(stack).find_resources("AWS::ApiGatewayV2::Api").values()
    assert "CorsConfiguration" not in api["Properties"]


BAD_OIDC = [
    (oidc_settings(issuer="http://idp.example.com"), "oidc.issuer", "https issuer URL"),
    (oidc_settings(issuer="https://idp.example.com/?x=1"), "oidc.issuer", "https issuer URL"),
    (oidc_settings(issuer=None), "oidc.issuer", "is required"),
    (oidc_settings(audiences=[]), "oidc.audiences", "is required"),
    (oidc_settings(audiences=[CLIENT_ID, CLIENT_ID]), "oidc.audiences[1]", "listed twice"),
    (oidc_settings(cors_origins=["*"]), "oidc.cors_origins[0]", "'*' is refused"),
    (
        oidc_settings(cors_origins=[ORIGINS[0], "https://*.example.com"]),
        "oidc.cors_origins[1]",
        "is refused",
    ),
    (
        oidc_settings(cors_origins=["https://grafana.example.com/"]),
        "oidc.cors_origins[0]",
        "exact https origin",
    ),
    (
        oidc_settings(cors_origins=["http://grafana.example.com"]),
        "oidc.cors_origins[0]",
        "exact https origin",
    ),
    (oidc_settings(required_scopes=["read all"]), "oidc.required_scopes[0]", "OAuth scope"),
    (oidc_settings(groups_claim="my groups"), "oidc.groups_claim", "the Lambda would refuse it"),
    (oidc_settings(audience=[CLIENT_ID]), "oidc.audience", "unknown setting"),
    ({**SETTINGS, "oidc": ISSUER}, "oidc", "must be an object"),
    (
        {
            **oidc_settings(),
            "endpoint_type": "PRIVATE",
            "vpc_endpoint_ids": ["vpce-0123456789abcdef0"],
        },
        "oidc",
        "endpoint_type PRIVATE",
    ),
    (
        oidc_settings(issuer="https://login.microsoftonline.com/tenant/v2.0"),
        "access_policy",
        f"rules[0].issuer: {ISSUER!r} is not trusted by this deployment "
        "(oidc.issuer is 'https://login.microsoftonline.com/tenant/v2.0')",
    ),
    (
        {**SETTINGS, "oidc": None},
        "access_policy",
        f"rules[0].issuer: {ISSUER!r} is a token issuer, but oidc is not configured",
    ),
]


@pytest.mark.parametrize(
    ("raw", "key", "reason"),
    BAD_OIDC,
    ids=[f"{key}:{reason[:24]}" for _, key, reason in BAD_OIDC],
)
def test_a_bad_token_entrance_setting_fails_naming_its_key(
    raw: dict[str, Any], key: str, reason: str
) -> None:
    # Given a configuration with one bad token-entrance setting

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: raw})

    # Then the error names the key in cdk.json, and says what is wrong
    assert caught.value.key == f"engagement-proxy.{key}"
    assert reason in caught.value.reason


def test_a_policy_rule_for_an_untrusted_issuer_names_the_rule() -> None:
    # Given a trusted issuer, and a second rule for another identity provider
    other = "https://accounts.google.com"
    policy = {"rules": [*TOKEN_POLICY["rules"], {"tier": "full", "issuer": other, "groups": ["x"]}]}

    # When it is loaded
    with pytest.raises(DeploymentSettingError) as caught:
        load_config({CONTEXT_KEY: {**SETTINGS, "access_policy": policy}})

    # Then the message points at that rule (the fourth) and at the issuer that is trusted
    assert str(caught.value) == (
        "cdk.json context engagement-proxy.access_policy: rules[3].issuer: "
        f"'{other}' is not trusted by this deployment (oidc.issuer is '{ISSUER}')"
    )


def test_the_examples_in_the_token_entrance_guide_are_valid() -> None:
    # Given each JSON example in the deployment guide's "Token entrance (OIDC)" section
    examples = doc_json_examples("docs/deploy.md", "Token entrance (OIDC)")

    # When each is loaded over the minimal settings
    configs = [
        load_config({CONTEXT_KEY: {**MINIMAL_SETTINGS, **json.loads(example)}})
        for example in examples
    ]

    # Then each configures a token entrance
    assert configs and all(config.oidc is not None for config in configs)
