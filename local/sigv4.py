"""AWS Signature Version 4 checked as API Gateway's AWS_IAM does, with botocore's own signer."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from local.json_files import read_keyed_object

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=5)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as it arrived: raw (still percent-encoded) path and query."""

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class LocalIdentity:
    """One entry of local/identities.json: a credential and the principal API Gateway reports."""

    access_key_id: str
    secret_access_key: str
    user_arn: str
    account_id: str
    principal_org_id: str | None


class Rejection(Enum):
    """Why API Gateway refuses a request before the integration runs."""

    MISSING_TOKEN = "MissingAuthenticationTokenException"
    INCOMPLETE_SIGNATURE = "IncompleteSignatureException"
    INVALID_SIGNATURE = "InvalidSignatureException"
    UNKNOWN_KEY = "AccessDeniedException"


class AuthenticationFailed(Exception):
    """The request is not authenticated; `message` is API Gateway's own wording."""

    def __init__(self, rejection: Rejection, message: str) -> None:
        super().__init__(message)
        self.rejection = rejection
        self.message = message


class IdentitiesError(ValueError):
    """local/identities.json is malformed; the message names the entry and field."""


def load_identities(path: Path) -> dict[str, LocalIdentity]:
    document = read_keyed_object(path, IdentitiesError, "access key id")
    return {key: _identity(key, entry, path) for key, entry in document.items()}


def _identity(key: str, entry: Any, path: Path) -> LocalIdentity:
    if not isinstance(entry, dict):
        raise IdentitiesError(f"{path}: {key} must be an object")
    for field in ("secret_access_key", "user_arn", "account_id"):
        if not isinstance(entry.get(field), str) or not entry[field]:
            raise IdentitiesError(f"{path}: {key}.{field} must be a non-empty string")
    org = entry.get("principal_org_id")
    if org is not None and not isinstance(org, str):
        raise IdentitiesError(f"{path}: {key}.principal_org_id must be a string or null")
    return LocalIdentity(
        access_key_id=key,
        secret_access_key=entry["secret_access_key"],
        user_arn=entry["user_arn"],
        account_id=entry["account_id"],
        principal_org_id=org,
    )


@dataclass(frozen=True)
class _Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def authenticate(
    request: HttpRequest,
    identities: Mapping[str, LocalIdentity],
    region: str,
    now: datetime,
) -> LocalIdentity:
    """The identity whose key signed `request`, or AuthenticationFailed as API Gateway says it."""
    header = request.header("Authorization")
    if header is None:
        if "X-Amz-Signature=" in request.raw_query:
            raise AuthenticationFailed(
                Rejection.INCOMPLETE_SIGNATURE,
                "Query-string (presigned) authentication is not supported by the local gateway.",
            )
        raise AuthenticationFailed(Rejection.MISSING_TOKEN, "Missing Authentication Token")
    authorization = _parse_authorization(header)
    timestamp = _request_timestamp(request)
    _check_scope(authorization, timestamp, region)
    identity = identities.get(authorization.access_key_id)
    if identity is None:
        raise AuthenticationFailed(
            Rejection.UNKNOWN_KEY, "The security token included in the request is invalid."
        )
    _check_clock(timestamp, now)
    _check_signature(request, authorization, identity, timestamp)
    return identity


def _parse_authorization(header: str) -> _Authorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise AuthenticationFailed(
            Rejection.INCOMPLETE_SIGNATURE,
            f"Authorization header is not an AWS Signature Version 4 ({ALGORITHM}) header.",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    missing = [
        name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)
    ]
    if missing:
        raise AuthenticationFailed(
            Rejection.INCOMPLETE_SIGNATURE,
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing),
        )
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise AuthenticationFailed(
            Rejection.INCOMPLETE_SIGNATURE,
            "Credential must have exactly 5 slash-delimited elements, "
            "e.g. keyid/date/region/service/term.",
        )
    return _Authorization(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        terminator=scope[4],
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
    )


