"""AWS regions and the partitions they belong to. Pure."""

from __future__ import annotations

import re

_REGION = re.compile(r"[a-z]{2}(?:-gov)?-[a-z]+-[0-9]{1,2}")


def is_region(name: str) -> bool:
    return _REGION.fullmatch(name) is not None


def partition_for(region: str) -> str:
    """The ARN partition of a (valid) region name."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
