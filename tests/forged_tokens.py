"""Tokens for the local token entrance: honest ones from the local provider, and forgeries crafted
by hand where PyJWT rightly refuses to make them (`alg: none`, HMAC keyed with the public key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.tokens import AUDIENCE, ISSUER, SigningKey, load_signing_key

KEY = load_signing_key()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(document: dict[str, Any]) -> str:
    return b64url(json.dumps(document, separators=(",", ":")).encode())


def claims(**changes: Any) -> dict[str, Any]:
    """An honest access token's claims, valid for ten minutes; a change to None drops a claim."""
    now = int(time.time())
    found: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "local-commander-alice",
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "groups": ["incident-commanders", "staff"],
    }
    found.update(changes)
    return {name: value for name, value in found.items() if value is not None}


def signed(
    token_claims: dict[str, Any],
    *,
    key: rsa.RSAPrivateKey | None = None,
    kid: str | None = KEY.kid,
    algorithm: str = "RS256",
) -> str:
    """Signed by PyJWT with the local provider's key unless told otherwise."""
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(
        token_claims, key or KEY.private_key, algorithm=algorithm, headers=headers or None
    )


def signed_bytes(payload: bytes) -> str:
    """A correctly signed token whose payload is not a JSON claims set."""
    return jwt.PyJWS().encode(payload, KEY.private_key, algorithm="RS256", headers={"kid": KEY.kid})


@cache
def another_key() -> rsa.RSAPrivateKey:
    """A key nobody trusts, for tokens that claim the local key's kid."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def unsigned(token_claims: dict[str, Any], kid: str = KEY.kid) -> str:
    """`alg: none`: a header, the claims, and an empty signature."""
    return f"{segment({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{segment(token_claims)}."


def hmac_with_public_key(token_claims: dict[str, Any], key: SigningKey = KEY) -> str:
    """HS256 keyed with the provider's public key (PEM, as published): the algorithm-confusion
    attack on verifiers that let the token pick its algorithm."""
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}"
    signing_input += f".{segment(token_claims)}"
    mac = hmac.new(public_pem, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"
