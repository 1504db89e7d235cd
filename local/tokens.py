"""Local mode's identity provider and the JWT authorizer's part: a development signing key, its
key set, tokens for local identities, and their verification as an HTTP API's JWT authorizer does.

`python -m local.tokens` lists the local token identities; `python -m local.tokens NAME` prints a
bearer token for one of them (`make -s token [WHO=NAME]`). Development only: nothing here is
imported by the Lambda, and PyJWT is a development dependency.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from local.json_files import read_keyed_object

LOCAL_DIR = Path(__file__).resolve().parent
SIGNING_KEY_PATH = LOCAL_DIR / "dev-signing-key.pem"
TOKEN_IDENTITIES_PATH = LOCAL_DIR / "token_identities.json"
# The same whatever PORT says, so that policy rules and minted tokens stay valid; https because
# the access policy accepts no other issuer; `.test` (RFC 6761) never resolves to a real provider.
ISSUER = "https://idp.local.engagement-proxy.test"
AUDIENCE = "engagement-proxy"
# HTTP API JWT authorizers verify RSA signatures only; `none` and HMAC are never accepted.
ALGORITHM = "RS256"
LEEWAY_SECONDS = 30.0
TOKEN_LIFETIME_SECONDS = 3600
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp")
DEFAULT_GROUPS_CLAIM = "groups"
JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Claims that minting sets; an identity file entry may not.
_MINTED_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti"})


class TokensError(ValueError):
    """The signing key or local/token_identities.json is unusable; the message says which."""


# ---- verification: the JWT authorizer's part ---------------------------------------------------


class Refusal(Enum):
    """Why a bearer token is refused. The value is the `error_description` of the 401's
    `www-authenticate` challenge, worded as API Gateway words its own (lower case, no full stop;
    AUDIENCE is its documented text); never token content, and never a double quote."""

    NO_TOKEN = "the Authorization header carries no bearer token"
    MALFORMED = "the token is not a well-formed JWT"
    ALGORITHM = f"the token must be signed with {ALGORITHM}"
    UNKNOWN_KEY = "the token's signing key (kid) is not in the issuer's key set"
    SIGNATURE = "the token's signature does not verify"
    EXPIRED = "the token has expired"
    NOT_YET_VALID = "the token is not valid yet"
    AUDIENCE = "the token does not have a valid audience"
    ISSUER = "the token does not have a valid issuer"
    MISSING_CLAIM = "the token lacks a required claim (iss, sub, aud and exp are required)"
    INVALID = "the token is invalid"


class TokenRefused(Exception):
    """The token does not authenticate the request: API Gateway answers 401 itself."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.detail = refusal.value


@dataclass(frozen=True)
class TrustedIssuer:
    """What an HTTP API's JWT authorizer is configured with: one issuer, its audiences, and the
    issuer's key set (here given, where API Gateway fetches it from the `jwks_uri`)."""

    issuer: str
    audiences: tuple[str, ...]
    jwks: Mapping[str, Any]
    leeway_seconds: float = LEEWAY_SECONDS

    @cached_property
    def keys(self) -> dict[str, jwt.PyJWK]:
        return {
            key.key_id: key
            for key in jwt.PyJWKSet.from_dict(dict(self.jwks)).keys
            if key.key_id is not None
        }


def bearer_token(authorization: str) -> str:
    """The token in an Authorization header. HTTP APIs take it with or without `Bearer `."""
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    if not token:
        raise TokenRefused(Refusal.NO_TOKEN)
    return token


def verify_token(token: str, trusted: TrustedIssuer) -> dict[str, Any]:
    """The token's claims once signature, issuer, audience and times check out; TokenRefused
    otherwise. The key comes from the key set by `kid`, never from the token itself."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise TokenRefused(Refusal.MALFORMED) from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(Refusal.ALGORITHM)
    key = trusted.keys.get(header.get("kid") or "")
    if key is None:
        raise TokenRefused(Refusal.UNKNOWN_KEY)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=list(trusted.audiences),
            issuer=trusted.issuer,
            leeway=trusted.leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.InvalidTokenError as error:
        raise TokenRefused(_refusal_for(error)) from None
    return claims


def _refusal_for(error: jwt.InvalidTokenError) -> Refusal:
    # Most specific first: InvalidSignatureError is a DecodeError, and all are InvalidTokenError.
    refusals: tuple[tuple[type[jwt.InvalidTokenError], Refusal], ...] = (
        (jwt.InvalidSignatureError, Refusal.SIGNATURE),
        (jwt.ExpiredSignatureError, Refusal.EXPIRED),
        (jwt.ImmatureSignatureError, Refusal.NOT_YET_VALID),
        (jwt.InvalidAudienceError, Refusal.AUDIENCE),
        (jwt.InvalidIssuerError, Refusal.ISSUER),
        (jwt.MissingRequiredClaimError, Refusal.MISSING_CLAIM),
        (jwt.InvalidAlgorithmError, Refusal.ALGORITHM),
        (jwt.DecodeError, Refusal.MALFORMED),
    )
    return next((refusal for kind, refusal in refusals if isinstance(error, kind)), Refusal.INVALID)


# ---- the local identity provider ---------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """The provider's RSA key; `kid` is its RFC 7638 thumbprint, so it changes with the key."""

    private_key: RSAPrivateKey

    @cached_property
    def public_jwk(self) -> dict[str, str]:
        numbers = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": ALGORITHM,
            "kid": _thumbprint(self.private_key.public_key()),
            "n": numbers["n"],
            "e": numbers["e"],
        }

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    @property
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.public_jwk]}


