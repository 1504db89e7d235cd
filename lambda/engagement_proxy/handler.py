"""The Lambda entry point: Powertools wiring over the pure core, and nothing else.

Two entrances reach this one function: the REST API (v1 events, AWS_IAM, identity from
`requestContext.identity`) and the HTTP API (v2 events, JWT authorizer, identity from
`requestContext.authorizer.jwt.claims`). Each has its Powertools resolver; everything after
"who is calling and which engagement" is shared.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
)
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from engagement_proxy.audit import AuditRecord
from engagement_proxy.cache import EngagementCache
from engagement_proxy.conditional import etag_for, not_modified
from engagement_proxy.config import SettingError, Settings, load_settings
from engagement_proxy.errors import (
    CallerDenied,
    InvalidEngagementId,
    MethodNotAllowed,
    ProxyError,
    ProxyMisconfigured,
    RouteNotFound,
    UpstreamRoleFault,
)
from engagement_proxy.identity import Caller, caller_from_jwt_claims, caller_from_rest_identity
from engagement_proxy.ids import EngagementRef, parse_engagement_ref
from engagement_proxy.model import Described
from engagement_proxy.policy import Tier, tier_for
from engagement_proxy.problems import INTERNAL_ERROR, PROBLEM_CONTENT_TYPE, Problem, problem_for
from engagement_proxy.upstream import SsmContacts
from engagement_proxy.view import engagement_view

ROUTE_PREFIX = "/engagements/"
ENGAGEMENT_ROUTE = ROUTE_PREFIX + ".+"  # a regex: Powertools' <param> segments never match "/"
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

logger = Logger()
# No library patching: X-Ray's botocore patch costs every upstream call ~0.2 ms even when the
# request is not sampled; the one call that matters gets its own subsegment below.
tracer = Tracer(patch_modules=[])
metrics = Metrics()


def _load_settings() -> tuple[Settings | None, SettingError | None]:
    try:
        return load_settings(os.environ), None
    except SettingError as error:
        logger.error(
            "Invalid configuration: no request will be served",
            extra={"setting": error.setting, "reason": error.reason},
        )
        return None, error


SETTINGS, CONFIG_ERROR = _load_settings()
UPSTREAM = SsmContacts(SETTINGS.upstream_timeout_seconds) if SETTINGS else None
CACHE = EngagementCache(SETTINGS.cache) if SETTINGS and SETTINGS.cache else None


def _dig(event: Any, *keys: str) -> Any:
    for key in keys:
        event = event.get(key) if isinstance(event, dict) else None
    return event


def _configured() -> tuple[Settings, SsmContacts]:
    if SETTINGS is None or UPSTREAM is None:
        setting = CONFIG_ERROR.setting if CONFIG_ERROR else "unknown"
        raise ProxyMisconfigured(f"The proxy's setting {setting} is missing or invalid.")
    return SETTINGS, UPSTREAM


def _rest_caller(event: dict[str, Any], _: Settings) -> Caller | None:
    return caller_from_rest_identity(_dig(event, "requestContext", "identity"))


def _token_caller(event: dict[str, Any], settings: Settings) -> Caller | None:
    claims = _dig(event, "requestContext", "authorizer", "jwt", "claims")
    return caller_from_jwt_claims(claims, settings.groups_claim)


@dataclass(frozen=True)
class Entrance:
    """How one API Gateway flavour delivers a request."""

    app: ApiGatewayResolver
    caller: Callable[[dict[str, Any], Settings], Caller | None]
    # REST APIs pass the path still percent-encoded, HTTP APIs decoded.
    percent_encoded_path: bool


# debug=False whatever POWERTOOLS_DEV says: debug mode prints whole events, tokens included.
IAM_ENTRANCE = Entrance(
    APIGatewayRestResolver(debug=False), _rest_caller, percent_encoded_path=True
)
TOKEN_ENTRANCE = Entrance(
    APIGatewayHttpResolver(debug=False), _token_caller, percent_encoded_path=False
)


def get_engagement(entrance: Entrance) -> Response[str]:
    event = entrance.app.current_event
    audit: AuditRecord = entrance.app.context["audit"]
    settings, upstream = _configured()

    caller = entrance.caller(event.raw_event, settings)
    audit.record_caller(caller)
    tier = tier_for(settings.policy, caller)
    audit.tier = tier.value
    if caller is None:
        raise CallerDenied("The request carries no authenticated identity.")
    if tier is Tier.DENY:
        raise CallerDenied("The access policy does not let this caller read engagements.")

    ref = parse_engagement_ref(
        event.path.removeprefix(ROUTE_PREFIX),
        _region_parameter(event.raw_event),
        settings,
        percent_encoded=entrance.percent_encoded_path,
    )
    audit.engagement_arn = ref.arn

    described = _describe(upstream, ref, audit)
    if tier is Tier.REDACTED:
        metrics.add_metric(name="Redactions", unit=MetricUnit.Count, value=1)
    body = json.dumps(engagement_view(described.engagement, tier), separators=(",", ":"))
    etag = etag_for(body)
    # Browsers and proxies may keep the answer but must ask again each time, and never share
    # one caller's answer with another.
    headers = {"Cache-Control": "private, no-cache", "Vary": "Authorization", "ETag": etag}
    if not_modified(event.headers.get("if-none-match"), etag):
        audit.outcome = "not-modified"
        return Response(status_code=304, headers=headers, body="")
    audit.outcome = "served"
    return Response(status_code=200, content_type="application/json", body=body, headers=headers)


def _describe(upstream: SsmContacts, ref: EngagementRef, audit: AuditRecord) -> Described:
    if CACHE is None:
        audit.cache = "off"
        return _call_upstream(upstream, ref, audit)
    # "hit": answered without an upstream call of its own (kept, or shared with a call that
    # another request of this container had under way).
    audit.cache = "hit"

    def load() -> Described:
        audit.cache = "miss"
        return _call_upstream(upstream, ref, audit)

    return CACHE.get(ref.arn, load)


def _call_upstream(upstream: SsmContacts, ref: EngagementRef, audit: AuditRecord) -> Described:
    """DescribeEngagement in a subsegment of its own. A failure is annotated by its code and
    re-raised outside the subsegment: X-Ray records an exception crossing it with its message,
    and an unexpected exception's message may hold data traces must never carry."""
    failure: Exception | None = None
    with tracer.provider.in_subsegment("## describe_engagement") as subsegment:
        try:
            described = upstream.describe_engagement(ref)
        except Exception as error:
            failure = error
            code = error.upstream_code if isinstance(error, ProxyError) else None
            subsegment.put_annotation("upstream_error", code or type(error).__name__)
    if failure is not None:
        raise failure
    audit.upstream_request_id = described.request_id
    return described


