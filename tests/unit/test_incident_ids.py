"""Incident ids: the record ARN raw or percent-encoded, or RESPONSE-PLAN/ID, decoded once and
validated strictly; an incident of another account is not found, and nothing is asked."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import botocore.session
import pytest

from engagement_proxy.config import Settings
from engagement_proxy.errors import IncidentNotFound, InvalidIncidentId
from engagement_proxy.ids import (
    MODEL_INCIDENT_ID_MAX_LENGTH,
    MODEL_INCIDENT_ID_PATTERN,
    IncidentRef,
    parse_incident_ref,
)
from engagement_proxy.policy import AccessPolicy

ACCOUNT = "111122223333"
PLAN = "checkout"
ID = "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
ARN = f"arn:aws:ssm-incidents::{ACCOUNT}:incident-record/{PLAN}/{ID}"
SHORT = f"{PLAN}/{ID}"
FORMS = (
    "Name an incident as RESPONSE-PLAN/INCIDENT-ID or by its incident record ARN "
    "(arn:aws:ssm-incidents::ACCOUNT:incident-record/RESPONSE-PLAN/INCIDENT-ID)."
)


def settings_for(*regions: str) -> Settings:
    return Settings(served_account_id=ACCOUNT, served_regions=regions, policy=AccessPolicy())


SETTINGS = settings_for("us-east-2", "us-west-2")
BOTH = ("us-east-2", "us-west-2")


def encoded(text: str) -> str:
    return quote(text, safe="")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(SHORT, id="plan/id"),
        pytest.param(ARN, id="raw ARN"),
        pytest.param(encoded(ARN), id="percent-encoded ARN"),
        pytest.param(encoded(ARN).lower(), id="lower-case percent escapes"),
        pytest.param(encoded(SHORT), id="percent-encoded plan/id"),
    ],
)
def test_every_spelling_names_the_same_incident_in_every_served_region(raw: str) -> None:
    # Given one of the spellings of an incident of the served account
    # When it is parsed without a region
    ref = parse_incident_ref(raw, None, SETTINGS)

    # Then it is that incident's record ARN, asked for in both served regions
    assert ref == IncidentRef(arn=ARN, regions=BOTH)


def test_already_decoded_path_is_not_decoded_again() -> None:
    # Given the raw ARN as an HTTP API delivers it (decoded), holding a literal %41
    raw = f"{PLAN}/{ID}%41"

    # When it is parsed as already decoded
    # Then the %41 stays as it is, and is refused as part of the id
    with pytest.raises(InvalidIncidentId):
        parse_incident_ref(raw, None, SETTINGS, percent_encoded=False)
    assert parse_incident_ref(ARN, None, SETTINGS, percent_encoded=False).arn == ARN


@pytest.mark.parametrize("raw", [SHORT, ARN], ids=["plan/id", "ARN"])
def test_region_narrows_the_incident_to_one_served_region(raw: str) -> None:
    # Given an incident and `?region=us-west-2`
    # When it is parsed
    ref = parse_incident_ref(raw, "us-west-2", SETTINGS)

    # Then only us-west-2 is asked
    assert ref == IncidentRef(arn=ARN, regions=("us-west-2",))


def test_plan_and_id_take_the_partition_of_the_served_region() -> None:
    # Given a proxy serving a China region
    settings = settings_for("cn-north-1")

    # When RESPONSE-PLAN/ID is parsed
    ref = parse_incident_ref(SHORT, None, settings)

    # Then the record ARN is in the aws-cn partition
    expected = f"arn:aws-cn:ssm-incidents::{ACCOUNT}:incident-record/{SHORT}"
    assert ref == IncidentRef(arn=expected, regions=("cn-north-1",))


def test_incident_is_asked_for_only_in_served_regions_of_its_partition() -> None:
    # Given a proxy serving regions of two partitions
    settings = settings_for("us-east-2", "cn-north-1", "us-west-2")

    # When an aws incident ARN is parsed
    ref = parse_incident_ref(ARN, None, settings)

    # Then the China region is left out
    assert ref.regions == BOTH


@pytest.mark.parametrize(
    ("raw", "region", "settings", "detail"),
    [
        pytest.param(
            ARN.replace("arn:aws:", "arn:aws-cn:"),
            None,
            SETTINGS,
            "The ARN's partition is not one of a served region.",
            id="aws-cn ARN, aws regions",
        ),
        pytest.param(
            ARN,
            "cn-north-1",
            settings_for("us-east-2", "cn-north-1"),
            "The ARN's partition is not that of the region named.",
            id="aws ARN, China region named",
        ),
    ],
)
def test_partition_no_served_region_has_is_refused(
    raw: str, region: str | None, settings: Settings, detail: str
) -> None:
    # Given an incident ARN in a partition none of the regions it would be asked in has
    # When it is parsed
    with pytest.raises(InvalidIncidentId) as raised:
        parse_incident_ref(encoded(raw), region, settings)

    # Then it is refused, saying why
    assert raised.value.detail == detail


@pytest.mark.parametrize("spelling", [str, encoded], ids=["raw", "encoded"])
def test_incident_of_another_account_is_not_found(spelling: Callable[[str], str]) -> None:
    # Given a well-formed incident record ARN of an account this proxy does not serve
    raw = spelling(ARN.replace(ACCOUNT, "444455556666"))

    # When it is parsed
    with pytest.raises(IncidentNotFound) as raised:
        parse_incident_ref(raw, None, SETTINGS)

    # Then it is not found, and the caller is told what to name instead
    assert raised.value.detail == (
        "No such incident: name an incident record of the account this proxy serves."
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            f"arn:aws:ssm-contacts:us-east-2:{ACCOUNT}:engagement/{PLAN}/{ID}", id="engagement"
        ),
        pytest.param(f"arn:aws:ssm-incidents:us-east-2:{ACCOUNT}:incident-record/{SHORT}", id="rg"),
        pytest.param(f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/{PLAN}", id="response plan"),
        pytest.param(f"arn:aws:ssm-incidents::{ACCOUNT}:incident-record/{PLAN}", id="no id"),
        pytest.param(f"arn:aws:ssm-incidents::1111:incident-record/{SHORT}", id="short account"),
        pytest.param(f"arn:aws:ssm-incidents::{ACCOUNT}:incident-record/{SHORT}/x", id="tail"),
        pytest.param(f"arn:aws-xyz:ssm-incidents::{ACCOUNT}:incident-record/{SHORT}", id="pt"),
        pytest.param(f"{ARN}?region=us-east-2", id="query glued on"),
    ],
)
def test_arn_that_is_no_incident_record_arn_is_refused(raw: str) -> None:
    # Given an ARN that is not an incident record ARN
    # When it is parsed
    with pytest.raises(InvalidIncidentId) as raised:
        parse_incident_ref(encoded(raw), None, SETTINGS)

    # Then the caller is shown the accepted spellings
    assert raised.value.detail == f"The ARN is not an incident record ARN. {FORMS}"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(ID, id="id only"),
        pytest.param(f"/{ID}", id="empty plan"),
        pytest.param(f"{PLAN}/", id="empty id"),
        pytest.param(f"check.out/{ID}", id="dot in plan"),
        pytest.param(f"{'p' * 201}/{ID}", id="plan of 201 characters"),
        pytest.param(f"{PLAN}/{ID.upper()}", id="id in capitals"),
        pytest.param(f"{PLAN}/{ID[:-1]}", id="id short"),
        pytest.param(f"{PLAN}/{ID.replace('-', '')}", id="id without dashes"),
        pytest.param(f"{SHORT}/", id="trailing slash"),
        pytest.param(f"{SHORT}/engagements", id="route suffix left on"),
        pytest.param(encoded(encoded(ARN)), id="ARN encoded twice"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_incident_id_is_refused_saying_what_to_send(raw: str) -> None:
    # Given an incident id in none of the accepted spellings
    # When it is parsed
    with pytest.raises(InvalidIncidentId) as raised:
        parse_incident_ref(raw, None, SETTINGS)

    # Then the caller is shown the accepted spellings
    assert raised.value.detail == FORMS


def test_plan_of_the_models_maximum_length_is_accepted() -> None:
    # Given botocore's ssm-incidents model and a response plan name of its maximum length
    model = botocore.session.get_session().get_service_model("ssm-incidents")
    plan_name = model.shape_for("ResponsePlanName")
    plan = "p" * plan_name.metadata["max"]

    # When an incident of that plan is parsed
    ref = parse_incident_ref(f"{plan}/{ID}", None, SETTINGS)

    # Then it is accepted, and the ARN is one ssm-incidents and ssm-contacts both allow
    assert re.fullmatch(plan_name.metadata["pattern"], plan)
    assert re.fullmatch(model.shape_for("Arn").metadata["pattern"], ref.arn)
    assert re.fullmatch(MODEL_INCIDENT_ID_PATTERN, ref.arn)


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        pytest.param(
            f"{PLAN}%0A/{ID}",
            "The incident id holds control, space or non-ASCII characters.",
            id="newline",
        ),
        pytest.param(
            f"{PLAN}%20/{ID}",
            "The incident id holds control, space or non-ASCII characters.",
            id="space",
        ),
        pytest.param(
            f"{PLAN}\u00e9/{ID}",
            "The incident id holds control, space or non-ASCII characters.",
            id="non-ASCII",
        ),
        pytest.param(
            f"{PLAN}%FF/{ID}", "The incident id is not valid percent-encoded UTF-8.", id="bad UTF-8"
        ),
        pytest.param(
            "p" * (MODEL_INCIDENT_ID_MAX_LENGTH + 1),
            "The incident id is longer than 1024 characters.",
            id="1025 characters",
        ),
        pytest.param(
            "%70" * (MODEL_INCIDENT_ID_MAX_LENGTH + 1),
            "The incident id is longer than 1024 characters.",
            id="1025 once decoded",
        ),
    ],
)
def test_unreadable_incident_id_is_refused_saying_why(raw: str, detail: str) -> None:
    # Given an incident id with a character or length no incident id has
    # When it is parsed
    with pytest.raises(InvalidIncidentId) as raised:
        parse_incident_ref(raw, None, SETTINGS)

    # Then the caller is told what is wrong with it
    assert raised.value.detail == detail


@pytest.mark.parametrize(
    ("region", "detail"),
    [
        pytest.param(
            "ap-south-1",
            "The region ap-south-1 is not served; served regions: us-east-2, us-west-2.",
            id="unserved",
        ),
        pytest.param(
            "US-EAST-2",
            "The region US-EAST-2 is not an AWS region name; served regions: us-east-2, us-west-2.",
            id="capitals",
        ),
        pytest.param(
            "",
            "The region is not an AWS region name; served regions: us-east-2, us-west-2.",
            id="empty",
        ),
    ],
)
def test_bad_or_unserved_region_is_refused(region: str, detail: str) -> None:
    # Given a region this proxy cannot ask
    # When an incident is parsed with it
    with pytest.raises(InvalidIncidentId) as raised:
        parse_incident_ref(SHORT, region, SETTINGS)

    # Then the caller is told, as an incident id problem
    assert raised.value.detail == detail


def test_model_incident_id_pattern_and_length_are_botocores() -> None:
    # Given botocore's ssm-contacts model
    model = botocore.session.get_session().get_service_model("ssm-contacts")

    # When ListEngagements' input member IncidentId is looked up
    input_shape = model.operation_model("ListEngagements").input_shape
    assert input_shape is not None
    incident_id = input_shape.members["IncidentId"]

    # Then the proxy's constants are the model's
    assert incident_id.metadata["pattern"] == MODEL_INCIDENT_ID_PATTERN
    assert incident_id.metadata["max"] == MODEL_INCIDENT_ID_MAX_LENGTH
