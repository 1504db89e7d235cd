"""Which engagement or incident a request names: a few spellings, one validated ARN. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from engagement_proxy.config import Settings
from engagement_proxy.errors import (
    EngagementNotFound,
    IncidentNotFound,
    InvalidEngagementId,
    InvalidIncidentId,
    ProxyError,
    UpstreamFailed,
)
from engagement_proxy.regions import is_region, partition_for

# botocore's ssm-contacts model: SsmContactsArn (a unit test keeps this equal to the model's).
MODEL_ARN_PATTERN = (
    r"arn:(aws|aws-cn|aws-us-gov):ssm-contacts:[-\w+=\/,.@]*:[0-9]+:([\w+=\/,.@:-]+)*"
)
MODEL_ARN_MAX_LENGTH = 2048

_MODEL_ARN = re.compile(MODEL_ARN_PATTERN, re.ASCII)
_CONTACT = r"[a-z0-9_-]{1,255}"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ENGAGEMENT_ARN = re.compile(
    rf"arn:(?P<partition>[a-z-]+):ssm-contacts:(?P<region>[a-z0-9-]+):(?P<account>\d{{12}}):"
    rf"engagement/(?P<contact>{_CONTACT})/(?P<uuid>{_UUID})",
    re.ASCII,
)
_SHORT_FORM = re.compile(rf"(?P<contact>{_CONTACT})/(?P<uuid>{_UUID})", re.ASCII)
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")

# botocore's ssm-contacts model: IncidentId, as ListEngagements takes it (a unit test keeps
# these equal to the model's). The record ARN itself follows ssm-incidents: no region, and a
# response plan name of ResponsePlanName's characters and length.
MODEL_INCIDENT_ID_PATTERN = r"^[\\a-zA-Z0-9_@#%*+=:?.\/!\s-]*$"
MODEL_INCIDENT_ID_MAX_LENGTH = 1024
_PLAN = r"[a-zA-Z0-9_-]{1,200}"
_INCIDENT_ARN = re.compile(
    rf"arn:(?P<partition>aws|aws-cn|aws-us-gov):ssm-incidents::(?P<account>\d{{12}}):"
    rf"incident-record/(?P<plan>{_PLAN})/(?P<id>{_UUID})",
    re.ASCII,
)
_INCIDENT_SHORT_FORM = re.compile(rf"(?P<plan>{_PLAN})/(?P<id>{_UUID})", re.ASCII)


# Only a value that cannot carry control characters or secure text is echoed back.
_SHOWABLE_REGION = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)


@dataclass(frozen=True)
class EngagementRef:
    arn: str
    region: str


def parse_engagement_ref(
    raw: str, region: str | None, settings: Settings, *, percent_encoded: bool = True
) -> EngagementRef:
    """The engagement named by `raw`, the path after `/engagements/` exactly as API Gateway
    delivers it. REST APIs deliver it still percent-encoded, HTTP APIs already decoded: it is
    decoded exactly once either way (a second decoding would let `%253A` smuggle a `:`), then
    validated strictly."""
    text = _printable_text(
        raw, percent_encoded, MODEL_ARN_MAX_LENGTH, "The engagement id", InvalidEngagementId
    )
    if text.startswith("arn:"):
        return _from_arn(text, region, settings)
    short = _SHORT_FORM.fullmatch(text)
    if short is None:
        raise InvalidEngagementId(
            "Name an engagement as CONTACT/ENGAGEMENT-UUID or by its full engagement ARN."
        )
    region = served_region(region if region is not None else settings.default_region, settings)
    arn = (
        f"arn:{partition_for(region)}:ssm-contacts:{region}:{settings.served_account_id}:"
        f"engagement/{short['contact']}/{short['uuid']}"
    )
    return EngagementRef(arn=arn, region=region)


def _printable_text(
    raw: str, percent_encoded: bool, max_length: int, name: str, error: type[ProxyError]
) -> str:
    """`raw` decoded once if it is percent-encoded, within `max_length`, printable ASCII only."""
    if len(raw) > 3 * max_length:
        raise error(f"{name} is longer than {max_length} characters.")
    text = _decoded(raw, name, error) if percent_encoded else raw
    if len(text) > max_length:
        raise error(f"{name} is longer than {max_length} characters.")
    if _UNPRINTABLE.search(text):
        raise error(f"{name} holds control, space or non-ASCII characters.")
    return text


def _decoded(raw: str, name: str, error: type[ProxyError]) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise error(f"{name} is not valid percent-encoded UTF-8.") from None


def _from_arn(text: str, region: str | None, settings: Settings) -> EngagementRef:
    match = _ENGAGEMENT_ARN.fullmatch(text)
    if match is None or _MODEL_ARN.fullmatch(text) is None:
        raise InvalidEngagementId(
            "The ARN is not an SSM Contacts engagement ARN "
            "(arn:aws:ssm-contacts:REGION:ACCOUNT:engagement/CONTACT/ENGAGEMENT-UUID)."
        )
    arn_region = served_region(match["region"], settings)
    if region is not None and region != arn_region:
        raise InvalidEngagementId("The region query parameter contradicts the ARN's region.")
    if match["partition"] != partition_for(arn_region):
        raise InvalidEngagementId("The ARN's partition does not match its region.")
    if match["account"] != settings.served_account_id:
        # Say nothing about engagements of other accounts, not even that the account is wrong.
        raise EngagementNotFound("No such engagement.")
    return EngagementRef(arn=text, region=arn_region)


def not_found_in(ref: EngagementRef, settings: Settings) -> EngagementNotFound:
    """The 404 for an engagement SSM Contacts does not have: where it looked, and where else
    the caller could look."""
    account = ref.arn.split(":")[4]
    others = [region for region in settings.served_regions if region != ref.region]
    elsewhere = (
        f"; it may live in another served region: add ?region={others[0]}"
        + (f" (served: {', '.join(others)})" if len(others) > 1 else "")
        if others
        else ""
    )
    return EngagementNotFound(
        f"No such engagement in account {account}, region {ref.region}{elsewhere}."
    )


def engagement_ref_of(arn: str, settings: Settings) -> EngagementRef:
    """The engagement behind an ARN SSM Contacts listed: it must be one this proxy serves."""
    match = _ENGAGEMENT_ARN.fullmatch(arn)
    if (
        match is None
        or match["account"] != settings.served_account_id
        or match["region"] not in settings.served_regions
    ):
        raise UpstreamFailed("SSM Contacts listed an engagement this proxy does not serve.")
    return EngagementRef(arn=arn, region=match["region"])


def served_region(
    region: str, settings: Settings, error: type[ProxyError] = InvalidEngagementId
) -> str:
    if not is_region(region):
        served = ", ".join(settings.served_regions)
        shown = f" {region}" if _SHOWABLE_REGION.fullmatch(region) else ""
        raise error(f"The region{shown} is not an AWS region name; served regions: {served}.")
    if region not in settings.served_regions:
        served = ", ".join(settings.served_regions)
        raise error(f"The region {region} is not served; served regions: {served}.")
    return region


@dataclass(frozen=True)
class IncidentRef:
    """An incident record and the served regions whose engagements of it are asked for."""

    arn: str
    regions: tuple[str, ...]


_INCIDENT_FORMS = (
    "Name an incident as RESPONSE-PLAN/INCIDENT-ID or by its incident record ARN "
    "(arn:aws:ssm-incidents::ACCOUNT:incident-record/RESPONSE-PLAN/INCIDENT-ID)."
)


def parse_incident_ref(
    raw: str, region: str | None, settings: Settings, *, percent_encoded: bool = True
) -> IncidentRef:
    """The incident named by `raw`, the path between `/incidents/` and `/engagements` exactly
    as API Gateway delivers it (decoded once, as for engagements). Incident records have no
    region: the incident's engagements are asked for in every served region of its partition,
    or in `region` alone."""
    text = _printable_text(
        raw, percent_encoded, MODEL_INCIDENT_ID_MAX_LENGTH, "The incident id", InvalidIncidentId
    )
    if region is not None:
        region = served_region(region, settings, InvalidIncidentId)
    if text.startswith("arn:"):
        match = _INCIDENT_ARN.fullmatch(text)
        if match is None:
            raise InvalidIncidentId(f"The ARN is not an incident record ARN. {_INCIDENT_FORMS}")
        partition, account = match["partition"], match["account"]
    else:
        match = _INCIDENT_SHORT_FORM.fullmatch(text)
        if match is None:
            raise InvalidIncidentId(_INCIDENT_FORMS)
        partition = partition_for(region if region is not None else settings.default_region)
        account = settings.served_account_id
    regions = tuple(
        name
        for name in ((region,) if region is not None else settings.served_regions)
        if partition_for(name) == partition
    )
    if not regions:
        raise InvalidIncidentId(
            "The ARN's partition is not that of the region named."
            if region is not None
            else "The ARN's partition is not one of a served region."
        )
    if account != settings.served_account_id:
        raise IncidentNotFound(
            "No such incident: name an incident record of the account this proxy serves."
        )
    arn = f"arn:{partition}:ssm-incidents::{account}:incident-record/{match['plan']}/{match['id']}"
    return IncidentRef(arn=arn, regions=regions)
