"""Deployment settings: read from cdk.json context, validated once into a frozen object."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from engagement_proxy.config import (
    DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
    MAX_UPSTREAM_TIMEOUT_SECONDS,
    MIN_UPSTREAM_TIMEOUT_SECONDS,
    CachePolicy,
    SettingError,
    decimal,
    load_settings,
)
from engagement_proxy.policy import PolicyError, parse_access_policy
from engagement_proxy.regions import is_region, partition_for
from infra.context_reader import ContextReader, DeploymentSettingError

CONTEXT_KEY = "engagement-proxy"

# The Lambda gives up on upstream first (its own 504), then Lambda itself, both before API
# Gateway's integration timeout (engagement_proxy.config.MAX_UPSTREAM_TIMEOUT_SECONDS says how).
LAMBDA_TIMEOUT_MARGIN_SECONDS = 5
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096
ENDPOINT_TYPES = ("REGIONAL", "PRIVATE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_PARTITION = r"arn:aws(?:-cn|-us-gov)?"
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
_ACCOUNT = re.compile(r"\d{12}")
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
_ROLE_ARN = re.compile(
    _PARTITION + r":iam::\d{12}:role/(?:[\x21-\x2e\x30-\x7e]+/)*[\w+=,.@-]{1,64}"
)
_VPC_ENDPOINT = re.compile(r"vpce-[0-9a-f]{8,17}")
_STAGE = re.compile(r"[A-Za-z0-9_]{1,64}")
_SNS_ARN = re.compile(_PARTITION + r":sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}")
_KMS_KEY_ARN = re.compile(
    _PARTITION + r":kms:[a-z0-9-]+:\d{12}:key/(?:[0-9a-f-]{36}|mrk-[0-9a-f]{32})"
)
_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")
# An origin as browsers send it: scheme, host and optional port; no path, no trailing slash.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(rf"https://{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?")
# RFC 6749 scope-token: printable ASCII except space, `"` and backslash.
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")
_AUDIENCE = re.compile(r"[\x21-\x7e]{1,256}")
_NAMESPACE = re.compile(r"[A-Za-z0-9][\w./#:-]{0,254}")


@dataclass(frozen=True)
class OidcConfig:
    """The token entrance: which identity provider's JWTs the HTTP API accepts, and from where."""

    issuer: str  # exactly the `iss` of its tokens
    audiences: tuple[str, ...]
    groups_claim: str = "groups"
    required_scopes: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()


OIDC_SETTINGS = tuple(field.name for field in fields(OidcConfig))

# The Lambda's own defaults; its loader (load_settings) also decides the bounds of each value.
_LAMBDA_CACHE = CachePolicy()


@dataclass(frozen=True)
class CacheConfig:
    """The Lambda's in-memory cache of SSM Contacts' answers (engagement_proxy.cache)."""

    enabled: bool = True
    ttl_running_seconds: float = _LAMBDA_CACHE.running_ttl_seconds
    ttl_stopped_seconds: float = _LAMBDA_CACHE.stopped_ttl_seconds
    ttl_not_found_seconds: float = _LAMBDA_CACHE.not_found_ttl_seconds
    max_entries: int = _LAMBDA_CACHE.max_entries

    def lambda_environment(self) -> dict[str, str]:
        """The CACHE_* variables; switched off, the Lambda reads no other."""
        if not self.enabled:
            return {"CACHE_ENABLED": "false"}
        return {
            "CACHE_ENABLED": "true",
            "CACHE_TTL_RUNNING_SECONDS": decimal(self.ttl_running_seconds),
            "CACHE_TTL_STOPPED_SECONDS": decimal(self.ttl_stopped_seconds),
            "CACHE_TTL_NOT_FOUND_SECONDS": decimal(self.ttl_not_found_seconds),
            "CACHE_MAX_ENTRIES": decimal(self.max_entries),
        }


CACHE_SETTINGS = tuple(field.name for field in fields(CacheConfig))


