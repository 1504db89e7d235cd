"""The token entrance over the whole local stack: bearer tokens from the local provider get the
answers IAM callers of the same tier get, and refused tokens never reach the Lambda."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from urllib.parse import quote

import jwt
import pytest

from local.stack import EXAMPLE_ARN, EXAMPLE_PATH
from local.tokens import ISSUER, load_token_identities, mint_token
from testing_support.stack import REPO_ROOT, RunningStack
from tests.e2e.clients import Answer, get, identity, signed_get
from tests.forged_tokens import (
    KEY,
    another_key,
    claims,
    hmac_with_public_key,
    signed,
    unsigned,
)

pytestmark = pytest.mark.e2e

IDENTITIES = load_token_identities()
# Token identity -> the IAM identity (assumed role) of the same tier in local/identities.json.
SAME_TIER_ROLE = {
    "commander": "IncidentCommander",
    "sre": "SRE",
    "contractor": "Contractor",
    "stranger": "Anyone",
    "duty_lead": "IncidentCommander",
    "former_commander": "Anyone",
}
SPELLINGS = {
    "contact-and-uuid": EXAMPLE_PATH,
    "raw-arn": f"/engagements/{EXAMPLE_ARN}",
    "encoded-arn": f"/engagements/{quote(EXAMPLE_ARN, safe='')}",
}


def token_of(name: str) -> str:
    return mint_token(IDENTITIES[name], KEY)


def bearer_get(url: str, authorization: str) -> Answer:
    return get(url, {"Authorization": authorization})


def request_id(answer: Answer) -> str:
    """The HTTP API's request id header (REST APIs say x-amzn-RequestId)."""
    return str(answer.headers["apigw-requestid"])


def lines_naming(stack: RunningStack, answer: Answer) -> list[str]:
    return [line for line in stack.log_text().splitlines() if request_id(answer) in line]


@pytest.mark.parametrize("name", list(SAME_TIER_ROLE))
def test_token_caller_gets_what_the_iam_caller_of_its_tier_gets(
    local_stack: RunningStack, name: str
) -> None:
    # Given a local token identity, and the IAM identity of the same tier
    url = local_stack.url + EXAMPLE_PATH
    # When each reads the example engagement
    by_token = bearer_get(url, f"Bearer {token_of(name)}")
    by_iam = signed_get(url, identity(SAME_TIER_ROLE[name]))
    # Then the status, the content type and the answer are the same (a 403's instance aside)
    assert by_token.status == by_iam.status
    assert by_token.headers["Content-Type"] == by_iam.headers["Content-Type"]
    if by_token.status == 200:
        assert by_token.body == by_iam.body
    else:
        assert {**by_token.json(), "instance": "-"} == {**by_iam.json(), "instance": "-"}
        assert by_token.json()["instance"] == request_id(by_token)


def test_full_redacted_and_denied_tokens_see_what_their_tier_allows(
    local_stack: RunningStack,
) -> None:
    # Given one token per tier
    url = local_stack.url + EXAMPLE_PATH
    # When each reads the example engagement
    full, redacted, denied = (
        bearer_get(url, f"Bearer {token_of(n)}") for n in ("commander", "sre", "contractor")
    )
    # Then full sees the secure message, redacted sees nulls and why, denied sees nothing
    assert (full.json()["Subject"], full.json()["Content"]) == ("test", "Testing engagements")
    assert full.json()["Redacted"] == []
    assert (redacted.json()["Subject"], redacted.json()["Content"]) == (None, None)
    assert redacted.json()["Redacted"] == ["Subject", "Content"]
    assert redacted.headers["Cache-Control"] == "private, no-cache"
    assert denied.status == 403
    assert denied.headers["Content-Type"] == "application/problem+json"
    assert "test" not in denied.body.decode()


def test_all_three_spellings_give_the_same_bytes_with_a_token(local_stack: RunningStack) -> None:
    # Given the example engagement spelled three ways, and the commander's token
    authorization = f"Bearer {token_of('commander')}"
    # When each is read (the HTTP API hands the Lambda the path already decoded)
    answers = {
        name: bearer_get(local_stack.url + path, authorization) for name, path in SPELLINGS.items()
    }
    # Then each is served, byte for byte the same
    assert {name: answer.status for name, answer in answers.items()} == dict.fromkeys(
        SPELLINGS, 200
    )
    assert len({answer.body for answer in answers.values()}) == 1
    assert answers["encoded-arn"].json()["EngagementArn"] == EXAMPLE_ARN


