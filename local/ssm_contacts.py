"""Local SSM Contacts endpoint: the engagement, page and receipt reads of the real service over
awsJson1.1, on botocore's own service model, from seed data, with fault switches."""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Final

from botocore.model import OperationModel

from local.ssm_faults import (
    FAULTS,
    HEALTHY_ID,
    RETRY_AFTER_SECONDS,
    SLOW_SECONDS,
    Fault,
    fan_out_id,
    fault_engagement,
)
from local.ssm_model import (
    ERROR_SHAPES,
    ERROR_STATUS,
    INPUT_SHAPES,
    JSON_CONTENT_TYPE,
    SERVED_OPERATIONS,
    SERVICE_MODEL,
    TARGET_PREFIX,
    AnswerShapeError,
    Reply,
    error_reply,
    input_problems,
    json_reply,
    resource_name,
    validation_error,
)
from local.ssm_operations import Call, serve
from local.ssm_pagination import DEFAULT_PAGE_SIZE, Paginator
from local.ssm_seed import (
    DEFAULT_ENGAGEMENTS,
    DEFAULT_PAGES,
    Engagements,
    Pages,
    SeedError,
    load_engagements,
    load_pages,
)

# The names tests, benchmarks and the local stack import from here.
__all__ = [
    "DEFAULT_ENGAGEMENTS",
    "DEFAULT_PAGES",
    "ERROR_SHAPES",
    "ERROR_STATUS",
    "FAULTS",
    "HEALTHY_ID",
    "RETRY_AFTER_SECONDS",
    "SLOW_SECONDS",
    "AnswerShapeError",
    "Fault",
    "SeedError",
    "SsmContactsServer",
    "fan_out_id",
    "fault_engagement",
    "main",
    "make_server",
]

MAX_BODY_BYTES: Final = 64 * 1024
# The region a SigV4 request is signed for, from its credential scope; the signature itself is
# not checked (local mode's Lambda signs with made-up credentials).
_CREDENTIAL_SCOPE: Final = re.compile(
    r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1,2})/ssm-contacts/aws4_request"
)

logger = logging.getLogger("local.ssm_contacts")


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
    if name not in SERVED_OPERATIONS:
        served = ", ".join(SERVED_OPERATIONS)
        message = f"{name} is not served locally: this endpoint serves {served} only"
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


def _loggable_id(value: object, kind: str) -> str:
    # Only well-formed ARNs reach the log: no free text, no forged log lines.
    name = resource_name(value, kind)
    return "-" if name is None else name.arn


def signed_region(authorization: str | None) -> str | None:
    """The region a request is signed for, or None if it is not signed for ssm-contacts."""
    match = _CREDENTIAL_SCOPE.search(authorization or "")
    return None if match is None else match["region"]


@dataclass
class Exchange:
    """What one request's log line reports: never a Subject, Content, ReceiptInfo or body."""

    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    operation: str = "-"
    engagement_id: str = "-"
    page_id: str = "-"
    incident_id: str = "-"
    region: str = "-"
    fault: str = "-"

    def log(self, reply: Reply | None) -> None:
        status = "-" if reply is None else str(reply.status)
        error = "-" if reply is None or reply.error_code is None else reply.error_code
        logger.info(
            "request_id=%s operation=%s engagement_id=%s page_id=%s incident_id=%s region=%s "
            "fault=%s status=%s error=%s",
            self.request_id,
            self.operation,
            self.engagement_id,
            self.page_id,
            self.incident_id,
            self.region,
            self.fault,
            status,
            error,
        )


class SsmContactsServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer holding the seed data, its paginator and a stop signal for slow
    answers."""

    def __init__(
        self,
        address: tuple[str, int],
        engagements: Engagements,
        pages: Pages,
        paginator: Paginator,
        delay_seconds: float = 0.0,
    ) -> None:
        super().__init__(address, SsmContactsHandler)
        self.engagements = engagements
        self.pages = pages
        self.paginator = paginator
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
            region = signed_region(self.headers.get("Authorization"))
            exchange.engagement_id = _loggable_id(params.get("EngagementId"), "engagement")
            exchange.page_id = _loggable_id(params.get("PageId"), "page")
            exchange.incident_id = _loggable_id(params.get("IncidentId"), "incident-record")
            exchange.region = region or "-"
            problems = input_problems(params, INPUT_SHAPES[operation.name])
            if problems:
                return validation_error(problems)
            handled = serve(Call(operation.name, params, region), self.server)
            exchange.fault = handled.fault
            return handled.reply
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
    pages_path: Path = DEFAULT_PAGES,
    page_size: int = DEFAULT_PAGE_SIZE,
    delay_seconds: float = 0.0,
) -> SsmContactsServer:
    """A bound, not yet serving endpoint; port 0 picks a free port (see `server_port`). Lists
    come in pages of at most `page_size` items, whatever MaxResults asks for."""
    engagements = load_engagements(engagements_path)
    pages = load_pages(pages_path, engagements)
    return SsmContactsServer((host, port), engagements, pages, Paginator(page_size), delay_seconds)


# --- command line -------------------------------------------------------------------------------


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.ssm_contacts", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--engagements", type=Path, default=DEFAULT_ENGAGEMENTS)
    parser.add_argument(
        "--pages", type=Path, default=DEFAULT_PAGES, help="pages of the engagements, with receipts"
    )
    parser.add_argument(
        "--page-size",
        type=_positive,
        default=DEFAULT_PAGE_SIZE,
        help=f"most items per list answer (default {DEFAULT_PAGE_SIZE})",
    )
    parser.add_argument("--delay-ms", type=float, default=0.0, help="before every answer")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    delay = max(0.0, arguments.delay_ms) / 1000
    server = make_server(
        arguments.host,
        arguments.port,
        arguments.engagements,
        arguments.pages,
        arguments.page_size,
        delay,
    )
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
