"""Which engagement a request names: three spellings, one validated ARN. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from engagement_proxy.config import Settings
from engagement_proxy.errors import EngagementNotFound, InvalidEngagementId
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
    if len(raw) > 3 * MODEL_ARN_MAX_LENGTH:
        raise InvalidEngagementId(
            f"The engagement id is longer than {MODEL_ARN_MAX_LENGTH} characters."
        )
    text = _decoded(raw) if percent_encoded else raw
    if len(text) > MODEL_ARN_MAX_LENGTH:
        raise InvalidEngagementId(
            f"The engagement id is longer than {MODEL_ARN_MAX_LENGTH} characters."
        )
    if _UNPRINTABLE.search(text):
        raise InvalidEngagementId("The engagement id holds control, space or non-ASCII characters.")

    if text.startswith("arn:"):
        return _from_arn(text, region, settings)
    short = _SHORT_FORM.fullmatch(text)
    if short is None:
        raise InvalidEngagementId(
            "Name an engagement as CONTACT/ENGAGEMENT-UUID or by its full engagement ARN."
        )
    region = _served_region(region if region is not None else settings.default_region, settings)
    arn = (
        f"arn:{partition_for(region)}:ssm-contacts:{region}:{settings.served_account_id}:"
        f"engagement/{short['contact']}/{short['uuid']}"
    )
    return EngagementRef(arn=arn, region=region)


def _decoded(raw: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidEngagementId("The engagement id is not valid percent-encoded UTF-8.") from None


def _from_arn(text: str, region: str | None, settings: Settings) -> EngagementRef:
    match = _ENGAGEMENT_ARN.fullmatch(text)
    if match is None or _MODEL_ARN.fullmatch(text) is None:
        raise InvalidEngagementId(
            "The ARN is not an SSM Contacts engagement ARN "
            "(arn:aws:ssm-contacts:REGION:ACCOUNT:engagement/CONTACT/ENGAGEMENT-UUID)."
        )
    arn_region = _served_region(match["region"], settings)
    if region is not None and region != arn_region:
        raise InvalidEngagementId("The region query parameter contradicts the ARN's region.")
    if match["partition"] != partition_for(arn_region):
        raise InvalidEngagementId("The ARN's partition does not match its region.")
    if match["account"] != settings.served_account_id:
        # Say nothing about engagements of other accounts, not even that the account is wrong.
        raise EngagementNotFound("No such engagement.")
    return EngagementRef(arn=text, region=arn_region)


def _served_region(region: str, settings: Settings) -> str:
    if not is_region(region):
        raise InvalidEngagementId("The region is not an AWS region name.")
    if region not in settings.served_regions:
        served = ", ".join(settings.served_regions)
        raise InvalidEngagementId(f"The region {region} is not served; served regions: {served}.")
    return region
