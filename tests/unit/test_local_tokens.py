"""The local token entrance without sockets: token verification as an HTTP API's JWT authorizer
does it, the v2 event the gateway builds, the local identities, and `python -m local.tokens`."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from engagement_proxy.identity import caller_from_jwt
from engagement_proxy.policy import Tier, parse_access_policy, tier_for
from local.gateway import Gateway
from local.gateway_answers import GatewayReply
from local.http_api_event import authorizer_claims
from local.lambda_workers import InvocationFailed, InvocationTimeout
from local.proxy_response import http_api_reply
from local.sigv4 import HttpRequest, LocalIdentity
from local.stack import POLICY_PATH
from local.tokens import (
    AUDIENCE,
    ISSUER,
    JWKS_PATH,
    Refusal,
    TokenRefused,
    bearer_token,
    load_signing_key,
    load_token_identities,
    local_trusted_issuer,
    main,
    mint_token,
    verify_token,
)
from tests.forged_tokens import (
    KEY,
    another_key,
    b64url,
    claims,
    hmac_with_public_key,
    segment,
    signed,
    signed_bytes,
    unsigned,
)
from tests.unit.lambda_fakes import Recorder

TRUSTED = local_trusted_issuer(KEY)
IDENTITIES = load_token_identities()
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
HOST = "127.0.0.1:8080"
EXAMPLE = "/engagements/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
ENCODED_ARN = (
    "arn%3Aaws%3Assm-contacts%3Aus-east-2%3A111122223333%3Aengagement%2Fexample_escalation"
    "%2F69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
ALICE = LocalIdentity(
    "AKIALOCALCOMMANDER01",
    "local-only-secret",
    "arn:aws:sts::111122223333:assumed-role/IncidentCommander/alice",
    "111122223333",
    None,
)


def refusal_of(token: str) -> Refusal:
    with pytest.raises(TokenRefused) as refused:
        verify_token(token, TRUSTED)
    return refused.value.refusal


# ---- verify_token -------------------------------------------------------------------------------


def test_token_of_the_local_provider_gives_its_claims() -> None:
    # Given a token the local provider minted for the commander
    token = mint_token(IDENTITIES["commander"], KEY)
    # When the authorizer verifies it
    verified = verify_token(token, TRUSTED)
    # Then its claims come back as signed
    assert verified["iss"] == ISSUER
    assert verified["aud"] == AUDIENCE
    assert verified["sub"] == "local-commander-alice"
    assert verified["groups"] == ["incident-commanders", "staff"]
    assert verified["exp"] - verified["iat"] == 3600


REFUSED: dict[str, tuple[Callable[[], str], Refusal]] = {
    "expired": (lambda: signed(claims(exp=int(time.time()) - 300)), Refusal.EXPIRED),
    "not-yet-valid": (lambda: signed(claims(nbf=int(time.time()) + 300)), Refusal.NOT_YET_VALID),
    "issued-in-the-future": (
        lambda: signed(claims(iat=int(time.time()) + 300)),
        Refusal.NOT_YET_VALID,
    ),
    "wrong-audience": (lambda: signed(claims(aud="someone-else")), Refusal.AUDIENCE),
    "wrong-issuer": (
        lambda: signed(claims(iss="https://idp.example.com/oauth2/default")),
        Refusal.ISSUER,
    ),
    "no-sub": (lambda: signed(claims(sub=None)), Refusal.MISSING_CLAIM),
    "no-aud": (lambda: signed(claims(aud=None)), Refusal.MISSING_CLAIM),
    "no-exp": (lambda: signed(claims(exp=None)), Refusal.MISSING_CLAIM),
    "no-iss": (lambda: signed(claims(iss=None)), Refusal.MISSING_CLAIM),
    "another-key-same-kid": (lambda: signed(claims(), key=another_key()), Refusal.SIGNATURE),
    "tampered-claims": (
        lambda: _swap_payload(signed(claims(sub="local-sre-bob")), claims()),
        Refusal.SIGNATURE,
    ),
    "alg-none": (lambda: unsigned(claims()), Refusal.ALGORITHM),
    "hmac-with-public-key": (lambda: hmac_with_public_key(claims()), Refusal.ALGORITHM),
    "rs512-with-the-right-key": (lambda: signed(claims(), algorithm="RS512"), Refusal.ALGORITHM),
    "unknown-kid": (lambda: signed(claims(), kid="not-a-local-key"), Refusal.UNKNOWN_KEY),
    "no-kid": (lambda: signed(claims(), kid=None), Refusal.UNKNOWN_KEY),
    "garbage": (lambda: "not-a-jwt", Refusal.MALFORMED),
    "three-garbage-segments": (lambda: "a.b.c", Refusal.MALFORMED),
    "signed-claims-not-json": (lambda: signed_bytes(b"not json"), Refusal.MALFORMED),
}


def _swap_payload(token: str, payload: dict[str, Any] | str) -> str:
    header, _, signature = token.split(".")
    body = segment(payload) if isinstance(payload, dict) else b64url(payload.encode())
    return f"{header}.{body}.{signature}"


@pytest.mark.parametrize("case", list(REFUSED))
def test_token_is_refused(case: str) -> None:
    # Given a token that an HTTP API's JWT authorizer would refuse
    make, expected = REFUSED[case]
    # When it is verified
    # Then it is refused, and why is told
    assert refusal_of(make()) is expected


@pytest.mark.parametrize(
    "changes",
    [
        lambda now: {"exp": now - 10},
        lambda now: {"nbf": now + 10},
        lambda now: {"aud": ["another-api", AUDIENCE]},
    ],
    ids=["expired-within-leeway", "not-before-within-leeway", "one-of-several-audiences"],
)
def test_token_within_leeway_or_among_audiences_is_accepted(
    changes: Callable[[int], dict[str, Any]],
) -> None:
    # Given a token a few seconds past its expiry or before its start, or for several audiences
    token = signed(claims(**changes(int(time.time()))))
    # When it is verified
    verified = verify_token(token, TRUSTED)
    # Then it is accepted: clocks differ by seconds, and `aud` may be a list
    assert verified["sub"] == "local-commander-alice"


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer   abc ", "abc"),
        ("abc.def.ghi", "abc.def.ghi"),
    ],
    ids=["bearer", "scheme-case-and-spaces", "bare-token"],
)
def test_token_is_taken_with_or_without_the_bearer_scheme(header: str, token: str) -> None:
    # Given an Authorization header as an HTTP API's identity source reads it
    # When the token is taken from it
    # Then it is the token, with or without `Bearer `
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", "", "  "])
def test_header_without_a_token_is_refused(header: str) -> None:
    # Given an Authorization header with no token in it
    # When the token is taken from it
    with pytest.raises(TokenRefused) as refused:
        bearer_token(header)
    # Then there is none
    assert refused.value.refusal is Refusal.NO_TOKEN


# ---- the local provider ------------------------------------------------------------------------


def test_key_set_publishes_the_public_key_only_under_a_stable_kid() -> None:
    # Given the local provider's key set
    (jwk,) = KEY.jwks["keys"]
    # When it is looked at
    # Then it names the key by its thumbprint, says RS256, and holds no private parameter
    assert jwk["kid"] == load_signing_key().kid
    assert {name: jwk[name] for name in ("kty", "use", "alg", "e")} == {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "e": "AQAB",
    }
    assert set(jwk) == {"kty", "use", "alg", "kid", "n", "e"}


@pytest.mark.parametrize(
    ("name", "tier"),
    [
        ("commander", Tier.FULL),
        ("sre", Tier.REDACTED),
        ("contractor", Tier.DENY),
        ("stranger", Tier.DENY),
        ("duty_lead", Tier.FULL),
        ("former_commander", Tier.DENY),
    ],
)
def test_each_local_token_identity_has_its_tier(name: str, tier: Tier) -> None:
    # Given local/policy.json and a verified token of one local identity, as the Lambda sees it
    policy = parse_access_policy(POLICY_PATH.read_text(encoding="utf-8"))
    token = mint_token(IDENTITIES[name], KEY)
    verified = verify_token(token, TRUSTED)
    caller = caller_from_jwt(authorizer_claims(verified), f"Bearer {token}", "groups")
    # When the policy decides
    # Then the identity gets its tier: by group, or denied by subject or by no matching rule
    assert tier_for(policy, caller) is tier


def test_cli_lists_the_identities_one_per_line() -> None:
    # Given no name
    out, err = io.StringIO(), io.StringIO()
    # When `python -m local.tokens` runs
    code = main([], {}, out, err)
    # Then it prints the names, nothing else
    assert code == 0
    assert out.getvalue().splitlines() == [
        "commander",
        "sre",
        "contractor",
        "stranger",
        "duty_lead",
        "former_commander",
    ]
    assert out.getvalue().endswith("\n")
    assert err.getvalue() == ""


def test_cli_prints_only_a_valid_token_for_a_name() -> None:
    # Given a known name
    out, err = io.StringIO(), io.StringIO()
    # When `python -m local.tokens sre` runs
    code = main(["sre"], {}, out, err)
    # Then stdout is one line, a token the authorizer accepts
    assert code == 0
    token = out.getvalue().removesuffix("\n")
    assert "\n" not in token
    assert verify_token(token, TRUSTED)["sub"] == "local-sre-bob"
    assert err.getvalue() == ""


def test_cli_puts_groups_in_the_configured_groups_claim() -> None:
    # Given the handler told to read groups from another claim
    out = io.StringIO()
    # When a token is made in the same environment
    main(["commander"], {"OIDC_GROUPS_CLAIM": "cognito:groups"}, out, io.StringIO())
    # Then the groups are in that claim
    verified = verify_token(out.getvalue().strip(), TRUSTED)
    assert verified["cognito:groups"] == ["incident-commanders", "staff"]
    assert "groups" not in verified


def test_cli_refuses_an_unknown_name_on_stderr() -> None:
    # Given a name that local/token_identities.json does not have
    out, err = io.StringIO(), io.StringIO()
    # When `python -m local.tokens nobody` runs
    code = main(["nobody"], {}, out, err)
    # Then it fails, says so on stderr, and prints nothing a shell would take for a token
    assert code == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "no local token identity named 'nobody'; known: "
        "commander, sre, contractor, stranger, duty_lead, former_commander\n"
    )


# ---- the gateway's token entrance -------------------------------------------------------------


def gateway(recorder: Recorder, *, tokens: bool = True) -> Gateway:
    trusted = TRUSTED if tokens else None
    return Gateway({ALICE.access_key_id: ALICE}, recorder, clock=lambda: NOW, tokens=trusted)


def request(
    target: str, authorization: str | None, extra: list[tuple[str, str]] | None = None
) -> HttpRequest:
    path, _, query = target.partition("?")
    headers = [("Host", HOST), ("User-Agent", "Grafana/11.0"), *(extra or [])]
    if authorization is not None:
        headers.append(("Authorization", authorization))
    return HttpRequest("GET", path, query, headers, b"", "192.0.2.20")


def sigv4_headers(target: str) -> list[tuple[str, str]]:
    """Signed at the gateway's NOW, as a botocore client would sign."""
    signing = AWSRequest(method="GET", url=f"http://{HOST}{target}")
    credentials = Credentials(ALICE.access_key_id, ALICE.secret_access_key)
    at = NOW.replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        SigV4Auth(credentials, "execute-api", "us-east-2").add_auth(signing)
    return list(signing.headers.items())


