"""SigV4 for the IAM entrance, checked against the signature computed from AWS's
specification; bearer tokens for the token entrance; credentials from botocore's chain."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from botocore.credentials import Credentials

from ep_client.endpoint import parse_endpoint
from ep_client.exits import ExitStatus, Failure
from ep_client.references import engagement_reference
from ep_client.signing import (
    RegionHints,
    SigV4Authorizer,
    bearer_token,
    signing_region,
    sigv4_authorizer,
)

ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
    "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AT = datetime(2025, 3, 14, 9, 26, 53)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def specified_signature(
    canonical_uri: str, query: str, headers: dict[str, str], region: str, secret: str
) -> str:
    """AWS Signature Version 4 as its specification writes it, for a GET without a body.
    `canonical_uri` is given already encoded the way the specification asks for services
    other than S3: the path as sent, percent-encoded once more."""
    names = sorted(headers)
    canonical = "\n".join(
        [
            "GET",
            canonical_uri,
            query,
            "".join(f"{name}:{headers[name].strip()}\n" for name in names),
            ";".join(names),
            EMPTY_SHA256,
        ]
    )
    amz_date = headers["x-amz-date"]
    scope = f"{amz_date[:8]}/{region}/execute-api/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, "execute-api", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def signed(url: str, token: str | None = None, region: str = "us-east-2") -> dict[str, str]:
    authorizer = SigV4Authorizer(Credentials(KEY, SECRET, token), region)
    with mock.patch("botocore.auth.get_current_datetime", return_value=AT):
        return authorizer.headers(url)


def authorization_fields(headers: dict[str, str]) -> dict[str, str]:
    _, _, rest = headers["Authorization"].partition(" ")
    return dict(part.strip().split("=", 1) for part in rest.split(","))


def test_a_pasted_arn_is_signed_as_the_specification_says() -> None:
    # Given the raw ARN pasted with a newline, as ep puts it in the path of the deployed API
    endpoint = parse_endpoint("https://abc123.execute-api.us-east-2.amazonaws.com/v1")
    url = endpoint.url("/engagements/" + engagement_reference(ARN + "\n").segment)
    # When ep signs the GET
    headers = signed(url)
    # Then the signature is the one the specification gives for that path encoded once more
    # (what API Gateway checks, and what curl 7.x gets wrong), over host and x-amz-date only
    fields = authorization_fields(headers)
    assert fields["SignedHeaders"] == "host;x-amz-date"
    canonical_uri = "/v1/engagements/" + ARN.replace(":", "%253A").replace("/", "%252F")
    expected = specified_signature(
        canonical_uri,
        "",
        {"host": "abc123.execute-api.us-east-2.amazonaws.com", "x-amz-date": "20250314T092653Z"},
        "us-east-2",
        SECRET,
    )
    assert fields["Signature"] == expected
    assert fields["Credential"] == f"{KEY}/20250314/us-east-2/execute-api/aws4_request"


def test_the_region_query_is_signed_as_sent() -> None:
    # Given a CONTACT/UUID read in another served region, against local mode
    url = parse_endpoint("http://127.0.0.1:8080").url(
        "/engagements/edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170", [("region", "us-west-2")]
    )
    # When ep signs it
    fields = authorization_fields(signed(url))
    # Then the query is part of the signature, and the port of the signed host
    expected = specified_signature(
        "/engagements/edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170",
        "region=us-west-2",
        {"host": "127.0.0.1:8080", "x-amz-date": "20250314T092653Z"},
        "us-east-2",
        SECRET,
    )
    assert fields["Signature"] == expected


def test_long_lived_keys_send_no_security_token_at_all() -> None:
    # Given long-lived keys (no session token), the case where curl 7.x signs an empty
    # x-amz-security-token it never sends
    # When ep signs
    headers = signed("https://abc123.execute-api.us-east-2.amazonaws.com/v1/engagements/a/b")
    # Then no such header is sent, empty or not, nor signed
    assert "x-amz-security-token" not in {name.lower() for name in headers}
    assert "x-amz-security-token" not in authorization_fields(headers)["SignedHeaders"]


def test_an_empty_session_token_counts_as_none() -> None:
    # Given credentials whose session token is the empty string (an exported empty variable)
    # When ep signs
    headers = signed("https://abc123.execute-api.us-east-2.amazonaws.com/v1/engagements/a/b", "")
    # Then no security token header is sent
    assert "x-amz-security-token" not in {name.lower() for name in headers}


def test_temporary_credentials_send_and_sign_their_session_token() -> None:
    # Given temporary credentials (a role session, SSO)
    # When ep signs
    headers = signed(
        "https://abc123.execute-api.us-east-2.amazonaws.com/v1/engagements/a/b", "FQoGZXIvYXdzE"
    )
    # Then the session token is sent and covered by the signature
    assert headers["X-Amz-Security-Token"] == "FQoGZXIvYXdzE"
    assert "x-amz-security-token" in authorization_fields(headers)["SignedHeaders"]


# ---- the region to sign for --------------------------------------------------------------------


def test_the_urls_region_wins_over_the_engagements() -> None:
    # Given an API in us-east-2 asked for an engagement in us-west-2
    hints = RegionHints(url="us-east-2", environment="eu-west-1", engagement="us-west-2")
    # When the signing region is chosen
    # Then it is the API's, from its URL
    assert signing_region(hints, "ap-south-1") == "us-east-2"


@pytest.mark.parametrize(
    ("hints", "profile_region", "chosen"),
    [
        (RegionHints(api_region="us-east-2", environment="eu-west-1"), "ap-south-1", "us-east-2"),
        (RegionHints(environment="eu-west-1", engagement="us-west-2"), "ap-south-1", "eu-west-1"),
        (RegionHints(engagement="us-west-2"), "ap-south-1", "ap-south-1"),
        (RegionHints(engagement="us-west-2"), None, "us-west-2"),
    ],
    ids=["api-region", "aws-region", "profile", "engagement-last"],
)
def test_without_a_region_in_the_url_the_most_explicit_setting_wins(
    hints: RegionHints, profile_region: str | None, chosen: str
) -> None:
    # Given a URL that names no region (local mode, a custom domain)
    # When the signing region is chosen
    # Then --api-region, AWS_REGION, the profile's, and the engagement's come in that order
    assert signing_region(hints, profile_region) == chosen


def test_no_region_anywhere_is_a_usage_line() -> None:
    # Given nothing that names a region
    # When the signing region is chosen
    with pytest.raises(Failure) as raised:
        signing_region(RegionHints(), None)
    # Then the line says how to give one
    assert raised.value.status is ExitStatus.USAGE
    assert "--api-region" in raised.value.line


def test_a_region_that_is_no_region_name_is_refused_with_its_source() -> None:
    # Given --api-region with a typo
    # When the signing region is chosen
    with pytest.raises(Failure) as raised:
        signing_region(RegionHints(api_region="us-east2"), None)
    # Then the line names where it came from and what it was
    assert raised.value.status is ExitStatus.USAGE
    assert "--api-region or EP_API_REGION" in raised.value.line
    assert "'us-east2'" in raised.value.line


# ---- credentials from botocore's chain ---------------------------------------------------------


def test_keys_in_the_environment_sign(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given keys exported in the environment
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    # When ep builds its signer
    authorizer = sigv4_authorizer(None, RegionHints(url="us-east-2"))
    # Then it signs with them
    fields = authorization_fields(authorizer.headers("https://h.example/engagements/a/b"))
    assert fields["Credential"].startswith(f"{KEY}/")


def test_a_named_profile_signs_with_its_keys_and_region(aws_home: Path) -> None:
    # Given a profile with keys of its own and a region
    (aws_home / "config").write_text("[profile oncall]\nregion = us-west-2\n")
    (aws_home / "credentials").write_text(
        "[oncall]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n"
    )
    # When ep builds its signer with --profile oncall and a URL naming no region
    authorizer = sigv4_authorizer("oncall", RegionHints())
    # Then it signs with the profile's keys, for the profile's region
    fields = authorization_fields(authorizer.headers("http://127.0.0.1:8080/engagements/a/b"))
    assert fields["Credential"].startswith("AKIAPROFILE/")
    assert "/us-west-2/execute-api/" in fields["Credential"]


def test_an_unknown_profile_is_a_usage_line(aws_home: Path) -> None:
    # Given no such profile
    # When ep builds its signer
    with pytest.raises(Failure) as raised:
        sigv4_authorizer("nosuch", RegionHints(url="us-east-2"))
    # Then the line names it and how to list profiles
    assert raised.value.status is ExitStatus.USAGE
    assert "nosuch" in raised.value.line
    assert "aws configure list-profiles" in raised.value.line


def test_no_credentials_at_all_is_denied_with_the_ways_to_get_some(aws_home: Path) -> None:
    # Given no credentials anywhere in the chain
    # When ep builds its signer
    with pytest.raises(Failure) as raised:
        sigv4_authorizer(None, RegionHints(url="us-east-2"))
    # Then it is the denied class, naming profiles, SSO, keys and tokens
    assert raised.value.status is ExitStatus.DENIED
    for way in ("AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID", "--token"):
        assert way in raised.value.line


def test_an_sso_profile_without_a_session_says_to_log_in(aws_home: Path) -> None:
    # Given an SSO profile whose session was never started (no cached token)
    (aws_home / "config").write_text(
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = ReadOnly\nregion = us-east-2\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
    # When ep signs a request with it
    with pytest.raises(Failure) as raised:
        sigv4_authorizer("corp", RegionHints()).headers("https://h.example/engagements/a/b")
    # Then the line gives the command that starts the session
    assert raised.value.status is ExitStatus.DENIED
    assert "aws sso login --profile corp" in raised.value.line


# ---- bearer tokens -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pasted",
    [
        "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl",
        " eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\n",
        "Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl",
    ],
    ids=["bare", "whitespace", "with-scheme"],
)
def test_a_token_is_sent_as_a_bearer_token(pasted: str) -> None:
    # Given a token as pasted
    # When ep builds its headers
    headers = bearer_token(pasted).headers("https://tok.example/engagements/a/b")
    # Then it is sent once, after `Bearer `, and nothing is signed
    assert headers == {"Authorization": "Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl"}


@pytest.mark.parametrize(
    "pasted", ["", "  ", "two words", "tok\x1ben"], ids=["empty", "blank", "space", "escape"]
)
def test_a_token_that_is_no_token_is_a_usage_line(pasted: str) -> None:
    # Given something no bearer token can be
    # When it is read
    with pytest.raises(Failure) as raised:
        bearer_token(pasted)
    # Then it is refused before anything is sent, without echoing it
    assert raised.value.status is ExitStatus.USAGE
    assert pasted.strip() not in raised.value.line or not pasted.strip()