@dataclass(frozen=True)
class DeploymentConfig:
    """Every deployment setting; docs/deploy.md's Configuration documents each one."""

    served_regions: tuple[str, ...]
    access_policy: str  # compact JSON, validated by the Lambda's own parser
    stack_name: str = "EngagementProxy"
    account: str | None = None
    region: str | None = None
    allowed_accounts: tuple[str, ...] = ()
    allowed_org_ids: tuple[str, ...] = ()
    allowed_principals: tuple[str, ...] = ()
    endpoint_type: str = "REGIONAL"
    vpc_endpoint_ids: tuple[str, ...] = ()
    stage_name: str = "v1"
    throttling_rate_limit: float = 50.0
    throttling_burst_limit: int = 100
    log_retention_days: int = 90
    log_level: str = "INFO"
    alarm_topic_arn: str | None = None
    kms_key_arn: str | None = None
    powertools_layer_version: int = 27
    upstream_timeout_seconds: float = DEFAULT_UPSTREAM_TIMEOUT_SECONDS
    trace_upstream: bool = False
    memory_size_mb: int = 256
    service_name: str = "engagement-proxy"
    metrics_namespace: str = "EngagementProxy"
    cache: CacheConfig = CacheConfig()
    oidc: OidcConfig | None = None  # None: no token entrance at all

    @property
    def partition(self) -> str:
        return partition_for(self.served_regions[0])

    @property
    def is_private(self) -> bool:
        return self.endpoint_type == "PRIVATE"

    @property
    def lambda_timeout_seconds(self) -> int:
        return int(self.upstream_timeout_seconds) + LAMBDA_TIMEOUT_MARGIN_SECONDS

    def lambda_environment(self, account_id: str) -> dict[str, str]:
        """The Lambda's environment: the contract with engagement_proxy.config."""
        environment = {
            "SERVED_ACCOUNT_ID": account_id,
            "SERVED_REGIONS": ",".join(self.served_regions),
            "ACCESS_POLICY": self.access_policy,
            "UPSTREAM_TIMEOUT_SECONDS": decimal(self.upstream_timeout_seconds),
            "TRACE_UPSTREAM": "true" if self.trace_upstream else "false",
            **self.cache.lambda_environment(),
            "POWERTOOLS_SERVICE_NAME": self.service_name,
            "POWERTOOLS_METRICS_NAMESPACE": self.metrics_namespace,
            "POWERTOOLS_LOG_LEVEL": self.log_level,
            # Defence in depth: the handler already traces without responses, which hold
            # secure text; this keeps it so should a decorator ever lose the argument.
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            # Exception messages may hold data too (an upstream message, an identifier): traces
            # never carry them; the logs say what failed.
            "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
        }
        if self.oidc is not None:
            environment["OIDC_GROUPS_CLAIM"] = self.oidc.groups_claim
        return environment


SETTINGS = tuple(field.name for field in fields(DeploymentConfig))
_SETTING_OF_VARIABLE = {
    "SERVED_REGIONS": "served_regions",
    "ACCESS_POLICY": "access_policy",
    "UPSTREAM_TIMEOUT_SECONDS": "upstream_timeout_seconds",
    "TRACE_UPSTREAM": "trace_upstream",
    "OIDC_GROUPS_CLAIM": "oidc.groups_claim",
    "CACHE_ENABLED": "cache.enabled",
    "CACHE_TTL_RUNNING_SECONDS": "cache.ttl_running_seconds",
    "CACHE_TTL_STOPPED_SECONDS": "cache.ttl_stopped_seconds",
    "CACHE_TTL_NOT_FOUND_SECONDS": "cache.ttl_not_found_seconds",
    "CACHE_MAX_ENTRIES": "cache.max_entries",
}
_ANY_ACCOUNT = "000000000000"  # the real one is the stack's, often unknown until deploy


