"""Who the request is from: a bearer token for the token entrance, or a SigV4 signature
(service execute-api) with botocore's standard credential chain for the IAM entrance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ep_client.exits import ExitStatus, Failure
from ep_client.terminal import safe_line, shortened

if TYPE_CHECKING:
    from botocore.credentials import Credentials

SERVICE = "execute-api"
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+", re.ASCII)
# RFC 6750's b64token: what may follow "Bearer " at all.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*", re.ASCII)


class Authorizer(Protocol):
    @property
    def signing_region(self) -> str | None:
        """The region SigV4 signs for; None when a bearer token is sent instead."""
        ...

    def headers(self, url: str) -> dict[str, str]:
        """The headers that authenticate a GET of `url` (signed afresh on each call)."""
        ...


@dataclass(frozen=True)
class BearerAuthorizer:
    token: str
    signing_region: None = None

    def headers(self, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class SigV4Authorizer:
    credentials: Credentials
    signing_region: str
    profile: str | None = None

    def headers(self, url: str) -> dict[str, str]:
        # botocore is imported only when signing: --help and tokens skip its ~0.15 s of imports.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import BotoCoreError

        try:
            # Frozen: refreshable credentials (SSO, assumed roles) renew here when they must.
            frozen = self.credentials.get_frozen_credentials()
        except BotoCoreError as error:
            raise credential_failure(error, self.profile) from None
        if not frozen.access_key or not frozen.secret_key:
            raise Failure(
                ExitStatus.DENIED,
                "Your AWS credentials lack an access key or a secret key: check them.",
            )
        from botocore.credentials import Credentials

        # SigV4Auth adds X-Amz-Security-Token only for a non-empty token: long-lived keys send
        # none, rather than an empty header signed but never sent (curl 7.x's 403).
        request = AWSRequest(method="GET", url=url)
        credentials = Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)
        SigV4Auth(credentials, SERVICE, self.signing_region).add_auth(request)
        return {name: str(value) for name, value in request.headers.items()}


def bearer_token(raw: str) -> BearerAuthorizer:
    """The token as pasted: surrounding whitespace and a leading `Bearer ` are fine."""
    token = raw.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Failure(ExitStatus.USAGE, "The token is empty: set EP_TOKEN or pass --token.")
    if _TOKEN.fullmatch(token) is None:
        raise Failure(
            ExitStatus.USAGE,
            "The token holds characters no bearer token has: paste only the token.",
        )
    return BearerAuthorizer(token)


@dataclass(frozen=True)
class RegionHints:
    """Where the API's region may be read, most trusted first; the engagement's region (its
    ARN's, or --region) is only a guess, as one API serves several regions."""

    url: str | None = None  # an execute-api host names it
    api_region: str | None = None  # --api-region or EP_API_REGION
    environment: str | None = None  # AWS_REGION
    engagement: str | None = None


def sigv4_authorizer(profile: str | None, hints: RegionHints) -> SigV4Authorizer:
    """Credentials from botocore's chain (environment, --profile or AWS_PROFILE, SSO, ...)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
        profile_region = session.get_config_variable("region")
    except BotoCoreError as error:
        raise credential_failure(error, profile) from None
    if credentials is None:
        raise Failure(
            ExitStatus.DENIED,
            "No AWS credentials found: set AWS_PROFILE or pass --profile (after `aws sso login` "
            "if it is an SSO profile), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
            "pass --token for the token entrance.",
        )
    return SigV4Authorizer(credentials, signing_region(hints, profile_region), profile)


def signing_region(hints: RegionHints, profile_region: str | None) -> str:
    """The region to sign for: the API's own, which is not necessarily the engagement's.
    `profile_region` is botocore's (AWS_DEFAULT_REGION, then the profile's `region`)."""
    sources = (
        ("the URL", hints.url),
        ("--api-region or EP_API_REGION", hints.api_region),
        ("AWS_REGION", hints.environment),
        ("AWS_DEFAULT_REGION or the AWS profile", profile_region),
        ("--region or the ARN", hints.engagement),
    )
    for source, region in sources:
        if not region:
            continue
        if _REGION.fullmatch(region) is None:
            raise Failure(
                ExitStatus.USAGE,
                f"The region from {source} is not an AWS region name: "
                f"{shortened(safe_line(region), 40)!r}.",
            )
        return region
    raise Failure(
        ExitStatus.USAGE,
        "Which region is the API in? Pass --api-region (or set EP_API_REGION or AWS_REGION) "
        "to sign for it.",
    )


def credential_failure(error: Exception, profile: str | None) -> Failure:
    from botocore.exceptions import (
        NoCredentialsError,
        ProfileNotFound,
        SSOError,
        TokenRetrievalError,
    )

    if isinstance(error, ProfileNotFound):
        name = shortened(safe_line(profile or str(error)), 80)
        return Failure(
            ExitStatus.USAGE,
            f"No such AWS profile ({name}): check --profile or AWS_PROFILE "
            "(`aws configure list-profiles` lists them).",
        )
    if isinstance(error, (SSOError, TokenRetrievalError)):
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return Failure(
            ExitStatus.DENIED, f"Your SSO session has expired or is missing: run `{login}`."
        )
    if isinstance(error, NoCredentialsError):
        return Failure(ExitStatus.DENIED, "No AWS credentials found: set AWS_PROFILE or keys.")
    detail = shortened(safe_line(str(error)), 300)
    return Failure(ExitStatus.DENIED, f"Your AWS credentials cannot be loaded: {detail}")