def header(reply: GatewayReply, name: str) -> list[str]:
    return [value for key, value in reply.headers if key.lower() == name.lower()]


def test_valid_token_becomes_the_http_api_v2_event() -> None:
    # Given the commander's token, the ARN percent-encoded, a repeated query parameter, a cookie
    recorder = Recorder()
    token = mint_token(IDENTITIES["commander"], KEY)
    sent = request(
        f"/engagements/{ENCODED_ARN}?region=us-east-2&region=us-west-2",
        f"Bearer {token}",
        [("Cookie", "a=1; b=2"), ("X-Dashboard", "one"), ("x-dashboard", "two")],
    )
    # When the gateway handles it
    reply = gateway(recorder).handle(sent)
    # Then the Lambda gets payload format 2.0, path DECODED, identity only in the authorizer
    (event,) = recorder.events
    arn = (
        "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
        "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /engagements/{proxy+}"
    assert event["rawPath"] == f"/engagements/{arn}"
    assert event["rawQueryString"] == "region=us-east-2&region=us-west-2"
    assert event["queryStringParameters"] == {"region": "us-east-2,us-west-2"}
    assert event["pathParameters"] == {"proxy": arn}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-dashboard"] == "one,two"
    assert event["headers"]["authorization"] == f"Bearer {token}"
    assert "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": f"/engagements/{arn}",
        "protocol": "HTTP/1.1",
        "sourceIp": "192.0.2.20",
        "userAgent": "Grafana/11.0",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "GET /engagements/{proxy+}"
    assert context["requestId"] == reply.request_id
    assert context["timeEpoch"] == int(NOW.timestamp() * 1000)
    assert context["authorizer"]["jwt"]["scopes"] is None
    jwt_claims = context["authorizer"]["jwt"]["claims"]
    assert jwt_claims["groups"] == "[incident-commanders staff]"
    assert jwt_claims["iss"] == ISSUER
    assert jwt_claims["exp"] == str(int(jwt_claims["iat"]) + 3600)
    # And the caller sees the Lambda's answer with the HTTP API's request id header
    assert reply.status == 200
    assert header(reply, "apigw-requestid") == [reply.request_id]
    assert header(reply, "x-amzn-RequestId") == []
    assert reply.caller == f"{ISSUER}#local-commander-alice"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (["a", "b"], "[a b]"),
        ([], "[]"),
        (1795669200, "1795669200"),
        (1795669200.0, "1795669200"),
        (1.5, "1.5"),
        (True, "true"),
        ({"b": 2, "a": ["x"]}, "map[a:[x] b:2]"),
    ],
    ids=["string", "array", "empty-array", "int", "whole-float", "float", "bool", "object"],
)
def test_claims_reach_the_lambda_as_strings(value: object, text: str) -> None:
    # Given a verified claim of any JSON type
    # When the gateway hands it on
    # Then it is the string an HTTP API would make of it
    assert authorizer_claims({"claim": value}) == {"claim": text}


