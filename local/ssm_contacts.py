"""Local SSM Contacts endpoint: DescribeEngagement over awsJson1.1, seeded data, fault switches."""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import Any, Final

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

DEFAULT_ENGAGEMENTS: Final = Path(__file__).with_name("engagements.json")
JSON_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
SERVED_OPERATION: Final = "DescribeEngagement"
RETRY_AFTER_SECONDS: Final = 2
SLOW_SECONDS: Final = 30.0
MAX_BODY_BYTES: Final = 64 * 1024

SERVICE_MODEL: Final = botocore.session.get_session().get_service_model("ssm-contacts")
TARGET_PREFIX: Final[str] = SERVICE_MODEL.metadata["targetPrefix"]
_OPERATION: Final = SERVICE_MODEL.operation_model(SERVED_OPERATION)

# botocore's JSON model leaves out the errors' HTTP statuses (awsJson clients parse errors from
# `__type` alone), so they come from the service's Smithy model (`@httpError` on each error).
# UnknownOperationException is protocol-level: unmodeled, answered 400 like AWS JSON services do.
ERROR_STATUS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "AccessDeniedException": 403,
        "DataEncryptionException": 400,
        "InternalServerException": 500,
        "ResourceNotFoundException": 404,
        "ThrottlingException": 429,
        "ValidationException": 400,
        "UnknownOperationException": 400,
    }
)

logger = logging.getLogger("local.ssm_contacts")


def _structure(shape: StructureShape | None) -> StructureShape:
    if shape is None:
        raise LookupError(f"{SERVED_OPERATION} has no structure shape in the ssm-contacts model")
    return shape


INPUT_SHAPE: Final = _structure(_OPERATION.input_shape)
OUTPUT_SHAPE: Final = _structure(_OPERATION.output_shape)
ERROR_SHAPES: Final[Mapping[str, StructureShape]] = MappingProxyType(
    {shape.name: shape for shape in _OPERATION.error_shapes if isinstance(shape, StructureShape)}
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
    """The `max` and `pattern` breaches botocore's ParamValidator leaves unchecked."""
    problems: list[str] = []
    limit = shape.metadata.get("max")
    if isinstance(value, str | list | dict) and limit is not None and len(value) > limit:
        problems.append(f"{name}: length must be at most {limit}")
    expression = shape.metadata.get("pattern")
    # Smithy patterns are not implicitly anchored: a match anywhere satisfies them.
    if isinstance(value, str) and expression and _pattern(expression).search(value) is None:
        problems.append(f"{name}: must match the pattern {expression}")
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


def _from_file(record: Mapping[str, Any], shape: StructureShape) -> dict[str, Any]:
    """A seed record with its RFC 3339 timestamp strings parsed to aware datetimes."""
    parsed: dict[str, Any] = {}
    for key, value in record.items():
        member = shape.members.get(key)
        is_time = member is not None and member.type_name == "timestamp"
        parsed[key] = _aware(datetime.fromisoformat(value)) if is_time else value
    return parsed


def _aware(moment: datetime) -> datetime:
    # A naive time would be read in the machine's zone: the file must say which instant it means.
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no UTC offset")
    return moment


Engagements = Mapping[str, Mapping[str, Any]]


def load_engagements(path: Path) -> Engagements:
    """Seed engagements keyed by ARN, each checked against the output shape up front."""
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    engagements: dict[str, Mapping[str, Any]] = {}
    for arn, record in raw.items():
        if input_problems({"EngagementId": arn}, INPUT_SHAPE):
            raise ValueError(f"{path}: key {arn!r} is not a valid EngagementId")
        engagement = checked(_from_file(record, OUTPUT_SHAPE), OUTPUT_SHAPE, f"{path}: {arn}")
        if engagement.get("EngagementArn") != arn:
            raise ValueError(f"{path}: {arn} holds a different EngagementArn")
        engagements[arn] = MappingProxyType(engagement)
    return MappingProxyType(engagements)


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


def validation_error(problems: Sequence[str], reason: str = "FIELD_VALIDATION_FAILED") -> Reply:
    count = len(problems)
    message = f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems)
    return error_reply("ValidationException", message, Reason=reason)


def not_found(arn: str) -> Reply:
    return error_reply(
        "ResourceNotFoundException",
        "Engagement not found",
        ResourceId=arn,
        ResourceType="ENGAGEMENT",
    )


def engagement_reply(engagement: Mapping[str, Any], where: str) -> Reply:
    return json_reply(200, to_wire(checked(engagement, OUTPUT_SHAPE, where), OUTPUT_SHAPE))


# --- fault switches -----------------------------------------------------------------------------

Answer = Callable[[str, threading.Event], Reply | None]


@dataclass(frozen=True)
class Fault:
    """How the endpoint misbehaves for one reserved engagement id."""

    name: str
    description: str
    status: int  # what the client sees (the slow answer: none if the server stops first)
    answer: Answer