def test_served_token_request_reaches_the_lambda_once(local_stack: RunningStack) -> None:
    # Given a valid token (the control for the refusals below)
    # When it reads the example engagement
    answer = bearer_get(local_stack.url + EXAMPLE_PATH, f"Bearer {token_of('sre')}")
    # Then the gateway logged it naming the token's caller, and the handler audited it
    lines = lines_naming(local_stack, answer)
    gateway_lines = [line for line in lines if " local.gateway " in line]
    audit_lines = [json.loads(line) for line in lines if '"message":"audit"' in line]
    assert len(gateway_lines) == 1
    assert f"caller={ISSUER}#local-sre-bob status=200 " in gateway_lines[0]
    assert [(a["issuer"], a["subject"], a["tier"]) for a in audit_lines] == [
        (ISSUER, "local-sre-bob", "redacted")
    ]


def audit_line(stack: RunningStack, answer: Answer) -> dict[str, object]:
    (line,) = [line for line in lines_naming(stack, answer) if '"message":"audit"' in line]
    found: dict[str, object] = json.loads(line)
    return found


@pytest.mark.parametrize(
    ("groups", "status"),
    [
        (["Incident Commanders"], 200),
        (["Incident", "Commanders"], 403),
        (["Former incident-commanders"], 403),
        (["Former\u00a0incident-commanders", "staff"], 403),
        (["incident-commanders sre"], 403),
        (["[incident-commanders]"], 403),
    ],
    ids=["the-group", "its-words", "former", "no-break-space", "two-names-in-one", "brackets"],
)
def test_groups_holding_spaces_are_whole_names_end_to_end(
    local_stack: RunningStack, groups: list[str], status: int
) -> None:
    # Given real tokens of the local provider whose groups hold spaces or brackets
    # (local/policy.json gives full to `incident-commanders` and `Incident Commanders`)
    bearer = f"Bearer {signed(claims(sub='local-groups-probe', groups=groups))}"
    # When each reads the example engagement through the local HTTP API
    answer = bearer_get(local_stack.url + EXAMPLE_PATH, bearer)
    # Then only a token holding a full group, whole and exactly, is served (and in full)
    assert answer.status == status
    if status == 200:
        assert answer.json()["Redacted"] == []
    audit = audit_line(local_stack, answer)
    assert (audit["tier"], audit["token_groups"]) == (
        "full" if status == 200 else "deny",
        "verified",
    )


@pytest.mark.parametrize(("name", "status"), [("duty_lead", 200), ("former_commander", 403)])
def test_local_identities_with_spaced_groups_get_their_tier(
    local_stack: RunningStack, name: str, status: int
) -> None:
    # Given the local identities whose groups hold spaces (`make -s token WHO=...`)
    # When each reads the example engagement
    answer = bearer_get(local_stack.url + EXAMPLE_PATH, f"Bearer {token_of(name)}")
    # Then Dana's `Incident Commanders` is a full group, Erin's `Former incident-commanders` none
    assert answer.status == status


def test_tokens_never_reach_the_logs(local_stack: RunningStack) -> None:
    # Given a served token and a refused one
    served, refused = token_of("commander"), signed(claims(aud="another-api"))
    for token in (served, refused):
        bearer_get(local_stack.url + EXAMPLE_PATH, f"Bearer {token}")
    # When the stack's whole output is read (gateway, workers, endpoint)
    log = local_stack.log_text()
    # Then no part of either token is there: a bearer token is a credential
    for token in (served, refused):
        assert not [part for part in token.split(".") if part in log]


REFUSALS: dict[str, tuple[Callable[[], str], str]] = {
    "expired": (
        lambda: f"Bearer {signed(claims(exp=int(time.time()) - 300))}",
        "the token has expired",
    ),
    "not-yet-valid": (
        lambda: f"Bearer {signed(claims(nbf=int(time.time()) + 300))}",
        "the token is not valid yet",
    ),
    "wrong-audience": (
        lambda: f"Bearer {signed(claims(aud='another-api'))}",
        "the token does not have a valid audience",
    ),
    "wrong-issuer": (
        lambda: f"Bearer {signed(claims(iss='https://idp.example.com/oauth2/default'))}",
        "the token does not have a valid issuer",
    ),
    "bad-signature": (
        lambda: f"Bearer {signed(claims(), key=another_key())}",
        "the token's signature does not verify",
    ),
    "alg-none": (lambda: f"Bearer {unsigned(claims())}", "the token must be signed with RS256"),
    "hmac-with-public-key": (
        lambda: f"Bearer {hmac_with_public_key(claims())}",
        "the token must be signed with RS256",
    ),
    "unknown-kid": (
        lambda: f"Bearer {signed(claims(), kid='rotated-away')}",
        "the token's signing key (kid) is not in the issuer's key set",
    ),
    "garbage-bearer": (lambda: "Bearer !!garbage!!", "the token is not a well-formed JWT"),
    "garbage-header": (lambda: "garbage", "the token is not a well-formed JWT"),
}