def problem_response(entrance: Entrance, error: Exception) -> Response[str]:
    problem, headers, body = _problem(error, entrance.app.current_event.raw_event)
    audit: AuditRecord | None = entrance.app.context.get("audit")
    if audit is not None:
        audit.outcome = problem.kind.slug
        if isinstance(error, ProxyError) and error.upstream_code:
            audit.upstream_error = error.upstream_code
            if audit.cache != "hit":  # a shared call's id belongs to the request that made it
                audit.upstream_request_id = error.upstream_request_id
    return Response(status_code=problem.kind.status, headers=headers, body=body)


def _problem(error: Exception, event: Any) -> tuple[Problem, dict[str, str], str]:
    """The problem answering `error`, its headers and body; logged and counted once here."""
    problem = problem_for(error)
    _observe(error, problem)
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store"}
    return problem, {**headers, **problem.headers}, problem.body(_request_id(event))


def _require_configuration(
    app: ApiGatewayResolver, next_middleware: NextMiddleware
) -> Response[str]:
    # Before any route, known or not: with a bad configuration nobody is served anything.
    _configured()
    response: Response[str] = next_middleware(app)
    return response


def _wire(entrance: Entrance) -> None:
    app = entrance.app

    @app.get(ENGAGEMENT_ROUTE)
    def engagement() -> Response[str]:
        return get_engagement(entrance)

    @app.route(ENGAGEMENT_ROUTE, method=OTHER_METHODS)
    def other_method() -> Response[str]:
        raise MethodNotAllowed("Engagements are read with GET.")

    def not_found(_: NotFoundError) -> Response[str]:
        return problem_response(entrance, RouteNotFound("Engagements live under /engagements/."))

    def any_error(error: Exception) -> Response[str]:
        return problem_response(entrance, error)

    app.use(middlewares=[_require_configuration])
    app.not_found(not_found)
    app.exception_handler(Exception)(any_error)


_wire(IAM_ENTRANCE)
_wire(TOKEN_ENTRANCE)


def _observe(error: Exception, problem: Problem) -> None:
    """Logs and metrics for an error. Only our own safe text: never an upstream message."""
    if isinstance(error, ProxyError) and error.upstream_code:
        _count("UpstreamErrors", code=error.upstream_code)
    if isinstance(error, UpstreamRoleFault):
        _count("UpstreamRoleFault")  # the stack alarms on it, by service alone
        logger.error(
            "SSM Contacts refused the proxy's own role or KMS key: check the role and key policies",
            extra={"upstream_error": error.upstream_code},
        )
    elif isinstance(error, ProxyMisconfigured) and CONFIG_ERROR is not None:
        logger.error(
            "Invalid configuration: request refused",
            extra={"setting": CONFIG_ERROR.setting, "reason": CONFIG_ERROR.reason},
        )
    elif problem.kind is INTERNAL_ERROR:
        # Frames only: an exception's message may hold data we must not log.
        logger.error(
            "Unhandled error",
            extra={
                "error_type": type(error).__name__,
                "frames": traceback.format_tb(error.__traceback__),
            },
        )


def _count(name: str, **dimensions: str) -> None:
    """A count in a metric document of its own: the service dimension plus `dimensions`, not
    the per-request tier and outcome."""
    with single_metric(
        name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace
    ) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)


def _region_parameter(event: dict[str, Any]) -> str | None:
    # v1 events carry repeated parameters as lists; v2 events join them with commas, which
    # then fails region validation just the same.
    values = _dig(event, "multiValueQueryStringParameters", "region")
    if values is not None:
        if len(values) != 1:
            raise InvalidEngagementId("Give the region query parameter at most once.")
        return str(values[0])
    region = _dig(event, "queryStringParameters", "region")
    return region if isinstance(region, str) else None


def _request_id(event: Any) -> str:
    request_id = _dig(event, "requestContext", "requestId")
    return request_id if isinstance(request_id, str) else "unknown"


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False
)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    entrance = TOKEN_ENTRANCE if _dig(event, "version") == "2.0" else IAM_ENTRANCE
    audit = AuditRecord()
    entrance.app.context["audit"] = audit
    try:
        response = entrance.app.resolve(event, context)
    except Exception as error:  # an event no resolver can read: still answer, still closed
        problem, headers, body = _problem(error, event)
        response = {"statusCode": problem.kind.status, "headers": headers, "body": body}
    audit.status = int(response["statusCode"])
    logger.info("audit", extra=audit.fields())
    # One metric document per request: Requests (and Redactions) by tier and outcome.
    metrics.add_dimension(name="tier", value=audit.tier or "none")
    metrics.add_dimension(name="outcome", value=audit.outcome)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    return response
