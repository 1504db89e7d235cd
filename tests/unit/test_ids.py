"""Engagement ids: three spellings of one ARN, decoded once and validated strictly."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import botocore.session
import pytest

from engagement_proxy.config import Settings
from engagement_proxy.errors import EngagementNotFound, InvalidEngagementId
from engagement_proxy.ids import (
    MODEL_ARN_MAX_LENGTH,
    MODEL_ARN_PATTERN,
    EngagementRef,
    parse_engagement_ref,
)
from engagement_proxy.policy import AccessPolicy

ACCOUNT = "111122223333"
CONTACT = "example_escalation"
UUID = "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
ARN = f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:engagement/{CONTACT}/{UUID}"
EU_ARN = f"arn:aws:ssm-contacts:eu-west-1:{ACCOUNT}:engagement/{CONTACT}/{UUID}"
SHORT = f"{CONTACT}/{UUID}"


def settings_for(*regions: str, account: str = ACCOUNT) -> Settings:
    return Settings(served_account_id=account, served_regions=regions, policy=AccessPolicy())


SETTINGS = settings_for("us-east-2", "eu-west-1")


def encoded(text: str) -> str:
    """`text` percent-encoded as one path segment (colons and slashes too)."""
    return quote(text, safe="")


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        pytest.param(SHORT, None, id="short form, default region"),
        pytest.param(SHORT, "us-east-2", id="short form, region named"),
        pytest.param(ARN, None, id="raw ARN"),
        pytest.param(ARN, "us-east-2", id="raw ARN, same region named"),
        pytest.param(encoded(ARN), None, id="percent-encoded ARN"),
        pytest.param(encoded(ARN).lower(), None, id="lower-case percent escapes"),
        pytest.param(encoded(SHORT), None, id="percent-encoded short form"),
    ],
)
def test_every_spelling_names_the_same_engagement(raw: str, region: str | None) -> None:
    # Given one of the spellings of the example engagement
    # When the id is parsed
    ref = parse_engagement_ref(raw, region, SETTINGS)

    # Then it is the example engagement in us-east-2
    assert ref == EngagementRef(arn=ARN, region="us-east-2")


def test_percent_encoded_arn_is_literally_arn_percent_3a() -> None:
    # Given the encoded spelling exactly as a curl user would type it
    raw = f"arn%3Aaws%3Assm-contacts%3Aus-east-2%3A{ACCOUNT}%3Aengagement%2F{CONTACT}%2F{UUID}"

    # When the id is parsed
    ref = parse_engagement_ref(raw, None, SETTINGS)

    # Then it is the raw ARN
    assert ref.arn == ARN


def test_short_form_uses_the_region_named() -> None:
    # Given the short form and `?region=` naming the second served region
    # When the id is parsed
    ref = parse_engagement_ref(SHORT, "eu-west-1", SETTINGS)

    # Then the ARN is built in that region
    assert ref == EngagementRef(arn=EU_ARN, region="eu-west-1")


def test_arn_in_another_served_region_keeps_its_region() -> None:
    # Given the ARN of an engagement in the second served region
    # When the id is parsed
    ref = parse_engagement_ref(encoded(EU_ARN), None, SETTINGS)

    # Then the upstream call goes to that region
    assert ref == EngagementRef(arn=EU_ARN, region="eu-west-1")


@pytest.mark.parametrize(
    ("region", "partition"),
    [("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_short_form_takes_the_partition_from_the_region(region: str, partition: str) -> None:
    # Given a proxy serving a region outside the commercial partition
    settings = settings_for(region)

    # When the short form is parsed
    ref = parse_engagement_ref(SHORT, None, settings)

    # Then the ARN is in that region's partition
    expected = f"arn:{partition}:ssm-contacts:{region}:{ACCOUNT}:engagement/{SHORT}"
    assert ref == EngagementRef(arn=expected, region=region)


def test_arn_in_its_own_partition_is_accepted() -> None:
    # Given an aws-us-gov proxy and an engagement ARN of that partition
    settings = settings_for("us-gov-west-1")
    arn = f"arn:aws-us-gov:ssm-contacts:us-gov-west-1:{ACCOUNT}:engagement/{SHORT}"

    # When the id is parsed
    ref = parse_engagement_ref(encoded(arn), None, settings)

    # Then it is accepted as is
    assert ref == EngagementRef(arn=arn, region="us-gov-west-1")


def test_double_encoded_arn_is_decoded_only_once() -> None:
    # Given the ARN percent-encoded twice (`%253A`)
    raw = encoded(encoded(ARN))
    assert "%253A" in raw

    # When the id is parsed
    # Then it is refused: decoding once leaves `arn%3A...`, which is no engagement id
    with pytest.raises(InvalidEngagementId):
        parse_engagement_ref(raw, None, SETTINGS)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(f"{CONTACT}/{UUID}%00", id="NUL escaped"),
        pytest.param(f"{CONTACT}%0A/{UUID}", id="newline escaped"),
        pytest.param(f"{CONTACT}/{UUID}\t", id="raw tab"),
        pytest.param(f"{CONTACT}\x7f/{UUID}", id="raw DEL"),
        pytest.param(f"{CONTACT}%20/{UUID}", id="space escaped"),
        pytest.param(f"{CONTACT} /{UUID}", id="raw space"),
        pytest.param(f"{CONTACT}%C3%A9/{UUID}", id="non-ASCII escaped"),
        pytest.param(f"{CONTACT}\u00e9/{UUID}", id="raw non-ASCII"),
        pytest.param(f"{ARN}\u200b", id="zero-width space after ARN"),
    ],
)
def test_control_space_and_non_ascii_characters_are_refused(raw: str) -> None:
    # Given an id holding a character outside printable ASCII
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then the caller is told why
    assert raised.value.detail == "The engagement id holds control, space or non-ASCII characters."


@pytest.mark.parametrize("raw", [f"{CONTACT}%FF/{UUID}", f"{CONTACT}%C3/{UUID}", "%E2%82"])
def test_invalid_utf8_escapes_are_refused(raw: str) -> None:
    # Given percent escapes that do not decode as UTF-8
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then the caller is told the encoding is wrong
    assert raised.value.detail == "The engagement id is not valid percent-encoded UTF-8."


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a" * (MODEL_ARN_MAX_LENGTH + 1), id="2049 characters"),
        pytest.param(encoded(ARN + "/" + "a" * MODEL_ARN_MAX_LENGTH), id="long once decoded"),
        pytest.param("%61" * (MODEL_ARN_MAX_LENGTH + 1), id="2049 once decoded"),
        pytest.param("a" * 100_000, id="100 000 characters"),
    ],
)
def test_ids_past_the_model_length_are_refused(raw: str) -> None:
    # Given an id longer than the model's 2048 characters
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then the caller is told it is too long
    assert raised.value.detail == "The engagement id is longer than 2048 characters."


def test_id_of_exactly_the_model_length_is_judged_on_its_form() -> None:
    # Given a 2048-character id that is percent-encoded to three times that
    raw = "%61" * MODEL_ARN_MAX_LENGTH

    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then its length is fine, and it is refused for what it is
    assert "longer" not in raised.value.detail
    assert raised.value.detail.startswith("Name an engagement as CONTACT/ENGAGEMENT-UUID")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:contact/{CONTACT}", id="contact"),
        pytest.param(
            f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:page/{CONTACT}/{UUID}", id="page ARN"
        ),
        pytest.param(f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:engagement/{CONTACT}", id="no id"),
        pytest.param(f"arn:aws:ssm:us-east-2:{ACCOUNT}:engagement/{SHORT}", id="other service"),
        pytest.param(f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:engagement/{SHORT}/x", id="tail"),
        pytest.param(f"arn:aws:ssm-contacts:us-east-2:1111:engagement/{SHORT}", id="short acct"),
        pytest.param(f"arn:aws-xyz:ssm-contacts:us-east-2:{ACCOUNT}:engagement/{SHORT}", id="pt"),
        pytest.param(f"{ARN}?region=us-east-2", id="query glued on"),
    ],
)
def test_arn_that_is_no_engagement_arn_is_refused(raw: str) -> None:
    # Given an ARN that is not an SSM Contacts engagement ARN
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(encoded(raw), None, SETTINGS)

    # Then the caller is shown the expected form
    assert "arn:aws:ssm-contacts:REGION:ACCOUNT:engagement/CONTACT/ENGAGEMENT-UUID" in (
        raised.value.detail
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(f"{CONTACT}/69e40ce1-8dbb-4d57-8962-5fbe7fc5335", id="uuid short"),
        pytest.param(f"{CONTACT}/69e40ce1-8dbb-4d57-8962-5fbe7fc53356a", id="uuid long"),
        pytest.param(f"{CONTACT}/69e40ce18dbb4d5789625fbe7fc53356", id="uuid without dashes"),
        pytest.param(f"{CONTACT}/69e40ce1-8dbb-4d57-8962-5fbe7fc5335g", id="uuid not hex"),
        pytest.param(f"{CONTACT}/{UUID}/", id="trailing slash"),
        pytest.param(f"{UUID}", id="uuid only"),
        pytest.param(f"/{UUID}", id="empty contact"),
        pytest.param(f"Example/{UUID}", id="contact in capitals"),
        pytest.param(f"{CONTACT}/{UUID}/{UUID}", id="three segments"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_short_form_is_refused(raw: str) -> None:
    # Given a short form that is not CONTACT/UUID
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then the caller is shown the two accepted spellings
    assert raised.value.detail == (
        "Name an engagement as CONTACT/ENGAGEMENT-UUID or by its full engagement ARN."
    )


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        pytest.param(SHORT, "ap-south-1", id="short form, unserved region named"),
        pytest.param(ARN.replace("us-east-2", "ap-south-1"), None, id="ARN in unserved region"),
    ],
)
def test_unserved_region_is_refused_naming_the_served_ones(raw: str, region: str | None) -> None:
    # Given an engagement in a region this proxy does not serve
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, region, SETTINGS)

    # Then the caller is told which regions are served
    assert raised.value.detail == (
        "The region ap-south-1 is not served; served regions: us-east-2, eu-west-1."
    )


@pytest.mark.parametrize(
    ("raw", "region", "shown"),
    [
        pytest.param(SHORT, "US-EAST-2", " US-EAST-2", id="capitals"),
        pytest.param(SHORT, "", "", id="empty"),
        pytest.param(SHORT, "us-east-2 ", "", id="trailing space"),
        pytest.param(SHORT, "<script>", "", id="markup"),
        pytest.param(
            ARN.replace("us-east-2", "useast2"), None, " useast2", id="ARN with bad region"
        ),
    ],
)
def test_bad_region_is_refused(raw: str, region: str | None, shown: str) -> None:
    # Given a region that is not an AWS region name
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(raw, region, SETTINGS)

    # Then the caller is told which regions are served, the bad text echoed only when plain
    assert raised.value.detail == (
        f"The region{shown} is not an AWS region name; served regions: us-east-2, eu-west-1."
    )


def test_region_parameter_contradicting_the_arn_is_refused() -> None:
    # Given an ARN in us-east-2 and `?region=eu-west-1` (both served)
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(encoded(ARN), "eu-west-1", SETTINGS)

    # Then the contradiction is refused
    assert raised.value.detail == "The region query parameter contradicts the ARN's region."


@pytest.mark.parametrize(
    ("arn", "settings"),
    [
        pytest.param(
            ARN.replace("arn:aws:", "arn:aws-cn:"), SETTINGS, id="aws-cn ARN in us-east-2"
        ),
        pytest.param(
            f"arn:aws:ssm-contacts:cn-north-1:{ACCOUNT}:engagement/{SHORT}",
            settings_for("cn-north-1"),
            id="aws ARN in cn-north-1",
        ),
        pytest.param(
            f"arn:aws:ssm-contacts:us-gov-west-1:{ACCOUNT}:engagement/{SHORT}",
            settings_for("us-gov-west-1"),
            id="aws ARN in us-gov-west-1",
        ),
    ],
)
def test_partition_contradicting_the_region_is_refused(arn: str, settings: Settings) -> None:
    # Given an engagement ARN whose partition is not its region's
    # When the id is parsed
    with pytest.raises(InvalidEngagementId) as raised:
        parse_engagement_ref(encoded(arn), None, settings)

    # Then it is refused
    assert raised.value.detail == "The ARN's partition does not match its region."


@pytest.mark.parametrize("spelling", [str, encoded], ids=["raw", "encoded"])
def test_arn_of_another_account_is_not_found(spelling: Callable[[str], str]) -> None:
    # Given a well-formed engagement ARN of an account this proxy does not serve
    raw = spelling(ARN.replace(ACCOUNT, "444455556666"))

    # When the id is parsed
    with pytest.raises(EngagementNotFound) as raised:
        parse_engagement_ref(raw, None, SETTINGS)

    # Then it is "not found", saying nothing about that account
    assert raised.value.detail == "No such engagement."


def test_model_arn_pattern_and_length_are_botocores() -> None:
    # Given botocore's ssm-contacts model
    model = botocore.session.get_session().get_service_model("ssm-contacts")

    # When the DescribeEngagement input member EngagementId is looked up
    input_shape = model.operation_model("DescribeEngagement").input_shape
    assert input_shape is not None
    engagement_id = input_shape.members["EngagementId"]

    # Then the proxy validates against the same pattern and maximum length
    assert engagement_id.metadata["pattern"] == MODEL_ARN_PATTERN
    assert engagement_id.metadata["max"] == MODEL_ARN_MAX_LENGTH
    assert re.fullmatch(MODEL_ARN_PATTERN, ARN) is not None
