"""The OpenAPI contract, docs/openapi.yaml: a valid document that names exactly the handler's
routes and the proxy's and API Gateway's problems; and an oracle that refuses what it forbids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from engagement_proxy import problems
from engagement_proxy.model import (
    Engagement,
    EngagementSummary,
    EngagementWithPages,
    Page,
    PageWithReceipts,
    Receipt,
    ReceiptType,
)
from engagement_proxy.pages_view import engagements_list_view, incident_view, pages_view
from engagement_proxy.policy import Tier
from engagement_proxy.service import ROUTES
from engagement_proxy.view import engagement_view
from infra import gateway_responses
from tests.openapi_check import (
    DOCUMENT_PATH,
    NO_ROUTE,
    PLANNED,
    ContractViolation,
    assert_answer_matches_contract,
    assert_matches_contract,
    assert_no_route_matches_contract,
    document,
    documented_routes,
    template_for,
)

PREFIX = "urn:problem:engagement-proxy:"
ENGAGEMENT_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
    "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
INCIDENT_ARN = (
    "arn:aws:ssm-incidents::111122223333:incident-record/checkout/"
    "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
)
SECURE = "SECURE bridge pin 4411"
MOMENT = datetime(2025, 9, 9, 14, 2, 11, tzinfo=UTC)
ETAG = '"0123456789abcdef0123456789abcdef"'


def headers(**values: str) -> Message:
    message = Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


FULL_HEADERS = {
    "Content_Type": "application/json",
    "Cache_Control": "no-store",
    "Vary": "Authorization",
}
REDACTED_HEADERS = {**FULL_HEADERS, "Cache_Control": "private, no-cache", "ETag": ETAG}
PROBLEM_HEADERS = {"Content_Type": "application/problem+json", "Cache_Control": "no-store"}


def body(document_: Any) -> bytes:
    return json.dumps(document_).encode()


def engagement() -> Engagement:
    return Engagement(
        ContactArn="arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
        EngagementArn=ENGAGEMENT_ARN,
        Sender="tester",
        Subject=SECURE,
        Content=SECURE,
        PublicSubject="test",
        PublicContent=None,
        IncidentId=INCIDENT_ARN,
        StartTime=MOMENT,
        StopTime=None,
    )


def paged() -> PageWithReceipts:
    page = Page(
        PageArn="arn:aws:ssm-contacts:us-east-2:111122223333:page/akua_mansa/"
        "ad0052bd-e606-498a-861b-25726292eb93",
        EngagementArn=ENGAGEMENT_ARN,
        ContactArn="arn:aws:ssm-contacts:us-east-2:111122223333:contact/akua_mansa",
        Sender="tester",
        IncidentId=INCIDENT_ARN,
        SentTime=MOMENT,
        DeliveryTime=None,
        ReadTime=None,
    )
    receipts = (
        Receipt(None, ReceiptType.SENT, SECURE, MOMENT),
        Receipt(None, ReceiptType.ERROR, None, MOMENT),
    )
    return PageWithReceipts(page, receipts)


def summary() -> EngagementSummary:
    return EngagementSummary(
        EngagementArn=ENGAGEMENT_ARN,
        ContactArn="arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
        Sender="tester",
        IncidentId=INCIDENT_ARN,
        StartTime=MOMENT,
        StopTime=None,
    )


# ---- the document --------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    # Given the document as a third-party tool reads it
    spec, _ = read_from_filename(str(DOCUMENT_PATH))
    # When openapi-spec-validator checks it
    validate(spec)
    # Then it is valid, and of version 3.1
    assert str(spec["openapi"]).startswith("3.1.")


def test_documented_routes_are_exactly_the_handlers_routes() -> None:
    # Given the routes the handler dispatches and those the document describes
    handled = {route.template for route in ROUTES}
    documented = documented_routes()
    # When the routes the document marks as planned are set apart
    implemented = {template for template, planned in documented.items() if not planned}
    planned = {template for template, planned in documented.items() if planned}
    # Then every handled route is documented as implemented, and nothing else is; a route that
    # has landed must lose its planned mark
    assert implemented == handled
    assert not planned & handled, f"remove {PLANNED} from {sorted(planned & handled)}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.template)
def test_documented_query_parameters_are_those_the_route_takes(route: Any) -> None:
    # Given a route of the handler and its operation in the document
    operation = document()["paths"][route.template]["get"]
    # When the document's query parameters are listed
    names = set()
    for parameter in operation["parameters"]:
        name = parameter["$ref"].rpartition("/")[2]
        resolved = document()["components"]["parameters"][name]
        if resolved["in"] == "query":
            names.add(resolved["name"])
    # Then they are the parameters the route takes (any other is 400 invalid-query)
    assert names == set(route.parameters)


def _catalogue() -> set[tuple[str, str, int]]:
    """(slug, title, status) of every problem type the document lists."""
    entries = set()
    for name, schema in document()["components"]["schemas"].items():
        if not name.startswith("Problem-"):
            continue
        slug = schema["properties"]["type"]["const"].removeprefix(PREFIX)
        assert name == f"Problem-{slug}"
        # A type API Gateway gives under several statuses has one variant per status.
        for variant in schema.get("oneOf", [{}]):
            fields = {**schema["properties"], **variant.get("properties", {})}
            titles = fields["title"].get("enum", [fields["title"].get("const")])
            (status,) = fields["status"].get("enum", [fields["status"].get("const")])
            entries |= {(slug, title, status) for title in titles}
    return entries


def test_problem_catalogue_is_the_proxys_and_the_gateways() -> None:
    # Given the proxy's problem table and API Gateway's own (its gateway responses); the
    # tables are read where they are defined, as the one place each is decided
    proxy = {*problems._KINDS.values(), problems.INTERNAL_ERROR}
    gateway = {entry.kind for entry in gateway_responses.PROBLEMS}
    # When the document's catalogue is read
    catalogue = _catalogue()
    # Then it lists exactly those problems: every type, title and status, and no other
    assert catalogue == {(kind.slug, kind.title, kind.status) for kind in proxy | gateway}


def test_every_problem_type_a_response_names_is_in_the_catalogue() -> None:
    # Given the slugs of the catalogue
    slugs = {slug for slug, _, _ in _catalogue()}
    # When every `type` a response schema allows is collected
    named = set()
    for schema in document()["components"]["schemas"].values():
        for part in schema.get("allOf", []):
            kind = part.get("properties", {}).get("type", {})
            named |= set(kind.get("enum", [])) | ({kind["const"]} if "const" in kind else set())
    # Then each is a type the catalogue describes
    assert named
    assert {value.removeprefix(PREFIX) for value in named} <= slugs


def test_both_security_schemes_guard_every_operation() -> None:
    # Given the document's security schemes
    schemes = document()["components"]["securitySchemes"]
    # Then SigV4 is API Gateway's awsSigv4 in the Authorization header, and tokens are JWTs
    assert schemes["sigv4"] == {
        **schemes["sigv4"],
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }
    assert (schemes["bearerToken"]["scheme"], schemes["bearerToken"]["bearerFormat"]) == (
        "bearer",
        "JWT",
    )
    # And every operation takes either, and no operation overrides that
    assert document()["security"] == [{"sigv4": []}, {"bearerToken": []}]
    for item in document()["paths"].values():
        assert "security" not in item["get"]


def _media_examples() -> list[tuple[str, str, str, Any]]:
    found = []
    for template, item in document()["paths"].items():
        for status, response in item["get"]["responses"].items():
            if "$ref" in response:
                name = response["$ref"].rpartition("/")[2]
                response = document()["components"]["responses"][name]
            for media_type, media in response.get("content", {}).items():
                for name, example in media.get("examples", {}).items():
                    value = example.get("value")
                    if "$ref" in example:
                        ref = example["$ref"].rpartition("/")[2]
                        value = document()["components"]["examples"][ref]["value"]
                    found.append((f"{template} {status} {name}", status, media_type, value))
    return found


@pytest.mark.parametrize(("where", "status", "media_type", "value"), _media_examples())
def test_every_documented_example_is_an_answer_the_document_allows(
    where: str, status: str, media_type: str, value: Any
) -> None:
    # Given an example answer of the document
    template = where.split(" ")[0]
    redacted = isinstance(value, dict) and value.get("Redacted") not in (None, [])
    sent = REDACTED_HEADERS if redacted else FULL_HEADERS
    if media_type == "application/problem+json":
        sent = {**PROBLEM_HEADERS, "Retry_After": "2"}
    # When it is checked against the document, as an answer
    # Then it is allowed
    assert_matches_contract(
        "GET", template, int(status), headers(**{**sent, "Content_Type": media_type}), body(value)
    )


# ---- the proxy's views, checked against the document's schemas ---------------------------------


@pytest.mark.parametrize("tier", [Tier.FULL, Tier.REDACTED])
@pytest.mark.parametrize(
    ("template", "build"),
    [
        ("/engagements/{engagement}", lambda tier: engagement_view(engagement(), tier)),
        (
            "/engagements/{engagement}/pages",
            lambda tier: pages_view(ENGAGEMENT_ARN, [paged()], False, tier),
        ),
        (
            "/incidents/{incident}/engagements",
            lambda tier: incident_view(
                INCIDENT_ARN, [EngagementWithPages(summary(), (paged(),))], True, tier
            ),
        ),
        ("/engagements", lambda tier: engagements_list_view([summary()], False, tier)),
    ],
    ids=["engagement", "pages", "incident", "list"],
)
def test_each_tiers_view_is_an_answer_the_document_allows(
    template: str, build: Any, tier: Tier
) -> None:
    # Given the view the proxy builds for a tier, with the tier's headers
    view = build(tier)
    sent = FULL_HEADERS if tier is Tier.FULL else REDACTED_HEADERS
    # When it is checked against the document
    # Then it is allowed
    assert_matches_contract("GET", template, 200, headers(**sent), body(view))


def test_redacted_headers_on_a_full_body_are_refused() -> None:
    # Given the full view of an engagement, sent with a redacted answer's headers (an ETag)
    view = engagement_view(engagement(), Tier.FULL)
    # When it is checked against the document
    # Then the tier's caching rule refuses it
    with pytest.raises(ContractViolation, match="Redacted"):
        assert_matches_contract(
            "GET", "/engagements/{engagement}", 200, headers(**REDACTED_HEADERS), body(view)
        )


def test_full_tier_headers_with_an_etag_are_refused() -> None:
    # Given a full answer that carries an ETag (a digest of secure text)
    view = engagement_view(engagement(), Tier.FULL)
    sent = headers(**FULL_HEADERS, ETag=ETAG)
    # When it is checked against the document
    # Then it is refused
    with pytest.raises(ContractViolation, match="ETag"):
        assert_matches_contract("GET", "/engagements/{engagement}", 200, sent, body(view))


@pytest.mark.parametrize(
    ("field", "value"),
    [("Subject", SECURE), ("Content", SECURE), ("Redacted", []), ("Extra", "added")],
)
def test_redacted_body_holding_secure_text_or_other_keys_is_refused(field: str, value: Any) -> None:
    # Given a redacted view with one field changed
    view = {**engagement_view(engagement(), Tier.REDACTED), field: value}
    # When it is checked against the document
    # Then neither tier's schema allows it
    with pytest.raises(ContractViolation, match="body"):
        assert_matches_contract(
            "GET", "/engagements/{engagement}", 200, headers(**REDACTED_HEADERS), body(view)
        )


def test_redacted_pages_with_a_receipt_info_are_refused() -> None:
    # Given the redacted pages view with one ReceiptInfo put back
    view = pages_view(ENGAGEMENT_ARN, [paged()], False, Tier.REDACTED)
    view["Pages"][0]["Receipts"][0]["ReceiptInfo"] = SECURE
    # When it is checked against the document
    # Then it is refused
    with pytest.raises(ContractViolation, match="body"):
        assert_matches_contract(
            "GET", "/engagements/{engagement}/pages", 200, headers(**REDACTED_HEADERS), body(view)
        )


def test_not_modified_with_a_body_is_refused() -> None:
    # Given a 304 that carries a body
    sent = headers(ETag=ETAG, Cache_Control="private, no-cache", Vary="Authorization")
    # When it is checked against the document
    # Then it is refused
    with pytest.raises(ContractViolation, match="no body"):
        assert_matches_contract("GET", "/engagements/{engagement}", 304, sent, b"{}")


def problem(status: int, slug: str, title: str, instance: str = "id-1") -> dict[str, Any]:
    return {
        "type": PREFIX + slug,
        "title": title,
        "status": status,
        "detail": "Say what to do next.",
        "instance": instance,
    }


@pytest.mark.parametrize(
    ("status", "document_", "sent", "match"),
    [
        (418, problem(418, "teapot", "Teapot"), PROBLEM_HEADERS, "not documented"),
        (
            404,
            problem(400, "engagement-not-found", "Engagement not found"),
            PROBLEM_HEADERS,
            "body",
        ),
        (404, problem(404, "engagement-not-found", "Not found"), PROBLEM_HEADERS, "body"),
        (
            404,
            problem(404, "engagement-not-found", "Engagement not found"),
            {"Content_Type": "application/problem+json"},
            "Cache-Control",
        ),
        (
            503,
            problem(503, "upstream-throttled", "SSM Contacts is throttling"),
            PROBLEM_HEADERS,
            "Retry-After",
        ),
        (
            404,
            problem(404, "engagement-not-found", "Engagement not found", "other"),
            {**PROBLEM_HEADERS, "x_amzn_RequestId": "id-1"},
            "request id",
        ),
        (
            404,
            problem(404, "engagement-not-found", "Engagement not found"),
            {**PROBLEM_HEADERS, "Content_Type": "application/json"},
            "Content-Type",
        ),
    ],
    ids=[
        "undocumented-status",
        "status-not-the-http-status",
        "title-of-another-type",
        "no-cache-control",
        "throttled-without-retry-after",
        "instance-not-the-request-id",
        "problem-as-plain-json",
    ],
)
def test_problems_the_document_forbids_are_refused(
    status: int, document_: dict[str, Any], sent: dict[str, str], match: str
) -> None:
    # Given a problem answer that breaks one documented rule
    # When it is checked against the document
    # Then it is refused, naming the rule
    with pytest.raises(ContractViolation, match=match):
        assert_matches_contract(
            "GET", "/engagements/{engagement}", status, headers(**sent), body(document_)
        )


def test_http_api_message_is_refused_from_the_iam_entrance() -> None:
    # Given the token entrance's own 401 body, as if the IAM entrance had sent it
    sent = headers(Content_Type="application/json")
    # When it is checked as an answer to a SigV4 request, and to a token request
    # Then only the token entrance may answer so
    with pytest.raises(ContractViolation, match="IAM entrance"):
        assert_matches_contract(
            "GET", "/engagements", 401, sent, body({"message": "Unauthorized"}), entrance="iam"
        )
    assert_matches_contract(
        "GET", "/engagements", 401, sent, body({"message": "Unauthorized"}), entrance="token"
    )


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/engagements", "/engagements"),
        ("GET", "/engagements/example_escalation/69e4", "/engagements/{engagement}"),
        ("GET", "/engagements/arn:aws:x/pages", "/engagements/{engagement}/pages"),
        ("GET", "/incidents/checkout/6cc8/engagements", "/incidents/{incident}/engagements"),
        ("GET", "/engagements/", None),
        ("GET", "/incidents/checkout/6cc8", None),
        ("POST", "/engagements", None),
        ("GET", "/v1/engagements", None),
    ],
)
def test_requests_take_the_documented_route(method: str, path: str, template: str | None) -> None:
    # Given a request path (a path parameter may hold `/`)
    # When its documented route is looked up
    # Then the most specific template takes it, or none does
    assert template_for(method, path) == template


def test_token_requests_are_routed_on_the_decoded_path() -> None:
    # Given the pages of an engagement whose id has its `/` percent-encoded, asked with a token
    url = "http://127.0.0.1/engagements/example_escalation%2Fnot-a-uuid/pages"
    problem_400 = problem(400, "invalid-engagement-id", "Invalid engagement id")
    # When the proxy's 400 is checked as the answer to a token request and to a SigV4 one
    # Then both take the pages route (a 400 both routes document)
    for sent in ({"Authorization": "Bearer a.b.c"}, {"Authorization": "AWS4-HMAC-SHA256 x"}):
        assert_answer_matches_contract(
            "GET", url, sent, 400, headers(**PROBLEM_HEADERS), body(problem_400)
        )


def test_no_route_answers_are_the_gateways_own() -> None:
    # Given the REST API's answer to a path it has no resource for, and the HTTP API's
    rest = problem(403, "unauthenticated", "Missing authentication")
    rest["detail"] = "Missing Authentication Token"
    # When they are checked as answers to no documented route
    assert_no_route_matches_contract(403, headers(**PROBLEM_HEADERS), body(rest))
    assert_no_route_matches_contract(
        404,
        headers(Content_Type="application/json"),
        body({"message": "Not Found"}),
        entrance="token",
    )
    # Then they are allowed, but a 200 is not
    with pytest.raises(ContractViolation, match="not documented"):
        assert_no_route_matches_contract(200, headers(**FULL_HEADERS), body({}))
    assert NO_ROUTE in document()