UNAUTHORIZED = b'{"message":"Unauthorized"}'


def http_api_error_headers(
    reply: GatewayReply, challenge: str | None = None
) -> list[tuple[str, str]]:
    """The headers an HTTP API sends with its own answer (framing aside): its fixed JSON, the
    authorizer's challenge if any, its request id. No problem type, no x-amzn header."""
    www_authenticate = [] if challenge is None else [("www-authenticate", challenge)]
    return [
        ("content-type", "application/json"),
        *www_authenticate,
        ("apigw-requestid", reply.request_id),
    ]


@pytest.mark.parametrize(
    "case", ["expired", "wrong-audience", "alg-none", "hmac-with-public-key", "garbage"]
)
def test_refused_token_gets_the_http_api_401_and_never_reaches_the_lambda(case: str) -> None:
    # Given a token the authorizer refuses
    recorder = Recorder()
    make, refusal = REFUSED[case]
    # When the gateway handles it
    reply = gateway(recorder).handle(request(EXAMPLE, f"Bearer {make()}"))
    # Then the gateway answers as an HTTP API's JWT authorizer does: 401, its fixed JSON body,
    # why in the challenge, the request id in a header, and the Lambda was not called
    assert recorder.events == []
    assert reply.status == 401
    assert reply.body == UNAUTHORIZED
    challenge = f'Bearer scope="" error="invalid_token" error_description="{refusal.value}"'
    assert reply.headers == http_api_error_headers(reply, challenge)
    assert len(reply.request_id) == 16