def fault_engagement(arn: str) -> dict[str, Any]:
    """A well-formed engagement for a fault ARN, for the faults that answer 200."""
    prefix, _, resource = arn.partition(":engagement/")
    alias = resource.split("/", 1)[0]
    return {
        "ContactArn": f"{prefix}:contact/{alias}",
        "EngagementArn": arn,
        "Sender": "local-fault-switch",
        "Subject": "SECURE-FAULT-SUBJECT bridge 555-0199",
        "Content": "SECURE-FAULT-CONTENT customer Example Corp, passcode 7788",
        "PublicSubject": "PUBLIC-FAULT-SUBJECT",
        "PublicContent": "PUBLIC-FAULT-CONTENT",
        "StartTime": datetime(2024, 1, 1, tzinfo=UTC),
    }


def _modeled(code: str, message: str, description: str, **members: Any) -> Fault:
    def answer(arn: str, stopping: threading.Event) -> Reply:
        return error_reply(code, message, **members)

    return Fault(code, description, ERROR_STATUS[code], answer)


def _not_found_fault(arn: str, stopping: threading.Event) -> Reply:
    return not_found(arn)


def _not_json(arn: str, stopping: threading.Event) -> Reply:
    return Reply(200, b"<html><body>502 Bad Gateway</body></html>")