def load_config(context: Mapping[str, Any]) -> DeploymentConfig:
    """The deployment settings under CONTEXT_KEY; raises DeploymentSettingError naming the
    first bad key."""
    read = ContextReader(_settings_object(context), CONTEXT_KEY)
    read.reject_unknown(SETTINGS)
    values: dict[str, Any] = {
        "served_regions": _served_regions(read),
        "access_policy": _access_policy(read),
        "stack_name": read.text("stack_name", valid=_STACK_NAME.fullmatch, expected="a stack name"),
        "account": read.text("account", valid=_ACCOUNT.fullmatch, expected="a 12-digit account id"),
        "region": read.text("region", valid=is_region, expected="an AWS region name"),
        "allowed_accounts": read.text_list(
            "allowed_accounts", valid=_ACCOUNT.fullmatch, expected="a 12-digit account id"
        ),
        "allowed_org_ids": read.text_list(
            "allowed_org_ids", valid=_ORG_ID.fullmatch, expected="an AWS Organizations id (o-...)"
        ),
        "allowed_principals": read.text_list(
            "allowed_principals",
            valid=_ROLE_ARN.fullmatch,
            expected="an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        ),
        "endpoint_type": read.choice("endpoint_type", choices=ENDPOINT_TYPES),
        "vpc_endpoint_ids": read.text_list(
            "vpc_endpoint_ids",
            valid=_VPC_ENDPOINT.fullmatch,
            expected="a VPC endpoint id (vpce-...)",
        ),
        "stage_name": read.text(
            "stage_name", valid=_STAGE.fullmatch, expected="letters, digits or _"
        ),
        "throttling_rate_limit": read.number("throttling_rate_limit", minimum=1, maximum=10_000),
        "throttling_burst_limit": read.integer("throttling_burst_limit", minimum=1, maximum=5_000),
        "log_retention_days": _log_retention(read),
        "log_level": read.choice("log_level", choices=LOG_LEVELS),
        "alarm_topic_arn": read.text(
            "alarm_topic_arn", valid=_SNS_ARN.fullmatch, expected="an SNS ARN"
        ),
        "kms_key_arn": read.text(
            "kms_key_arn", valid=_KMS_KEY_ARN.fullmatch, expected="a KMS key ARN"
        ),
        "powertools_layer_version": read.integer(
            "powertools_layer_version", minimum=1, maximum=10_000
        ),
        "upstream_timeout_seconds": read.number(
            "upstream_timeout_seconds",
            minimum=MIN_UPSTREAM_TIMEOUT_SECONDS,
            maximum=MAX_UPSTREAM_TIMEOUT_SECONDS,
        ),
        "trace_upstream": read.boolean("trace_upstream"),
        "memory_size_mb": read.integer("memory_size_mb", minimum=128, maximum=10_240),
        "service_name": read.text("service_name", valid=_NAME.fullmatch, expected="a service name"),
        "metrics_namespace": read.text(
            "metrics_namespace", valid=_NAMESPACE.fullmatch, expected="a CloudWatch namespace"
        ),
        "cache": _cache(read),
        "oidc": _oidc(read),
    }
    config = DeploymentConfig(
        **{name: value for name, value in values.items() if value is not None}
    )
    _check_consistency(read, config)
    return config


def _settings_object(context: Mapping[str, Any]) -> Mapping[str, Any]:
    raw = context.get(CONTEXT_KEY)
    if isinstance(raw, str):  # `cdk synth -c engagement-proxy='{...}'` passes text
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise DeploymentSettingError(CONTEXT_KEY, f"is not valid JSON ({error.msg})") from None
    if not isinstance(raw, Mapping):
        raise DeploymentSettingError(
            CONTEXT_KEY, "is required: an object holding the deployment settings"
        )
    return raw


def _served_regions(read: ContextReader) -> tuple[str, ...]:
    read.required("served_regions")
    # The Lambda's own region check, so that synth accepts exactly what the Lambda will.
    regions = read.text_list("served_regions", valid=is_region, expected="an AWS region name")
    partitions = sorted({partition_for(region) for region in regions or ()})
    if len(partitions) > 1:
        raise read.fail("served_regions", f"mixes partitions ({', '.join(partitions)})")
    return regions or ()


def _access_policy(read: ContextReader) -> str:
    document = read.required("access_policy")
    try:
        # The very parser the Lambda runs at cold start: one place decides what is valid.
        parse_access_policy(document)
    except PolicyError as error:
        raise read.fail("access_policy", str(error)) from None
    if isinstance(document, str):
        document = json.loads(document)
    return json.dumps(document, separators=(",", ":"))


def _oidc(read: ContextReader) -> OidcConfig | None:
    oidc = read.section("oidc")
    if oidc is None:
        return None
    oidc.reject_unknown(OIDC_SETTINGS)
    oidc.required("issuer")
    oidc.required("audiences")
    values: dict[str, Any] = {
        "issuer": oidc.text(
            "issuer",
            valid=_is_issuer,
            expected="the identity provider's https issuer URL, exactly as in its tokens' iss",
        ),
        "audiences": oidc.text_list(
            "audiences", valid=_AUDIENCE.fullmatch, expected="an audience (client id or API id)"
        ),
        # Any trimmed text here; the Lambda's own loader decides what a claim name is.
        "groups_claim": oidc.text(
            "groups_claim",
            valid=lambda name: name and name == name.strip(),
            expected="a claim name",
        ),
        "required_scopes": oidc.text_list(
            "required_scopes", valid=_SCOPE.fullmatch, expected="an OAuth scope"
        ),
        "cors_origins": _cors_origins(oidc),
    }
    return OidcConfig(**{name: value for name, value in values.items() if value is not None})


def _cache(read: ContextReader) -> CacheConfig | None:
    cache = read.section("cache")
    if cache is None:
        return None
    cache.reject_unknown(CACHE_SETTINGS)
    # Types only here: the bounds are the Lambda's, checked by its own loader at the end.
    values: dict[str, Any] = {
        "enabled": cache.boolean("enabled"),
        "ttl_running_seconds": cache.number("ttl_running_seconds"),
        "ttl_stopped_seconds": cache.number("ttl_stopped_seconds"),
        "ttl_not_found_seconds": cache.number("ttl_not_found_seconds"),
        "max_entries": cache.integer("max_entries"),
    }
    return CacheConfig(**{name: value for name, value in values.items() if value is not None})


def _is_issuer(value: str) -> bool:
    if not value.isascii() or not value.isprintable() or any(c in value for c in " ?#"):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced [ in the host
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def _cors_origins(oidc: ContextReader) -> tuple[str, ...] | None:
    origins = oidc.raw.get("cors_origins")
    for index, origin in enumerate(origins if isinstance(origins, list) else ()):
        if isinstance(origin, str) and "*" in origin:
            # A wildcard would let any web page read engagements with its visitor's token.
            raise oidc.fail(
                f"cors_origins[{index}]",
                f"{origin!r} is refused: list each dashboard's exact origin instead",
            )
    return oidc.text_list(
        "cors_origins",
        valid=_ORIGIN.fullmatch,
        expected="an exact https origin such as https://grafana.example.com "
        "(lower case, no path, no trailing /)",
    )


def _log_retention(read: ContextReader) -> int | None:
    days = read.integer("log_retention_days", minimum=1, maximum=LOG_RETENTION_DAYS[-1])
    if days is not None and days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, LOG_RETENTION_DAYS))
        raise read.fail("log_retention_days", f"must be one CloudWatch accepts: {allowed}")
    return days


