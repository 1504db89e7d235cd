"""Token callers: issuer and subject from the authorizer's claims, groups whole from the token the
authorizer verified, and no groups at all when that token cannot be read or is another one."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from engagement_proxy.identity import caller_from_jwt
from testing_support.events import ISSUER, Token, token


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


HEADER = b64url(b'{"alg":"RS256"}')


def bearer_of(payload: bytes) -> str:
    """A compact JWS whose payload segment holds exactly `payload` (signature not checked)."""
    return f"Bearer {HEADER}.{b64url(payload)}.c2ln"


def groups_of(found: Token, groups_claim: str = "groups") -> tuple[set[str], str | None]:
    caller = caller_from_jwt(found.claims, found.authorization, groups_claim)
    assert caller is not None
    return set(caller.groups), caller.token_groups


def test_groups_are_the_tokens_whole_names() -> None:
    # Given a token whose groups hold spaces, brackets and non-ASCII
    found = token(
        "00u-1", ["Former incident-commanders", "[sre]", "Équipe d’astreinte", "a\u00a0b"]
    )
    # When the caller is read
    groups, verdict = groups_of(found)
    # Then each group is one whole name, exactly as issued
    assert groups == {"Former incident-commanders", "[sre]", "Équipe d’astreinte", "a\u00a0b"}
    assert verdict == "verified"


def test_the_authorizers_rendering_of_numbers_and_audience_lists_still_matches() -> None:
    # Given a token with two audiences and integer times, which the authorizer hands on as the
    # strings "[engagement-proxy dashboards]", "1795669200" and "1795665600"
    found = token("00u-1", ["sre"], aud=["engagement-proxy", "dashboards"])
    assert found.claims["aud"] == "[engagement-proxy dashboards]"
    assert found.claims["exp"] == "1795669200"
    # When the caller is read
    groups, verdict = groups_of(found)
    # Then the token is the verified one
    assert (groups, verdict) == ({"sre"}, "verified")


def _differing(claim: str, value: Any) -> Token:
    verified = token("00u-1", ["incident-commanders"])
    payload = {**verified.payload, claim: value}
    return Token(
        {name: item for name, item in payload.items() if item is not None}, verified.claims
    )


@pytest.mark.parametrize(
    "found",
    [
        _differing("iss", "https://evil.example/"),
        _differing("sub", "00u-2"),
        _differing("aud", "other-api"),
        _differing("aud", ["engagement-proxy"]),
        _differing("exp", 1795669201),
        _differing("exp", "1795669200"),
        _differing("exp", True),
        _differing("iat", 1795665599),
        _differing("iat", None),
        _differing("groups", ["incident-commanders", "staff"]),
        _differing("groups", None),
        Token(
            token("00u-1", ["incident-commanders"]).payload,
            {**token("00u-1").claims},
        ),
    ],
    ids=[
        "iss",
        "sub",
        "aud",
        "aud-as-a-list-of-one",
        "exp",
        "exp-as-a-string-in-the-token",
        "exp-true",
        "iat",
        "iat-missing-from-the-token",
        "groups",
        "groups-missing-from-the-token",
        "groups-missing-from-the-claims",
    ],
)
def test_a_token_other_than_the_verified_one_gives_no_groups(found: Token) -> None:
    # Given claims the authorizer verified, and a token in the header that differs from them
    # When the caller is read
    groups, verdict = groups_of(found)
    # Then the caller has no groups, and says why
    assert (groups, verdict) == (set(), "token-differs")


def test_a_token_without_issued_at_gives_no_groups_even_when_the_claims_agree() -> None:
    # Given a token without `iat`, verified as such
    found = token("00u-1", ["incident-commanders"], iat=None)
    # When the caller is read
    groups, verdict = groups_of(found)
    # Then iss, sub, aud, exp and iat cannot all be compared: no groups
    assert (groups, verdict) == (set(), "token-differs")


PAYLOAD = json.dumps(token("00u-1", ["incident-commanders"]).payload)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer !!!.???.sig",
        f"Bearer e30.{b64url(b'not json')}.c2ln",
        bearer_of(b"[1, 2]"),
        bearer_of(b"\xff\xfe"),
        bearer_of(PAYLOAD.replace('"groups"', '"sub": "00u-2", "groups"', 1).encode()),
        bearer_of(b"[" * 100_000),
        f"Bearer e30.{b64url(PAYLOAD.encode())}",
        f"Bearer e30.{b64url(PAYLOAD.encode())}.sig.x.y",
        f"Bearer e30.{b64url(PAYLOAD.encode())}a.sig",
        f"Bearer e30.{b64url(PAYLOAD.encode())}=.sig",
        f"Bearer e30.{b64url(PAYLOAD.encode())}.sig,Bearer e30.e30.sig",
        f"Basic {b64url(b'alice:secret')}",
    ],
    ids=[
        "not-base64",
        "not-json",
        "not-an-object",
        "not-utf8",
        "a-claim-twice",
        "deeply-nested",
        "two-parts",
        "five-parts",
        "bad-base64-length",
        "padding",
        "two-tokens",
        "basic",
    ],
)
def test_an_unreadable_token_gives_no_groups(authorization: str) -> None:
    # Given the verified claims of a commander, and an Authorization header that does not hold
    # a readable token with their claims
    verified = token("00u-1", ["incident-commanders"]).claims
    # When the caller is read
    caller = caller_from_jwt(verified, authorization, "groups")
    # Then the caller has its issuer and subject, but no groups
    assert caller is not None and caller.subject == "00u-1"
    assert (caller.groups, caller.token_groups) == (frozenset(), "unreadable-token")


@pytest.mark.parametrize("authorization", [None, "", "   ", 7])
def test_no_token_gives_no_groups(authorization: Any) -> None:
    # Given verified claims with groups "[incident-commanders]" but no Authorization header
    verified = token("00u-1", ["incident-commanders"]).claims
    # When the caller is read
    caller = caller_from_jwt(verified, authorization, "groups")
    # Then the flattened claim is not believed
    assert caller is not None
    assert (caller.groups, caller.token_groups) == (frozenset(), "no-token")


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer ", "BEARER  ", ""])
def test_the_bearer_prefix_is_optional_as_for_the_authorizer(prefix: str) -> None:
    # Given the token with or without its scheme, as HTTP API authorizers accept it
    found = token("00u-1", ["sre"])
    # When the caller is read
    caller = caller_from_jwt(found.claims, prefix + found.jwt, "groups")
    # Then the groups are read
    assert caller is not None and caller.groups == {"sre"}


def test_groups_come_from_the_configured_claim() -> None:
    # Given a Cognito token, whose groups are in `cognito:groups`
    found = Token({**token("00u-1").payload, "cognito:groups": ["Incident Commanders"]})
    # When the caller is read with that groups claim
    groups, verdict = groups_of(found, "cognito:groups")
    # Then its groups are those
    assert (groups, verdict) == ({"Incident Commanders"}, "verified")


def test_a_single_group_as_a_string_is_one_whole_group() -> None:
    # Given a provider that writes a lone group as a string
    found = Token({**token("00u-1").payload, "groups": "Incident Commanders"})
    # When the caller is read
    groups, _ = groups_of(found)
    # Then it is one group, never split
    assert groups == {"Incident Commanders"}


def test_a_token_without_groups_still_has_its_subject() -> None:
    # Given a verified token without any groups claim
    found = token("00u-1", email="dana@example.com")
    # When the caller is read
    caller = caller_from_jwt(found.claims, found.authorization, "groups")
    # Then issuer, subject and person come from the claims, and there are no groups
    assert caller is not None
    assert (caller.issuer, caller.subject, caller.display_name) == (
        ISSUER,
        "00u-1",
        "dana@example.com",
    )
    assert (caller.groups, caller.token_groups) == (frozenset(), "no-groups")
    assert caller.name == f"{ISSUER}#00u-1"


def test_groups_that_are_not_all_names_are_no_groups() -> None:
    # Given a verified token whose groups claim mixes a number in, "[7 sre]" to the authorizer
    found = token("00u-1", ["sre"])
    odd = Token({**found.payload, "groups": [7, "sre"]}, {**found.claims, "groups": "[7 sre]"})
    # When the caller is read
    groups, verdict = groups_of(odd)
    # Then none of it is believed
    assert (groups, verdict) == (set(), "unreadable-token")


def test_empty_group_names_are_no_groups() -> None:
    # Given a token whose groups include an empty string
    groups, _ = groups_of(token("00u-1", ["", "sre"]))
    # Then only the named group counts
    assert groups == {"sre"}


@pytest.mark.parametrize(
    "claims", [None, {}, {"iss": ISSUER}, {"sub": "s"}, {"iss": 1, "sub": "s"}]
)
def test_without_issuer_and_subject_there_is_no_caller(claims: dict[str, Any] | None) -> None:
    # Given authorizer claims without a usable issuer or subject
    # When the caller is read, whatever the header holds
    caller = caller_from_jwt(claims, token("s", ["sre"]).authorization, "groups")
    # Then there is none
    assert caller is None
