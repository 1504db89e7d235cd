"""The local SSM Contacts endpoint's contract: botocore's own service model for the served
operations, the checks of inputs and answers against it, the awsJson wire form, and replies."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

JSON_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
SERVED_OPERATIONS: Final = (
    "DescribeEngagement",
    "ListEngagements",
    "ListPagesByEngagement",
    "ListPageReceipts",
)

SERVICE_MODEL: Final = botocore.session.get_session().get_service_model("ssm-contacts")
TARGET_PREFIX: Final[str] = SERVICE_MODEL.metadata["targetPrefix"]

# botocore's JSON model leaves out the errors' HTTP statuses (awsJson clients parse errors from
# `__type` alone), so they come from the service's Smithy model (`@httpError` on each error).
# UnknownOperationException and MissingAuthenticationTokenException are protocol-level:
# unmodeled, answered 400 like AWS JSON services do.
ERROR_STATUS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "AccessDeniedException": 403,
        "DataEncryptionException": 400,
        "InternalServerException": 500,
        "ResourceNotFoundException": 404,
        "ThrottlingException": 429,
        "ValidationException": 400,
        "UnknownOperationException": 400,
        "MissingAuthenticationTokenException": 400,
    }
)


def _structure(shape: StructureShape | None, where: str) -> StructureShape:
    if shape is None:
        raise LookupError(f"{where} has no structure shape in the ssm-contacts model")
    return shape


INPUT_SHAPES: Final[Mapping[str, StructureShape]] = MappingProxyType(
    {
        name: _structure(SERVICE_MODEL.operation_model(name).input_shape, f"{name} input")
        for name in SERVED_OPERATIONS
    }
)
OUTPUT_SHAPES: Final[Mapping[str, StructureShape]] = MappingProxyType(
    {
        name: _structure(SERVICE_MODEL.operation_model(name).output_shape, f"{name} output")
        for name in SERVED_OPERATIONS
    }
)


def _listed(operation: str, member: str) -> StructureShape:
    """The item shape of an operation's listed member (Engagements, Pages, Receipts)."""
    shape = OUTPUT_SHAPES[operation].members[member]
    if not isinstance(shape, ListShape) or not isinstance(shape.member, StructureShape):
        raise LookupError(f"{operation}.{member} is not a list of structures")
    return shape.member


ENGAGEMENT_ITEM: Final = _listed("ListEngagements", "Engagements")
PAGE_ITEM: Final = _listed("ListPagesByEngagement", "Pages")
RECEIPT_ITEM: Final = _listed("ListPageReceipts", "Receipts")

ERROR_SHAPES: Final[Mapping[str, StructureShape]] = MappingProxyType(
    {
        shape.name: shape
        for name in SERVED_OPERATIONS
        for shape in SERVICE_MODEL.operation_model(name).error_shapes
        if isinstance(shape, StructureShape)
    }
)
# Fail at import, not mid-incident, if a botocore upgrade adds an error we have no status for.
_UNMAPPED = set(ERROR_SHAPES) - set(ERROR_STATUS)
if _UNMAPPED:
    raise LookupError(f"no HTTP status for modeled errors {sorted(_UNMAPPED)}")


# --- shape checks -------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _pattern(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