def test_wrong_audience_is_described_in_api_gateways_words() -> None:
    # Given a token for another API
    reply = gateway(Recorder()).handle(request(EXAMPLE, f"Bearer {signed(claims(aud='x'))}"))
    # When its challenge is read
    # Then it is the one API Gateway's documentation shows for that case
    assert header(reply, "www-authenticate") == [
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    ]


def test_bearer_scheme_without_a_token_gets_a_bare_challenge() -> None:
    # Given `Authorization: Bearer` and nothing after it
    recorder = Recorder()
    # When the gateway handles it
    reply = gateway(recorder).handle(request(EXAMPLE, "Bearer"))
    # Then 401 with a challenge that names no error (RFC 6750: no credentials were offered)
    assert recorder.events == []
    assert (reply.status, reply.body) == (401, UNAUTHORIZED)
    assert reply.headers == http_api_error_headers(reply, "Bearer")


@pytest.mark.parametrize(
    ("method", "target", "token"),
    [
        ("GET", "/health", "valid"),
        ("GET", "/health", "garbage"),
        ("GET", "/engagements/", "valid"),
        ("POST", EXAMPLE, "garbage"),
    ],
    ids=["no-route", "no-route-bad-token", "empty-proxy", "other-method-bad-token"],
)
def test_token_for_no_route_is_not_found_before_authorization(
    method: str, target: str, token: str
) -> None:
    # Given a token, valid or not, for a route the HTTP API does not have
    recorder = Recorder()
    bearer = mint_token(IDENTITIES["commander"], KEY) if token == "valid" else "not-a-jwt"
    sent = replace(request(target, f"Bearer {bearer}"), method=method)
    # When the gateway handles it
    reply = gateway(recorder).handle(sent)
    # Then 404 with the HTTP API's fixed body, whatever the token: routing comes first
    assert recorder.events == []
    assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}')
    assert reply.headers == http_api_error_headers(reply)


