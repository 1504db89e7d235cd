"""Settings from the Lambda environment, parsed and validated once into a frozen object. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from engagement_proxy.policy import AccessPolicy, PolicyError, parse_access_policy
from engagement_proxy.regions import is_region

DEFAULT_UPSTREAM_TIMEOUT_SECONDS = 10.0
# Two attempts need room for a connect, a read and the backoff between them.
MIN_UPSTREAM_TIMEOUT_SECONDS = 2.0
# The Lambda's own 504 must reach the caller before API Gateway gives up: 29 s for the REST API,
# 30 s for the HTTP API. The stack's Lambda timeout is this budget plus a margin
# (infra.config.LAMBDA_TIMEOUT_MARGIN_SECONDS, 5 s), and API Gateway's clock also runs through
# a cold start's init phase (up to 10 s), which the Lambda timeout does not count:
# 12 + 5 + 10 = 27 s < 29 s. The one bound for both the stack and the Lambda.
MAX_UPSTREAM_TIMEOUT_SECONDS = 12.0


class SettingError(ValueError):
    """A variable of the Lambda's environment is missing or invalid. `setting` names it; the
    message never holds its value. At cold start it makes every request a ProxyMisconfigured."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


@dataclass(frozen=True)
class CachePolicy:
    """How long upstream answers are kept (see `cache`)."""

    max_entries: int = 512
    running_ttl_seconds: float = 5.0
    stopped_ttl_seconds: float = 300.0
    not_found_ttl_seconds: float = 5.0


@dataclass(frozen=True)
class Settings:
    served_account_id: str
    served_regions: tuple[str, ...]
    policy: AccessPolicy
    upstream_timeout_seconds: float = DEFAULT_UPSTREAM_TIMEOUT_SECONDS
    groups_claim: str = "groups"
    cache: CachePolicy | None = CachePolicy()  # None: switched off
    trace_upstream: bool = False

    @property
    def default_region(self) -> str:
        return self.served_regions[0]


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from environment variables; raises SettingError naming the first bad one."""
    account = environ.get("SERVED_ACCOUNT_ID", "").strip()
    if not account:
        raise SettingError("SERVED_ACCOUNT_ID", "is required")
    if not re.fullmatch(r"[0-9]{12}", account):
        raise SettingError("SERVED_ACCOUNT_ID", "must be a 12-digit AWS account id")

    regions = parse_served_regions(environ)

    raw_policy = environ.get("ACCESS_POLICY", "")
    if not raw_policy.strip():
        raise SettingError("ACCESS_POLICY", "is required")
    try:
        policy = parse_access_policy(raw_policy)
    except PolicyError as error:
        raise SettingError("ACCESS_POLICY", str(error)) from None

    return Settings(
        served_account_id=account,
        served_regions=regions,
        policy=policy,
        upstream_timeout_seconds=_timeout(environ),
        groups_claim=_groups_claim(environ),
        cache=_cache_policy(environ),
        trace_upstream=_switch(environ, "TRACE_UPSTREAM", default=False),
    )


def parse_served_regions(environ: Mapping[str, str]) -> tuple[str, ...]:
    setting = "SERVED_REGIONS" if environ.get("SERVED_REGIONS", "").strip() else "AWS_REGION"
    names = [name.strip() for name in environ.get(setting, "").split(",")]
    if names == [""]:
        raise SettingError("SERVED_REGIONS", "is required (or AWS_REGION as its default)")
    if not all(is_region(name) for name in names):
        raise SettingError(setting, "must be a comma-separated list of AWS region names")
    if len(set(names)) != len(names):
        raise SettingError(setting, "names a region twice")
    return tuple(names)


def _switch(environ: Mapping[str, str], setting: str, *, default: bool) -> bool:
    value = environ.get(setting, "").strip().lower() or str(default).lower()
    if value not in ("true", "false"):
        raise SettingError(setting, "must be true or false")
    return value == "true"


def _cache_policy(environ: Mapping[str, str]) -> CachePolicy | None:
    if not _switch(environ, "CACHE_ENABLED", default=True):
        return None
    defaults = CachePolicy()
    return CachePolicy(
        max_entries=int(_number(environ, "CACHE_MAX_ENTRIES", defaults.max_entries, 1, 100_000)),
        running_ttl_seconds=_number(
            environ, "CACHE_TTL_RUNNING_SECONDS", defaults.running_ttl_seconds, 0, 3600
        ),
        stopped_ttl_seconds=_number(
            environ, "CACHE_TTL_STOPPED_SECONDS", defaults.stopped_ttl_seconds, 0, 86_400
        ),
        not_found_ttl_seconds=_number(
            environ, "CACHE_TTL_NOT_FOUND_SECONDS", defaults.not_found_ttl_seconds, 0, 3600
        ),
    )


def _number(
    environ: Mapping[str, str], setting: str, default: float, low: float, high: float
) -> float:
    raw = environ.get(setting, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingError(setting, f"must be a number from {decimal(low)} to {decimal(high)}")
    return value


def decimal(value: float) -> str:
    """The shortest text that reads back as exactly `value`: 5, not 5.0; 1234567.5, not
    1.23457e+06. The form of every number written into a setting or a message about one."""
    number = float(value)
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number)


def _groups_claim(environ: Mapping[str, str]) -> str:
    claim = environ.get("OIDC_GROUPS_CLAIM", "").strip() or "groups"
    if not re.fullmatch(r"[\w:./-]{1,128}", claim):
        raise SettingError("OIDC_GROUPS_CLAIM", "must be a claim name")
    return claim


def _timeout(environ: Mapping[str, str]) -> float:
    return _number(
        environ,
        "UPSTREAM_TIMEOUT_SECONDS",
        DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
        MIN_UPSTREAM_TIMEOUT_SECONDS,
        MAX_UPSTREAM_TIMEOUT_SECONDS,
    )