def _constraint_problems(value: Any, shape: Shape, name: str) -> list[str]:
    """The `max`, `pattern` and `enum` breaches botocore's ParamValidator leaves unchecked."""
    problems: list[str] = []
    limit = shape.metadata.get("max")
    if isinstance(value, str | list | dict) and limit is not None and len(value) > limit:
        problems.append(f"{name}: length must be at most {limit}")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and shape.type_name in ("integer", "long") and limit is not None and value > limit:
        problems.append(f"{name}: must be at most {limit}")
    expression = shape.metadata.get("pattern")
    # Smithy patterns are not implicitly anchored: a match anywhere satisfies them.
    if isinstance(value, str) and expression and _pattern(expression).search(value) is None:
        problems.append(f"{name}: must match the pattern {expression}")
    allowed = shape.metadata.get("enum")
    if isinstance(value, str) and allowed and value not in allowed:
        problems.append(f"{name}: must be one of {', '.join(allowed)}")
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                problems += _constraint_problems(member, shape.members[key], f"{name}.{key}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for index, item in enumerate(value):
            problems += _constraint_problems(item, shape.member, f"{name}[{index}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            problems += _constraint_problems(item, shape.value, f"{name}.{key}")
    return problems


def input_problems(params: Mapping[str, Any], shape: StructureShape) -> list[str]:
    """Everything wrong with a request; the messages may echo the caller's own input."""
    report = ParamValidator().validate(params, shape)
    problems: list[str] = report.generate_report().splitlines() if report.has_errors() else []
    for key, value in params.items():
        if key in shape.members:
            problems += _constraint_problems(value, shape.members[key], key)
    return problems


def invalid_members(answer: Mapping[str, Any], shape: StructureShape) -> list[str]:
    """Names of the members that break `shape`: names only, as answers hold secure text."""
    names = [member for member in shape.required_members if member not in answer]
    for key, value in answer.items():
        member = shape.members.get(key)
        if member is None or _breaks(value, member):
            names.append(key)
    return names


def _breaks(value: Any, shape: Shape) -> bool:
    # Member by member, so a failure can be named without botocore's report, which quotes values.
    report = ParamValidator().validate(value, shape)
    return bool(report.has_errors() or _constraint_problems(value, shape, shape.name))


class AnswerShapeError(Exception):
    """An answer or seed record that breaks its output shape (a bug or bad seed data)."""

    def __init__(self, where: str, shape: StructureShape, members: Sequence[str]) -> None:
        super().__init__(f"{where} breaks {shape.name} in members {sorted(members)}")


def checked(answer: Mapping[str, Any], shape: StructureShape, where: str) -> Mapping[str, Any]:
    members = invalid_members(answer, shape)
    if members:
        raise AnswerShapeError(where, shape, members)
    return answer


# --- wire format --------------------------------------------------------------------------------


def _epoch_seconds(moment: datetime) -> int | float:
    seconds = moment.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def to_wire(value: Any, shape: Shape) -> Any:
    """A checked value in awsJson form: timestamps become epoch-seconds numbers."""
    if isinstance(shape, StructureShape):
        return {key: to_wire(item, shape.members[key]) for key, item in value.items()}
    if isinstance(shape, ListShape):
        return [to_wire(item, shape.member) for item in value]
    if isinstance(shape, MapShape):
        return {key: to_wire(item, shape.value) for key, item in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return _epoch_seconds(value)
    return value


def from_file(value: Any, shape: Shape) -> Any:
    """A seed value with its RFC 3339 timestamp strings parsed to aware datetimes, at any depth;
    members the shape does not know are kept as they are, for the shape check to name."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            key: from_file(item, shape.members[key]) if key in shape.members else item
            for key, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [from_file(item, shape.member) for item in value]
    if shape.type_name == "timestamp" and isinstance(value, str):
        return _aware(datetime.fromisoformat(value))
    return value


def _aware(moment: datetime) -> datetime:
    # A naive time would be read in the machine's zone: the file must say which instant it means.
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no UTC offset")
    return moment


# --- replies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; `declared_length` above len(body) cuts the body off in transit."""

    status: int
    body: bytes
    error_code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    declared_length: int | None = None


def json_reply(status: int, document: Mapping[str, Any], error_code: str | None = None) -> Reply:
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, error_code)


def answer_reply(operation: str, answer: Mapping[str, Any], where: str) -> Reply:
    """A 200 answer of `operation`, checked against its output shape first."""
    shape = OUTPUT_SHAPES[operation]
    return json_reply(200, to_wire(checked(answer, shape, where), shape))


def error_reply(code: str, message: str, **members: Any) -> Reply:
    """A modeled (or protocol) error: `__type` is the code, the status comes from ERROR_STATUS."""
    document = {"Message": message, **members}
    shape = ERROR_SHAPES.get(code)
    if shape is not None:
        checked(document, shape, code)
    headers = {"x-amzn-ErrorType": code}
    if "RetryAfterSeconds" in members:
        # awsJson ignores HTTP bindings, so clients read the body; the Smithy model also binds
        # RetryAfterSeconds to Retry-After, which generic HTTP clients and proxies understand.
        headers["Retry-After"] = str(members["RetryAfterSeconds"])
    body = json.dumps({"__type": code, **document}, separators=(",", ":")).encode("utf-8")
    return Reply(ERROR_STATUS[code], body, code, headers)


def validation_error(
    problems: Sequence[str], reason: str = "FIELD_VALIDATION_FAILED", **members: Any
) -> Reply:
    count = len(problems)
    message = f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems)
    return error_reply("ValidationException", message, Reason=reason, **members)


def not_found(resource_id: str, resource_type: str) -> Reply:
    return error_reply(
        "ResourceNotFoundException",
        f"{resource_type.capitalize()} not found",
        ResourceId=resource_id,
        ResourceType=resource_type,
    )


# --- resource names -----------------------------------------------------------------------------

_CONTACTS_ARN: Final = re.compile(
    r"arn:(?P<partition>[a-z-]+):ssm-contacts:(?P<region>[a-z0-9-]*):(?P<account>[0-9]+):"
    r"(?P<kind>engagement|page)/(?P<contact>[\w+=,.@-]+)/(?P<id>[0-9a-f-]{36})",
    re.ASCII,
)
_INCIDENT_ARN: Final = re.compile(
    r"arn:(?P<partition>[a-z-]+):ssm-incidents::(?P<account>[0-9]+):"
    r"incident-record/(?P<plan>[\w-]+)/(?P<id>[0-9a-f-]{36})",
    re.ASCII,
)


@dataclass(frozen=True)
class ResourceName:
    """The parts of an engagement, page or incident record ARN that the endpoint acts on."""

    arn: str
    kind: str  # engagement, page or incident-record
    partition: str
    region: str  # empty for incident records, which have none
    account: str
    parent: str  # the contact alias, or the incident's response plan
    id: str


def resource_name(value: object, kind: str) -> ResourceName | None:
    """`value` as an ARN of `kind`, or None if it is none (any region, account, contact)."""
    if not isinstance(value, str):
        return None
    if kind == "incident-record":
        incident = _INCIDENT_ARN.fullmatch(value)
        if incident is None:
            return None
        return ResourceName(
            value,
            kind,
            incident["partition"],
            "",
            incident["account"],
            incident["plan"],
            incident["id"],
        )
    match = _CONTACTS_ARN.fullmatch(value)
    if match is None or match["kind"] != kind:
        return None
    return ResourceName(
        value,
        kind,
        match["partition"],
        match["region"],
        match["account"],
        match["contact"],
        match["id"],
    )