def test_sigv4_authorization_takes_the_iam_entrance_and_anything_else_the_token_one() -> None:
    # Given a SigV4-signed request, and a bearer one that also carries SigV4's other headers
    recorder = Recorder()
    signed_headers = sigv4_headers(EXAMPLE)
    sigv4 = request(EXAMPLE, None, signed_headers)
    token = mint_token(IDENTITIES["sre"], KEY)
    mixed = request(
        EXAMPLE, f"Bearer {token}", [(k, v) for k, v in signed_headers if k != "Authorization"]
    )
    # When the gateway handles both
    replies = [gateway(recorder).handle(sent) for sent in (sigv4, mixed)]
    # Then the Authorization header's scheme decided: a REST event, then an HTTP API one
    rest_event, http_event = recorder.events
    assert [reply.status for reply in replies] == [200, 200]
    assert "version" not in rest_event
    assert rest_event["requestContext"]["identity"]["userArn"] == ALICE.user_arn
    assert http_event["version"] == "2.0"
    assert http_event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "local-sre-bob"


def test_without_a_token_entrance_a_bearer_header_fails_sigv4() -> None:
    # Given a gateway with no token entrance (a deployment without `oidc`)
    recorder = Recorder()
    token = mint_token(IDENTITIES["commander"], KEY)
    # When a bearer token is sent
    reply = gateway(recorder, tokens=False).handle(request(EXAMPLE, f"Bearer {token}"))
    # Then the IAM entrance refuses it as no signature at all
    assert recorder.events == []
    assert reply.status == 403
    assert header(reply, "x-amzn-ErrorType") == ["IncompleteSignatureException"]


@pytest.mark.parametrize(
    ("recorder", "status", "body"),
    [
        (Recorder(error=InvocationTimeout()), 503, b'{"message":"Service Unavailable"}'),
        (Recorder(error=InvocationFailed()), 500, b'{"message":"Internal Server Error"}'),
        (Recorder({"statusCode": "200"}), 500, b'{"message":"Internal Server Error"}'),
    ],
    ids=["timeout", "crash", "malformed-answer"],
)
def test_lambda_without_an_answer_gets_the_http_apis_own_5xx(
    recorder: Recorder, status: int, body: bytes
) -> None:
    # Given a Lambda that does not answer in time, crashes, or answers nonsense
    token = mint_token(IDENTITIES["commander"], KEY)
    # When a valid token's request reaches it
    reply = gateway(recorder).handle(request(EXAMPLE, f"Bearer {token}"))
    # Then the gateway answers itself as an HTTP API does: its fixed JSON, no problem
    assert len(recorder.events) == 1
    assert (reply.status, reply.body) == (status, body)
    assert reply.headers == http_api_error_headers(reply)


def test_key_set_is_served_without_authentication() -> None:
    # Given the token entrance
    # When the key set is fetched, with no credentials
    reply = gateway(Recorder()).handle(request(JWKS_PATH, None))
    # Then it is the provider's key set
    assert reply.status == 200
    assert header(reply, "Content-Type") == ["application/json"]
    assert json.loads(reply.body) == KEY.jwks


def test_v2_response_cookies_become_set_cookie_and_bare_json_is_a_200_body() -> None:
    # Given a payload format 2.0 answer with cookies, and one with no statusCode at all
    with_cookies = {"statusCode": 204, "headers": {"ETag": '"1"'}, "cookies": ["a=1", "b=2"]}
    # When the gateway turns them into HTTP answers
    first = http_api_reply(with_cookies, "id-1")
    second = http_api_reply({"hello": "world"}, "id-2")
    # Then cookies are Set-Cookie headers, and bare JSON is the body of a 200
    assert header(first, "Set-Cookie") == ["a=1", "b=2"]
    assert (first.status, first.body) == (204, b"")
    assert (second.status, second.body) == (200, b'{"hello": "world"}')
    assert header(second, "apigw-requestid") == ["id-2"]