def _truncated_json(arn: str, stopping: threading.Event) -> Reply:
    whole = engagement_reply(fault_engagement(arn), "truncated fault").body
    return Reply(200, whole[: len(whole) // 2], declared_length=len(whole))


def _slow(arn: str, stopping: threading.Event) -> Reply | None:
    # An Event wait, not a sleep: server shutdown must not wait out the delay.
    if stopping.wait(SLOW_SECONDS):
        return None
    return engagement_reply(fault_engagement(arn), "slow fault")


def _fault_id(suffix: str) -> str:
    return f"00000000-0000-4000-8000-000000000{suffix}"


FAULTS: Final[Mapping[str, Fault]] = MappingProxyType(
    {
        _fault_id("429"): _modeled(
            "ThrottlingException",
            "Rate exceeded",
            f"ThrottlingException, Retry-After: {RETRY_AFTER_SECONDS} header and RetryAfterSeconds",
            RetryAfterSeconds=RETRY_AFTER_SECONDS,
        ),
        _fault_id("500"): _modeled(
            "InternalServerException",
            "Unexpected error occurred while processing the request.",
            "InternalServerException",
        ),
        _fault_id("403"): _modeled(
            "AccessDeniedException",
            "You don't have sufficient access to perform this operation.",
            "AccessDeniedException",
        ),
        _fault_id("400"): _modeled(
            "DataEncryptionException",
            "The operation failed due to an encryption key error.",
            "DataEncryptionException",
        ),
        _fault_id("404"): Fault(
            "ResourceNotFoundException",
            "ResourceNotFoundException naming the engagement (ResourceType ENGAGEMENT)",
            ERROR_STATUS["ResourceNotFoundException"],
            _not_found_fault,
        ),
        _fault_id("200"): Fault(
            "not-json", "200 with an HTML body that is not JSON", 200, _not_json
        ),
        _fault_id("206"): Fault(
            "truncated-json",
            "200 whose JSON engagement is cut off halfway (Content-Length promises all of it)",
            200,
            _truncated_json,
        ),
        _fault_id("504"): Fault(
            "slow",
            f"answers a 200 engagement after {SLOW_SECONDS:.0f} s (none if the server stops first)",
            200,
            _slow,
        ),
    }
)

_ENGAGEMENT_ARN: Final = re.compile(
    r"arn:[a-z-]+:ssm-contacts:[a-z0-9-]*:[0-9]+:engagement/[\w+=,.@-]+/(?P<id>[0-9a-f-]{36})"
)


def fault_for(arn: str) -> Fault | None:
    """The fault switched on by an engagement ARN's id, in any account, region or contact."""
    match = _ENGAGEMENT_ARN.fullmatch(arn)
    return FAULTS.get(match["id"]) if match else None


def describe_engagement(
    arn: str, engagements: Engagements, stopping: threading.Event
) -> Reply | None:
    fault = fault_for(arn)
    if fault is not None:
        return fault.answer(arn, stopping)
    engagement = engagements.get(arn)
    return not_found(arn) if engagement is None else engagement_reply(engagement, arn)


# --- HTTP ---------------------------------------------------------------------------------------


class Rejected(Exception):
    """A request answered with an error before it reaches the operation."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.error_code)
        self.reply = reply


def operation_for(target: str | None) -> OperationModel:
    prefix, _, name = (target or "").partition(".")
    if prefix != TARGET_PREFIX or name not in SERVICE_MODEL.operation_names:
        raise Rejected(error_reply("UnknownOperationException", f"Unknown operation {target!r}"))
    if name != SERVED_OPERATION:
        message = f"{name} is not served locally: this endpoint serves {SERVED_OPERATION} only"
        raise Rejected(error_reply("UnknownOperationException", message))
    return SERVICE_MODEL.operation_model(name)


def decode_params(content_type: str | None, body: bytes) -> dict[str, Any]:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_CONTENT_TYPE:
        raise Rejected(
            validation_error([f"Content-Type must be {JSON_CONTENT_TYPE}"], "CANNOT_PARSE")
        )
    try:
        params = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Rejected(validation_error(["body is not JSON"], "CANNOT_PARSE")) from None
    if not isinstance(params, dict):
        raise Rejected(validation_error(["body is not a JSON object"], "CANNOT_PARSE"))
    return params


def _loggable_id(value: object) -> str:
    # Only well-formed engagement ARNs reach the log: no free text, no forged log lines.
    if isinstance(value, str) and _ENGAGEMENT_ARN.fullmatch(value):
        return value
    return "-"


@dataclass
class Exchange:
    """What one request's log line reports: never a Subject, Content or request body."""

    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    operation: str = "-"
    engagement_id: str = "-"
    fault: str = "-"

    def log(self, reply: Reply | None) -> None:
        status = "-" if reply is None else str(reply.status)
        error = "-" if reply is None or reply.error_code is None else reply.error_code
        logger.info(
            "request_id=%s operation=%s engagement_id=%s fault=%s status=%s error=%s",
            self.request_id,
            self.operation,
            self.engagement_id,
            self.fault,
            status,
            error,
        )


class SsmContactsServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer holding the seed engagements and a stop signal for slow answers."""

    def __init__(
        self, address: tuple[str, int], engagements: Engagements, delay_seconds: float = 0.0
    ) -> None:
        super().__init__(address, SsmContactsHandler)
        self.engagements = engagements
        self.stopping = threading.Event()
        self.delay_seconds = delay_seconds  # before every answer, as a network and service add

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()

    def server_close(self) -> None:
        self.stopping.set()
        super().server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its read timeout) is not a server failure: one line, no trace.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            logger.info("client %s went away: %s", client_address, type(error).__name__)
        else:
            logger.exception("unexpected error serving %s", client_address)


class SsmContactsHandler(BaseHTTPRequestHandler):
    server: SsmContactsServer
    server_version = "local-ssm-contacts"
    timeout = 10  # a client stalling mid-request must not pin a thread forever

    def do_POST(self) -> None:
        exchange = Exchange()
        reply = self._reply(exchange)
        exchange.log(reply)  # before sending, so a client that has its answer can read the log
        self.server.stopping.wait(self.server.delay_seconds)
        if reply is not None:
            self._send(reply, exchange.request_id)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Other methods (501) and malformed HTTP never reach do_POST: answer them in the
        # service's JSON style too, request id included, instead of http.server's HTML page.
        exchange = Exchange()
        error_code = "UnknownOperationException" if code == 501 else "ValidationException"
        document = {"__type": error_code, "Message": message or HTTPStatus(code).phrase}
        reply = json_reply(code, document, error_code)
        exchange.log(reply)
        self.close_connection = True
        self._send(reply, exchange.request_id)

    def _reply(self, exchange: Exchange) -> Reply | None:
        try:
            operation = operation_for(self.headers.get("X-Amz-Target"))
            exchange.operation = operation.name
            params = decode_params(self.headers.get("Content-Type"), self._read_body())
            exchange.engagement_id = _loggable_id(params.get("EngagementId"))
            problems = input_problems(params, INPUT_SHAPE)
            if problems:
                return validation_error(problems)
            arn = params["EngagementId"]
            fault = fault_for(arn)
            exchange.fault = "-" if fault is None else fault.name
            return describe_engagement(arn, self.server.engagements, self.server.stopping)
        except Rejected as rejected:
            return rejected.reply
        except Exception:
            # Our bug (an AnswerShapeError names members only): a 500 the client can see, as
            # AWS would answer, rather than a dropped connection; the traceback goes to the log.
            logger.exception("request_id=%s failed", exchange.request_id)
            return error_reply("InternalServerException", "The local endpoint failed.")

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            problem = f"Content-Length must be 0..{MAX_BODY_BYTES}"
            raise Rejected(validation_error([problem], "CANNOT_PARSE"))
        return self.rfile.read(length)

    def _send(self, reply: Reply, request_id: str) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
        self.send_header("x-amzn-RequestId", request_id)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: Exchange.log writes the one line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("http: " + format, *args)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    engagements_path: Path = DEFAULT_ENGAGEMENTS,
    delay_seconds: float = 0.0,
) -> SsmContactsServer:
    """A bound, not yet serving endpoint; port 0 picks a free port (see `server_port`)."""
    return SsmContactsServer((host, port), load_engagements(engagements_path), delay_seconds)


# --- command line -------------------------------------------------------------------------------


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.ssm_contacts", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--engagements", type=Path, default=DEFAULT_ENGAGEMENTS)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="before every answer")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    delay = max(0.0, arguments.delay_ms) / 1000
    server = make_server(arguments.host, arguments.port, arguments.engagements, delay)
    signal.signal(signal.SIGTERM, _stop)
    try:  # from the ready line on: a stop signal may arrive as soon as a caller has read it
        print(f"ssm-contacts endpoint listening on http://{arguments.host}:{server.server_port}")
        sys.stdout.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("ssm-contacts endpoint stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