def _request_timestamp(request: HttpRequest) -> str:
    """The signing time as SigV4 writes it, from X-Amz-Date or else the Date header."""
    amz_date = request.header("X-Amz-Date")
    if amz_date is not None:
        try:
            datetime.strptime(amz_date, AMZ_DATE_FORMAT)
        except ValueError:
            raise AuthenticationFailed(
                Rejection.INCOMPLETE_SIGNATURE,
                "X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.",
            ) from None
        return amz_date
    date = request.header("Date")
    if date is not None:
        moment = _utc_date(date)
        if moment is not None:
            return moment.strftime(AMZ_DATE_FORMAT)
    raise AuthenticationFailed(
        Rejection.INCOMPLETE_SIGNATURE,
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    )


def _utc_date(date: str) -> datetime | None:
    """An HTTP Date in UTC, or None if it is no date SigV4 can write (YYYYMMDD: years 1000 to
    9999 in UTC; a date at either end of datetime's range cannot even be moved to UTC)."""
    try:
        moment = parsedate_to_datetime(date)
        # "-0000" (as botocore writes it) parses to a naive time that means UTC.
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        utc = aware.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    return utc if 1000 <= utc.year <= 9999 else None


def _check_scope(authorization: _Authorization, timestamp: str, region: str) -> None:
    if authorization.terminator != "aws4_request":
        _invalid(
            f"Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{authorization.terminator}'."
        )
    if authorization.service != SERVICE:
        _invalid(f"Credential should be scoped to correct service: '{SERVICE}'.")
    if authorization.region != region:
        _invalid(f"Credential should be scoped to a valid region, not '{authorization.region}'.")
    if authorization.date != timestamp[:8]:
        _invalid(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{authorization.date}' != '{timestamp[:8]}', from '{timestamp}'."
        )
    if "host" not in authorization.signed_headers:
        raise AuthenticationFailed(
            Rejection.INCOMPLETE_SIGNATURE,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        )


def _check_clock(timestamp: str, now: datetime) -> None:
    signed_at = datetime.strptime(timestamp, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    if signed_at < now - MAX_CLOCK_SKEW:
        _invalid(
            f"Signature expired: {timestamp} is now earlier than "
            f"{_amz(now - MAX_CLOCK_SKEW)} ({_amz(now)} - 5 min.)"
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        _invalid(
            f"Signature not yet current: {timestamp} is still later than "
            f"{_amz(now + MAX_CLOCK_SKEW)} ({_amz(now)} + 5 min.)"
        )


def _check_signature(
    request: HttpRequest, authorization: _Authorization, identity: LocalIdentity, timestamp: str
) -> None:
    mismatch = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )
    signed = {name: request.header_values(name) for name in authorization.signed_headers}
    if not _SIGNATURE.fullmatch(authorization.signature) or not all(signed.values()):
        _invalid(mismatch)
    signer = _ClientSignedHeaders(
        Credentials(identity.access_key_id, identity.secret_access_key),
        authorization.region,
        signed,
    )
    # Rebuilt from what arrived, so botocore canonicalises path and query as AWS does.
    rebuilt = AWSRequest(
        method=request.method,
        url=f"http://gateway.local{request.raw_path}{_canonical_query(request.raw_query)}",
        data=request.body,
    )
    rebuilt.context["timestamp"] = timestamp
    canonical = signer.canonical_request(rebuilt)
    expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
    if not hmac.compare_digest(expected, authorization.signature):
        _invalid(mismatch)


class _ClientSignedHeaders(SigV4Auth):
    """botocore's SigV4 signer, told exactly which headers the client signed: by itself it picks
    its own set (it never signs User-Agent, for one), which need not be the client's."""

    def __init__(
        self, credentials: Credentials, region: str, signed: Mapping[str, list[str]]
    ) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name, values in self._signed.items():
            for value in values:
                headers[name] = value  # an HTTPMessage appends: repeated headers stay repeated
        return headers


def _canonical_query(raw_query: str) -> str:
    """The query with each name and value decoded and re-encoded the one way SigV4 allows;
    botocore then sorts the pairs."""
    if not raw_query:
        return ""
    pairs = (part.partition("=") for part in raw_query.split("&") if part)
    return "?" + "&".join(
        f"{quote(unquote(name), safe='-_.~')}={quote(unquote(value), safe='-_.~')}"
        for name, _, value in pairs
    )


def _amz(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def _invalid(message: str) -> NoReturn:
    raise AuthenticationFailed(Rejection.INVALID_SIGNATURE, message)