def _check_consistency(read: ContextReader, config: DeploymentConfig) -> None:
    if config.is_private and not config.vpc_endpoint_ids:
        raise read.fail("vpc_endpoint_ids", "is required when endpoint_type is PRIVATE")
    if not config.is_private and config.vpc_endpoint_ids:
        raise read.fail("vpc_endpoint_ids", "is only used when endpoint_type is PRIVATE")
    if config.partition != "aws":
        # AWS publishes the Powertools layer under other accounts outside the aws partition.
        raise read.fail("served_regions", "must be regions of the aws partition")
    if config.region is not None and partition_for(config.region) != config.partition:
        raise read.fail("served_regions", f"must be in the partition of region {config.region}")
    if config.oidc is not None and config.is_private:
        # HTTP APIs have no private endpoints: the token entrance would be public.
        raise read.fail("oidc", "cannot be used with endpoint_type PRIVATE (HTTP APIs are public)")
    _check_trusted_issuers(read, config)
    environment = config.lambda_environment(_ANY_ACCOUNT)
    # The Lambda's own reading of its environment: what synth accepts, it accepts too. Before
    # the size check, so that a bad value is named as itself, not as an oversized environment.
    _check_lambda_accepts(read, environment)
    if not config.cache.enabled:
        # Switched off, the Lambda reads no other cache setting; they are checked all the same,
        # so that switching the cache back on cannot be what breaks a deploy.
        cache_on = replace(config.cache, enabled=True)
        _check_lambda_accepts(read, {**environment, **cache_on.lambda_environment()})
    size = sum(len(name) + len(value) for name, value in environment.items())
    if size > LAMBDA_ENVIRONMENT_LIMIT_BYTES:
        raise read.fail(
            "access_policy",
            f"is too large: the Lambda environment would be {size} bytes, "
            f"over Lambda's limit of {LAMBDA_ENVIRONMENT_LIMIT_BYTES}",
        )


def _check_lambda_accepts(read: ContextReader, environment: Mapping[str, str]) -> None:
    try:
        load_settings(environment)
    except SettingError as error:
        setting = _SETTING_OF_VARIABLE.get(error.setting, error.setting)
        raise read.fail(setting, f"the Lambda would refuse it: {error.reason}") from None


def _check_trusted_issuers(read: ContextReader, config: DeploymentConfig) -> None:
    """Every group or subject rule must name the issuer the JWT authorizer trusts: a rule for
    any other issuer could never match, or worse, would match once someone widens the trust."""
    policy = parse_access_policy(config.access_policy)
    for index, rule in enumerate(policy.rules):
        if rule.issuer is None:
            continue
        where = f"rules[{index}].issuer"
        if config.oidc is None:
            raise read.fail(
                "access_policy",
                f"{where}: {rule.issuer!r} is a token issuer, but oidc is not configured "
                "(no token entrance is deployed)",
            )
        if rule.issuer != config.oidc.issuer:
            raise read.fail(
                "access_policy",
                f"{where}: {rule.issuer!r} is not trusted by this deployment "
                f"(oidc.issuer is {config.oidc.issuer!r})",
            )