def _thumbprint(public_key: RSAPublicKey) -> str:
    numbers = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps(
        {"e": numbers["e"], "kty": "RSA", "n": numbers["n"]}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_signing_key(path: Path = SIGNING_KEY_PATH) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise TokensError(f"{path}: not a readable PEM private key ({error})") from None
    if not isinstance(key, RSAPrivateKey) or key.key_size < 2048:
        raise TokensError(f"{path}: must be an RSA key of at least 2048 bits ({ALGORITHM})")
    return SigningKey(key)


def local_trusted_issuer(key: SigningKey) -> TrustedIssuer:
    """The local gateway's JWT authorizer: it trusts the local provider, and only it."""
    return TrustedIssuer(ISSUER, (AUDIENCE,), key.jwks)


def discovery_document(issuer: str, jwks_uri: str) -> dict[str, Any]:
    """OpenID provider metadata, enough for a client or a JWT library to find the key set."""
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
    }


@dataclass(frozen=True)
class TokenIdentity:
    """One entry of local/token_identities.json: a name to ask for, and its token's claims."""

    name: str
    subject: str
    groups: tuple[str, ...] = ()
    extra_claims: Mapping[str, Any] = field(default_factory=dict)


def load_token_identities(path: Path = TOKEN_IDENTITIES_PATH) -> dict[str, TokenIdentity]:
    document = read_keyed_object(path, TokensError, "identity name")
    return {name: _token_identity(name, entry, path) for name, entry in document.items()}


def _token_identity(name: str, entry: Any, path: Path) -> TokenIdentity:
    if not name.isidentifier() or not isinstance(entry, dict):
        raise TokensError(f"{path}: {name!r} must be a simple name with an object of claims")
    subject, groups = entry.get("sub"), entry.get("groups", [])
    if not isinstance(subject, str) or not subject.strip():
        raise TokensError(f"{path}: {name}.sub must be a non-empty string")
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise TokensError(f"{path}: {name}.groups must be a list of group names")
    minted = sorted(_MINTED_CLAIMS & entry.keys())
    if minted:
        raise TokensError(f"{path}: {name} may not set {', '.join(minted)} (minting sets them)")
    extra = {key: value for key, value in entry.items() if key not in ("sub", "groups")}
    return TokenIdentity(name, subject, tuple(groups), extra)


def token_claims(
    identity: TokenIdentity,
    now: int,
    *,
    groups_claim: str = DEFAULT_GROUPS_CLAIM,
    lifetime_seconds: int = TOKEN_LIFETIME_SECONDS,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> dict[str, Any]:
    """The claims an identity provider would put in this identity's access token."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": identity.subject,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        **identity.extra_claims,
    }
    if identity.groups:
        claims[groups_claim] = list(identity.groups)
    return claims


def sign_claims(claims: Mapping[str, Any], key: SigningKey) -> str:
    return jwt.encode(
        dict(claims), key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}
    )


def mint_token(
    identity: TokenIdentity,
    key: SigningKey,
    *,
    now: int | None = None,
    groups_claim: str = DEFAULT_GROUPS_CLAIM,
) -> str:
    """A bearer token for `identity`, valid for an hour from `now`."""
    moment = int(time.time()) if now is None else now
    return sign_claims(token_claims(identity, moment, groups_claim=groups_claim), key)


def groups_claim_from(environ: Mapping[str, str]) -> str:
    """The claim the handler reads groups from (OIDC_GROUPS_CLAIM): tokens carry them there."""
    return environ.get("OIDC_GROUPS_CLAIM", "").strip() or DEFAULT_GROUPS_CLAIM


# ---- `python -m local.tokens [NAME]` -----------------------------------------------------------


def main(
    argv: Sequence[str],
    environ: Mapping[str, str] = os.environ,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """No name: the identities' names, one a line. A name: only its token, on stdout."""
    try:
        identities = load_token_identities()
        if not argv:
            out.write("".join(f"{name}\n" for name in identities))
            return 0
        if len(argv) > 1:
            err.write("usage: python -m local.tokens [NAME]  (make -s token [WHO=NAME])\n")
            return 2
        identity = identities.get(argv[0])
        if identity is None:
            known = ", ".join(identities)
            err.write(f"no local token identity named {argv[0]!r}; known: {known}\n")
            return 2
        token = mint_token(identity, load_signing_key(), groups_claim=groups_claim_from(environ))
    except TokensError as error:
        err.write(f"cannot make a local token: {error}\n")
        return 1
    out.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