def assert_http_api_error(answer: Answer, status: int, body: bytes) -> None:
    """One of the HTTP API's own answers: its fixed JSON, never a problem, with its request id."""
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.body == body
    assert len(request_id(answer)) == 16
    assert "Cache-Control" not in answer.headers
    assert "x-amzn-RequestId" not in answer.headers


def assert_never_reached_the_lambda(stack: RunningStack, answer: Answer, path: str) -> None:
    """The request id is only in the gateway's line: the handler, which logs every request it
    gets under that id, never got this one."""
    (line,) = lines_naming(stack, answer)
    assert " local.gateway " in line
    assert f" {path} caller=- status={answer.status} " in line


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_token_gets_the_http_api_401_and_never_reaches_the_lambda(
    local_stack: RunningStack, case: str
) -> None:
    # Given an Authorization header that an HTTP API's JWT authorizer refuses
    make_header, description = REFUSALS[case]
    # When it is sent for the example engagement
    answer = bearer_get(local_stack.url + EXAMPLE_PATH, make_header())
    # Then the gateway answers 401 itself as the HTTP API does: fixed JSON, why in the challenge
    assert_http_api_error(answer, 401, b'{"message":"Unauthorized"}')
    assert answer.headers.get_all("WWW-Authenticate") == [
        f'Bearer scope="" error="invalid_token" error_description="{description}"'
    ]
    # And the Lambda never saw it
    assert_never_reached_the_lambda(local_stack, answer, EXAMPLE_PATH)


def test_bearer_without_a_token_gets_a_bare_challenge(local_stack: RunningStack) -> None:
    # Given the Bearer scheme and no token after it
    # When it is sent for the example engagement
    answer = bearer_get(local_stack.url + EXAMPLE_PATH, "Bearer ")
    # Then 401 with a challenge naming no error (no credentials were offered), and no call
    assert_http_api_error(answer, 401, b'{"message":"Unauthorized"}')
    assert answer.headers.get_all("WWW-Authenticate") == ["Bearer"]
    assert_never_reached_the_lambda(local_stack, answer, EXAMPLE_PATH)


@pytest.mark.parametrize("token", ["valid", "garbage"])
def test_token_for_no_route_gets_the_http_api_404(local_stack: RunningStack, token: str) -> None:
    # Given a token, valid or not, for a path the HTTP API has no route for
    bearer = token_of("commander") if token == "valid" else "!!garbage!!"
    # When it is sent
    answer = bearer_get(local_stack.url + "/health", f"Bearer {bearer}")
    # Then 404 with the HTTP API's fixed body, before any authorization, and no call
    assert_http_api_error(answer, 404, b'{"message":"Not Found"}')
    assert "WWW-Authenticate" not in answer.headers
    assert_never_reached_the_lambda(local_stack, answer, "/health")


def test_key_set_is_found_by_a_standard_client_through_discovery(
    local_stack: RunningStack,
) -> None:
    # Given the local provider's metadata, as any OIDC client starts
    discovery = get(local_stack.url + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == ISSUER
    # When PyJWT's JWKS client fetches the key set it names, to verify a minted token
    token = token_of("commander")
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    verified = jwt.decode(token, key, algorithms=["RS256"], audience="engagement-proxy")
    # Then the key is found by kid and the token verifies
    assert key.key_id == KEY.kid
    assert verified["sub"] == "local-commander-alice"


def test_make_token_lists_the_identities() -> None:
    # Given the repository's Makefile
    # When `make -s token` runs
    listed = subprocess.run(
        ["make", "-s", "token"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    # Then it prints the token identities' names, one a line
    assert listed.stdout.splitlines() == list(IDENTITIES)


def test_printed_curl_commands_get_each_tier(local_stack: RunningStack) -> None:
    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    # Given the bearer-token curl commands that `make local` printed
    commands = [
        line
        for line in local_stack.log_text().splitlines()
        if line.startswith('curl -H "Authorization: Bearer $(make -s token WHO=')
    ]
    # When each runs in a shell from the repository root, as pasted (plus status output)
    statuses = {}
    for command in commands:
        name = command.split("WHO=")[1].split(")")[0]
        ran = subprocess.run(
            ["bash", "-c", command + " -sS -w '\n%{http_code}'"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        body, _, status = ran.stdout.rpartition("\n")
        statuses[name] = (int(status), json.loads(body).get("Redacted"))
    # Then each identity gets its tier's answer
    assert statuses == {
        "commander": (200, []),
        "sre": (200, ["Subject", "Content"]),
        "contractor": (403, None),
        "stranger": (403, None),
        "duty_lead": (200, []),
        "former_commander": (403, None),
    }
