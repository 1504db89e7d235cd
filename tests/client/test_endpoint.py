"""EP_URL: checked before anything is sent, and the URL of each request built from it."""

from __future__ import annotations

import pytest

from ep_client.endpoint import parse_endpoint
from ep_client.exits import ExitStatus, Failure

API = "https://abc123.execute-api.us-east-2.amazonaws.com/v1"


def test_an_execute_api_url_names_its_region_and_keeps_its_stage() -> None:
    # Given the deployed API's URL, with a trailing slash and a newline as pasted
    # When it is read
    endpoint = parse_endpoint(API + "/\n")
    # Then requests go under the stage, and the region to sign for is the host's
    assert endpoint.url("/engagements/a/b") == API + "/engagements/a/b"
    assert endpoint.region == "us-east-2"
    assert endpoint.path == "/v1"
    assert not endpoint.loopback


def test_local_mode_is_loopback_without_a_region() -> None:
    # Given local mode's URL
    # When it is read
    endpoint = parse_endpoint("http://127.0.0.1:8080")
    # Then plain http is allowed, and nothing says which region to sign for
    assert endpoint.url("/engagements/a/b") == "http://127.0.0.1:8080/engagements/a/b"
    assert endpoint.loopback
    assert endpoint.region is None


def test_query_values_are_encoded_as_sigv4_signs_them() -> None:
    # Given a window whose offset has a `+`, and a region
    endpoint = parse_endpoint(API)
    # When the URL is built
    url = endpoint.url(
        "/engagements", [("until", "2025-03-14T11:00:00+02:00"), ("region", "us-west-2")]
    )
    # Then `+` and `:` are percent-encoded (a `+` would be read as a space) and names sorted
    assert url == API + "/engagements?region=us-west-2&until=2025-03-14T11%3A00%3A00%2B02%3A00"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (None, "set EP_URL or pass --url"),
        ("   ", "set EP_URL or pass --url"),
        ("abc123.execute-api.us-east-2.amazonaws.com/v1", "must start with https://"),
        ("ftp://example.com", "must start with https://"),
        ("http://abc123.execute-api.us-east-2.amazonaws.com/v1", "Refusing http://"),
        (API + "?region=us-west-2", "no query"),
        ("https://user:pw@example.com", "no query, fragment or user name"),
        ("https://example.com:99999", "not a URL"),
    ],
    ids=["unset", "blank", "no-scheme", "ftp", "http-remote", "query", "userinfo", "bad-port"],
)
def test_an_unusable_url_is_a_usage_line(url: str | None, says: str) -> None:
    # Given an endpoint that cannot be used
    # When it is read
    with pytest.raises(Failure) as raised:
        parse_endpoint(url)
    # Then it is a usage problem saying what to set
    assert raised.value.status is ExitStatus.USAGE
    assert says in raised.value.line
