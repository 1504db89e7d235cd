"""ENGAGEMENT and INCIDENT as pasted: every spelling becomes the one segment the proxy takes."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ep_client.exits import ExitStatus, Failure
from ep_client.references import engagement_reference, incident_reference

ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
    "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
ENCODED = (
    "arn%3Aaws%3Assm-contacts%3Aus-east-2%3A111122223333%3Aengagement%2Fexample_escalation"
    "%2F69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
INCIDENT = (
    "arn:aws:ssm-incidents::111122223333:incident-record/checkout/"
    "6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6"
)


@pytest.mark.parametrize(
    "pasted",
    [
        ARN,
        ARN + "\n",
        f"  {ARN}\r\n",
        f"`{ARN}`",
        f"<{ARN}>",
        f'"{ARN}"',
        f"{ARN}.",
        ENCODED,
        ENCODED + "\n",
        ENCODED.lower(),  # %3a is %3A
    ],
    ids=[
        "raw",
        "newline",
        "crlf-spaces",
        "backticks",
        "angle",
        "quotes",
        "full-stop",
        "encoded",
        "encoded-newline",
        "encoded-lower-case",
    ],
)
def test_an_arn_in_any_spelling_becomes_one_encoded_segment(pasted: str) -> None:
    # Given the example engagement's ARN as pasted from a chat window
    # When it is read as ENGAGEMENT
    reference = engagement_reference(pasted)
    # Then the path carries the ARN percent-encoded as one segment, colons and slashes too
    assert reference.segment == ENCODED
    assert reference.text == ARN
    assert reference.region == "us-east-2"


def test_contact_and_uuid_go_as_they_are() -> None:
    # Given the short spelling
    # When it is read
    reference = engagement_reference("example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356\n")
    # Then it is sent as two segments, and names no region (the proxy or --region chooses)
    assert reference.segment == "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
    assert reference.region is None


def test_a_double_encoding_is_decoded_once_and_refused() -> None:
    # Given an ARN encoded twice (%253A), which the proxy would also decode only once
    twice = quote(ARN, safe="").replace("%", "%25")
    # When it is read
    with pytest.raises(Failure) as raised:
        engagement_reference(twice)
    # Then it is no spelling of an engagement: a usage line, nothing is sent
    assert raised.value.status is ExitStatus.USAGE
    assert "CONTACT/ENGAGEMENT-UUID" in raised.value.line


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("", "ENGAGEMENT is empty"),
        ("   \n", "ENGAGEMENT is empty"),
        (f"{ARN} please", "spaces, control or non-ASCII"),
        (ARN.replace("example", "exa\x1bmple"), "spaces, control or non-ASCII"),
        ("no-slash", "CONTACT/ENGAGEMENT-UUID"),
        ("../incidents", "CONTACT/ENGAGEMENT-UUID"),
        ("a/b/c", "CONTACT/ENGAGEMENT-UUID"),
        ("arn:aws:ssm-contacts", "incomplete"),
        (INCIDENT, "use `ep incident`"),
        (ARN.replace(":engagement/", ":page/"), "page ARN"),
        ("arn:aws:ssm-contacts:us-east-2:111122223333:contact/akua_mansa", "not an engagement ARN"),
        ("arn%ZZ", "CONTACT/ENGAGEMENT-UUID"),
        ("%C3%28", "not valid percent-encoded UTF-8"),
    ],
    ids=[
        "empty",
        "blank",
        "trailing-words",
        "escape",
        "one-segment",
        "dot-segment",
        "three-segments",
        "short-arn",
        "incident",
        "page",
        "contact",
        "bad-escape",
        "bad-utf8",
    ],
)
def test_what_is_no_engagement_is_a_usage_line(pasted: str, says: str) -> None:
    # Given something that names no engagement
    # When it is read as ENGAGEMENT
    with pytest.raises(Failure) as raised:
        engagement_reference(pasted)
    # Then it is a usage problem whose line says what to paste instead, on one line
    assert raised.value.status is ExitStatus.USAGE
    assert says in raised.value.line
    assert "\n" not in raised.value.line and "\x1b" not in raised.value.line


@pytest.mark.parametrize(
    "pasted",
    [INCIDENT, INCIDENT + "\n", quote(INCIDENT, safe="")],
    ids=["raw", "newline", "encoded"],
)
def test_an_incident_record_arn_becomes_one_encoded_segment(pasted: str) -> None:
    # Given the incident's record ARN, raw or encoded
    # When it is read as INCIDENT
    reference = incident_reference(pasted)
    # Then it goes as one encoded segment
    assert reference.segment == quote(INCIDENT, safe="")
    assert reference.text == INCIDENT


def test_plan_and_id_go_as_they_are() -> None:
    # Given the PLAN/ID spelling
    # When it is read
    reference = incident_reference("checkout/6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6")
    # Then it is sent as is
    assert reference.segment == "checkout/6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6"


def test_an_engagement_arn_given_as_incident_says_which_command_takes_it() -> None:
    # Given an engagement ARN where an incident is expected
    # When it is read as INCIDENT
    with pytest.raises(Failure) as raised:
        incident_reference(ARN)
    # Then the line names the commands that take it
    assert raised.value.status is ExitStatus.USAGE
    assert "use `ep get` or `ep pages`" in raised.value.line
