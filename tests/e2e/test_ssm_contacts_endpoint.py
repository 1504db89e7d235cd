"""The local SSM Contacts endpoint, driven over HTTP by real boto3 clients and raw requests."""

from __future__ import annotations

import http.client
import json
import logging
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from local.ssm_contacts import (
    DEFAULT_ENGAGEMENTS,
    FAULTS,
    AnswerShapeError,
    SsmContactsServer,
    fault_engagement,
    make_server,
)
from tests.contract import FAULT_ANSWERS

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"
EXAMPLE_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/example_escalation/"
    "69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
RUNNING_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/db_oncall/"
    "3f0d9a7e-5b2c-4e61-9c84-1a2b3c4d5e6f"
)
NO_PUBLIC_ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/security_team/"
    "b7c1e2d3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
)
WEST_ARN = (
    "arn:aws:ssm-contacts:us-west-2:111122223333:engagement/edge_oncall/"
    "e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170"
)
# The seed doc's expected output. Its StartTime prints as `datetime(2021, 5, 18, 18, 25, 41, 1,
# 138, 0)`: a time.struct_time (weekday 1, day of year 138) of 2021-05-18T18:25:41Z.
DOCUMENTED_EXAMPLE = {
    "ContactArn": "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
    "Content": "Testing engagements",
    "EngagementArn": EXAMPLE_ARN,
    "PublicContent": "Testing engagements",
    "PublicSubject": "test",
    "Sender": "tester",
    "StartTime": datetime(2021, 5, 18, 18, 25, 41, tzinfo=UTC),
    "Subject": "test",
}
# Expected by hand, not read from FAULTS, so a wrong table entry fails here.
MODELED_FAULTS = {
    "00000000-0000-4000-8000-000000000429": ("ThrottlingException", 429),
    "00000000-0000-4000-8000-000000000500": ("InternalServerException", 500),
    "00000000-0000-4000-8000-000000000403": ("AccessDeniedException", 403),
    "00000000-0000-4000-8000-000000000400": ("DataEncryptionException", 400),
    "00000000-0000-4000-8000-000000000404": ("ResourceNotFoundException", 404),
}
NOT_JSON_FAULT = "00000000-0000-4000-8000-000000000200"
TRUNCATED_FAULT = "00000000-0000-4000-8000-000000000206"
SLOW_FAULT = "00000000-0000-4000-8000-000000000504"
THROTTLING_FAULT = "00000000-0000-4000-8000-000000000429"


def fault_arn(fault_id: str, region: str = "us-east-2", account: str = ACCOUNT) -> str:
    return f"arn:aws:ssm-contacts:{region}:{account}:engagement/fault_switch/{fault_id}"


def secure_texts() -> list[str]:
    """Every secure Subject/Content the endpoint can send that differs from the public text."""
    seed = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
    texts = [r[key] for r in seed.values() for key in ("Subject", "Content")]
    fault = fault_engagement(fault_arn(TRUNCATED_FAULT))
    return [text for text in [*texts, fault["Subject"], fault["Content"]] if "SECURE-" in text]


def ssm_contacts(url: str, region: str = "us-east-2", **config: Any) -> Any:
    return boto3.client(
        "ssm-contacts",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


def client_error(url: str, engagement_id: Any, **config: Any) -> Any:
    """botocore's error response, modeled error members (ResourceId, ...) included."""
    with pytest.raises(ClientError) as raised:
        ssm_contacts(url, **config).describe_engagement(EngagementId=engagement_id)
    response: Any = raised.value.response
    return response


def post(
    url: str,
    body: bytes,
    target: str = "SSMContacts.DescribeEngagement",
    content_type: str = "application/x-amz-json-1.1",
    method: str = "POST",
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """A raw, unsigned request with the standard library, for what boto3 will not send."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        headers = {"X-Amz-Target": target, "Content-Type": content_type}
        connection.request(method, "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def describe_body(engagement_id: str) -> bytes:
    return json.dumps({"EngagementId": engagement_id}).encode()


# --- seeded engagements -------------------------------------------------------------------------


def test_example_engagement_matches_the_documented_output(ssm_contacts_url: str) -> None:
    # Given the endpoint seeded with the documented example
    # When boto3 describes the example engagement
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=EXAMPLE_ARN)
    # Then every documented field comes back as documented, the timestamp as a datetime
    assert {key: answer.get(key) for key in DOCUMENTED_EXAMPLE} == DOCUMENTED_EXAMPLE


def test_example_engagement_stopped_after_it_started(ssm_contacts_url: str) -> None:
    # Given the example engagement, which has ended
    # When boto3 describes it
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=EXAMPLE_ARN)
    # Then it carries a StopTime after its StartTime
    assert answer["StopTime"] > answer["StartTime"]


def test_running_engagement_has_no_stop_time(ssm_contacts_url: str) -> None:
    # Given an engagement still running
    # When boto3 describes it
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=RUNNING_ARN)
    # Then it has a start and no stop
    assert "StartTime" in answer
    assert "StopTime" not in answer


def test_fractional_timestamps_keep_their_milliseconds(ssm_contacts_url: str) -> None:
    # Given an engagement that started at 09:26:53.589 UTC
    # When boto3 describes it
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=RUNNING_ARN)
    # Then the epoch-seconds number on the wire parses back to the same instant
    assert answer["StartTime"] == datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)


def test_timestamps_travel_as_epoch_seconds(ssm_contacts_url: str) -> None:
    # Given the example engagement, started 2021-05-18T18:25:41Z
    # When it is described with a raw request
    status, _, body = post(ssm_contacts_url, describe_body(EXAMPLE_ARN))
    # Then its StartTime is a JSON number of epoch seconds, as awsJson requires
    assert status == 200
    assert json.loads(body)["StartTime"] == 1621362341


def test_engagement_without_public_fields_omits_them(ssm_contacts_url: str) -> None:
    # Given an engagement sent only by voice and e-mail
    # When boto3 describes it
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=NO_PUBLIC_ARN)
    # Then it has secure text and no public subject or content
    assert answer["Subject"].startswith("SECURE-")
    assert "PublicSubject" not in answer
    assert "PublicContent" not in answer


def test_engagement_in_second_region_is_served(ssm_contacts_url: str) -> None:
    # Given an engagement in us-west-2
    # When a us-west-2 client describes it
    answer = ssm_contacts(ssm_contacts_url, region="us-west-2").describe_engagement(
        EngagementId=WEST_ARN
    )
    # Then it is found, with its us-west-2 contact
    assert answer["ContactArn"] == (
        "arn:aws:ssm-contacts:us-west-2:111122223333:contact/edge_oncall"
    )


def test_unknown_well_formed_arn_is_not_found(ssm_contacts_url: str) -> None:
    # Given a well-formed engagement ARN that is not seeded
    unknown = fault_arn(str(uuid.uuid4()))
    # When boto3 describes it
    response = client_error(ssm_contacts_url, unknown)
    # Then it is a 404 ResourceNotFoundException naming the engagement
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (response["ResourceId"], response["ResourceType"]) == (unknown, "ENGAGEMENT")


@pytest.mark.parametrize("engagement_id", [EXAMPLE_ARN, fault_arn(str(uuid.uuid4()))])
def test_every_answer_carries_a_request_id(ssm_contacts_url: str, engagement_id: str) -> None:
    # Given a found and a missing engagement
    # When each is described with a raw request
    _, headers, _ = post(ssm_contacts_url, describe_body(engagement_id))
    # Then the answer names its request in x-amzn-RequestId
    assert uuid.UUID(headers["x-amzn-RequestId"])


# --- fault switches -----------------------------------------------------------------------------


def test_every_fault_switch_is_exercised_here_and_has_the_proxys_answer_written_down() -> None:
    # Given the endpoint's exported fault table
    # When it is compared with the faults these tests exercise, and with the contract's answers
    # of the proxy (which the fault matrix checks end to end)
    covered = {*MODELED_FAULTS, NOT_JSON_FAULT, TRUNCATED_FAULT, SLOW_FAULT}
    names = {fault.name for fault in FAULTS.values()}
    # Then none is untested here, and none lacks the answer a caller of the proxy gets
    assert set(FAULTS) == covered
    assert names == set(FAULT_ANSWERS)


@pytest.mark.parametrize(("fault_id", "expected"), MODELED_FAULTS.items())
def test_modeled_fault_raises_its_error_code_and_status(
    ssm_contacts_url: str, fault_id: str, expected: tuple[str, int]
) -> None:
    # Given a fault switch answering a modeled error
    # When boto3 describes its engagement
    response = client_error(ssm_contacts_url, fault_arn(fault_id))
    # Then botocore raises that error code with its HTTP status
    observed = (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"])
    assert observed == expected


@pytest.mark.parametrize(
    "fault_id", sorted(set(FAULTS) - {SLOW_FAULT}), ids=lambda key: FAULTS[key].name
)
def test_fault_table_documents_the_status_clients_see(ssm_contacts_url: str, fault_id: str) -> None:
    # Given a fault switch (the slow one answers only after 30 s)
    parts = urlsplit(ssm_contacts_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    # When its engagement is requested and the status line read
    headers = {"X-Amz-Target": "SSMContacts.DescribeEngagement"}
    headers["Content-Type"] = "application/x-amz-json-1.1"
    connection.request("POST", "/", body=describe_body(fault_arn(fault_id)), headers=headers)
    status = connection.getresponse().status
    connection.close()
    # Then it is the status FAULTS documents
    assert status == FAULTS[fault_id].status


@pytest.mark.parametrize(
    "engagement_id",
    [
        fault_arn(THROTTLING_FAULT, region="us-west-2"),
        fault_arn(THROTTLING_FAULT, account="444455556666"),
        fault_arn(THROTTLING_FAULT).replace("fault_switch", "any_contact"),
    ],
    ids=["other-region", "other-account", "other-contact"],
)
def test_fault_switch_fires_in_any_region_account_and_contact(
    ssm_contacts_url: str, engagement_id: str
) -> None:
    # Given the throttling id under another region, account or contact alias
    # When boto3 describes it
    response = client_error(ssm_contacts_url, engagement_id)
    # Then it still throttles
    assert response["Error"]["Code"] == "ThrottlingException"


def test_throttling_says_when_to_retry_in_header_and_body(ssm_contacts_url: str) -> None:
    # Given the throttling fault switch
    # When boto3 describes its engagement
    response = client_error(ssm_contacts_url, fault_arn(THROTTLING_FAULT))
    # Then the Retry-After header and the modeled RetryAfterSeconds agree
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "2"
    assert response["RetryAfterSeconds"] == 2


def test_not_json_body_parses_to_an_empty_result(ssm_contacts_url: str) -> None:
    # Given the fault switch answering 200 with an HTML body
    # When boto3 describes its engagement
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(
        EngagementId=fault_arn(NOT_JSON_FAULT)
    )
    # Then botocore raises nothing: it reads the body as {"message": <text>}, which has no
    # output member, and returns only ResponseMetadata (required members missing and all)
    assert set(answer) == {"ResponseMetadata"}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_truncated_body_parses_to_an_empty_result(ssm_contacts_url: str) -> None:
    # Given the fault switch cutting its JSON engagement off halfway
    # When boto3 describes its engagement
    answer = ssm_contacts(ssm_contacts_url).describe_engagement(
        EngagementId=fault_arn(TRUNCATED_FAULT)
    )
    # Then botocore raises nothing: it does not enforce Content-Length, fails to parse the
    # half document, and returns only ResponseMetadata, without the fields that did arrive
    assert set(answer) == {"ResponseMetadata"}


def test_slow_answer_trips_a_short_read_timeout(ssm_contacts_url: str) -> None:
    # Given a client that waits at most 0.3 s for an answer
    client = ssm_contacts(ssm_contacts_url, read_timeout=0.3, connect_timeout=2)
    # When it describes the slow fault's engagement
    # Then botocore gives up with a read timeout
    with pytest.raises(ReadTimeoutError):
        client.describe_engagement(EngagementId=fault_arn(SLOW_FAULT))


class ObservedEvent(threading.Event):
    """A stop signal that also says when a slow answer has started waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited_on = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waited_on.set()
        return super().wait(timeout)


def test_slow_answer_ends_when_the_server_shuts_down(
    ssm_contacts_server: SsmContactsServer, ssm_contacts_url: str
) -> None:
    # Given a patient client whose slow request is being held by the endpoint
    stopping = ssm_contacts_server.stopping = ObservedEvent()
    client = ssm_contacts(ssm_contacts_url, read_timeout=60)
    with ThreadPoolExecutor(max_workers=1) as pool:
        call = pool.submit(client.describe_engagement, EngagementId=fault_arn(SLOW_FAULT))
        assert stopping.waited_on.wait(timeout=5)
        # When the server shuts down
        ssm_contacts_server.shutdown()
        # Then the held request ends at once, closed without an answer
        assert isinstance(call.exception(timeout=5), ConnectionClosedError)


# --- invalid requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "engagement_id",
    ["not-an-arn", fault_arn(THROTTLING_FAULT) + "x" * 2048],
    ids=["breaks-pattern", "longer-than-max"],
)
def test_engagement_id_breaking_the_model_is_rejected(
    ssm_contacts_url: str, engagement_id: str
) -> None:
    # Given an EngagementId botocore lets through but the model forbids (pattern, max length)
    # When boto3 describes it
    response = client_error(ssm_contacts_url, engagement_id)
    # Then the endpoint answers 400 ValidationException, even for a fault id
    assert response["Error"]["Code"] == "ValidationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_wrong_type_engagement_id_is_rejected(ssm_contacts_url: str) -> None:
    # Given a client with botocore's own parameter validation off
    # When it sends a number as EngagementId
    response = client_error(ssm_contacts_url, 42, parameter_validation=False)
    # Then the endpoint's check of the input shape rejects it
    assert response["Error"]["Code"] == "ValidationException"
    assert "EngagementId" in response["Error"]["Message"]


def test_missing_engagement_id_is_rejected(ssm_contacts_url: str) -> None:
    # Given a request body without the required EngagementId
    # When it is posted
    status, _, body = post(ssm_contacts_url, b"{}")
    # Then the endpoint answers ValidationException naming the missing member
    assert status == 400
    assert json.loads(body)["__type"] == "ValidationException"
    assert "EngagementId" in json.loads(body)["Message"]


def test_body_that_is_not_json_cannot_be_parsed(ssm_contacts_url: str) -> None:
    # Given a request body that is not JSON
    # When it is posted
    status, _, body = post(ssm_contacts_url, b"EngagementId=x")
    # Then the endpoint answers ValidationException with reason CANNOT_PARSE
    assert status == 400
    assert json.loads(body)["Reason"] == "CANNOT_PARSE"


def test_wrong_content_type_cannot_be_parsed(ssm_contacts_url: str) -> None:
    # Given a request that is not application/x-amz-json-1.1
    # When it is posted
    status, _, body = post(ssm_contacts_url, describe_body(EXAMPLE_ARN), content_type="text/plain")
    # Then the endpoint refuses to read it
    assert status == 400
    assert json.loads(body)["Reason"] == "CANNOT_PARSE"


def test_unknown_operation_is_answered_as_such(ssm_contacts_url: str) -> None:
    # Given a target that is no SSM Contacts operation
    # When it is posted
    status, headers, body = post(ssm_contacts_url, b"{}", target="SSMContacts.LaunchRockets")
    # Then the endpoint answers 400 UnknownOperationException with a request id
    assert (status, json.loads(body)["__type"]) == (400, "UnknownOperationException")
    assert headers["x-amzn-RequestId"]


def test_other_operations_say_they_are_not_served(ssm_contacts_url: str) -> None:
    # Given a real SSM Contacts operation the local endpoint does not implement
    # When boto3 calls it
    with pytest.raises(ClientError) as raised:
        ssm_contacts(ssm_contacts_url).list_contacts()
    # Then the error says only DescribeEngagement is served
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "DescribeEngagement only" in raised.value.response["Error"]["Message"]


def test_other_methods_get_a_json_error_with_a_request_id(ssm_contacts_url: str) -> None:
    # Given a GET, which the awsJson protocol never uses
    # When it is sent
    status, headers, body = post(ssm_contacts_url, b"", method="GET")
    # Then the answer is a JSON error, not http.server's HTML page, and names its request
    assert (status, json.loads(body)["__type"]) == (501, "UnknownOperationException")
    assert headers["x-amzn-RequestId"]


# --- seed data ----------------------------------------------------------------------------------


def test_seed_record_breaking_the_output_shape_stops_startup(tmp_path: Path) -> None:
    # Given a seed file whose running engagement lost its required Content
    seed = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
    del seed[RUNNING_ARN]["Content"]
    broken = tmp_path / "engagements.json"
    broken.write_text(json.dumps(seed), encoding="utf-8")
    # When the endpoint is made from it
    with pytest.raises(AnswerShapeError) as raised:
        make_server(engagements_path=broken)
    # Then the error names the record and member, and quotes no secure text
    assert RUNNING_ARN in str(raised.value)
    assert "Content" in str(raised.value)
    assert "SECURE-" not in str(raised.value)


def serve_bad_answer(server: SsmContactsServer) -> str:
    """Swap in an engagement whose secure Subject is longer than the model allows."""
    engagement = dict(fault_engagement(RUNNING_ARN), Subject="SECURE-TOO-LONG " + "x" * 2048)
    server.engagements = {RUNNING_ARN: engagement}
    return str(engagement["Subject"])


def test_answer_breaking_the_output_shape_is_not_sent(
    ssm_contacts_server: SsmContactsServer, ssm_contacts_url: str
) -> None:
    # Given an engagement that slipped past the seed check and breaks the output shape
    serve_bad_answer(ssm_contacts_server)
    # When boto3 describes it
    response = client_error(ssm_contacts_url, RUNNING_ARN)
    # Then the endpoint answers 500 InternalServerException instead of the bad answer
    assert response["Error"]["Code"] == "InternalServerException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_failed_output_check_logs_the_member_not_its_value(
    ssm_contacts_server: SsmContactsServer,
    ssm_contacts_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given an answer that breaks the output shape in its secure Subject
    caplog.set_level(logging.INFO, logger="local.ssm_contacts")
    subject = serve_bad_answer(ssm_contacts_server)
    # When boto3 describes it
    client_error(ssm_contacts_url, RUNNING_ARN)
    # Then the log names the member, traceback included, but never quotes the text
    assert "DescribeEngagementResult in members ['Subject']" in caplog.text
    assert subject[:40] not in caplog.text


# --- logs ---------------------------------------------------------------------------------------


def drive_every_engagement_and_fault(url: str) -> int:
    """Describe every seeded engagement and every fault but the slow one; count the requests."""
    client = ssm_contacts(url)
    engagement_ids = [EXAMPLE_ARN, RUNNING_ARN, NO_PUBLIC_ARN, WEST_ARN]
    engagement_ids += [fault_arn(key) for key in FAULTS if key != SLOW_FAULT]
    for engagement_id in engagement_ids:
        try:
            client.describe_engagement(EngagementId=engagement_id)
        except ClientError:
            pass  # the faults' errors are expected; only the log lines matter here
    return len(engagement_ids)


def test_endpoint_logs_one_line_per_request(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the endpoint's logger captured
    caplog.set_level(logging.INFO, logger="local.ssm_contacts")
    # When every engagement and fault is requested
    requests = drive_every_engagement_and_fault(ssm_contacts_url)
    # Then there is exactly one line per request
    assert len(caplog.records) == requests


def test_log_line_names_operation_engagement_and_status(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the endpoint's logger captured
    caplog.set_level(logging.INFO, logger="local.ssm_contacts")
    # When the example engagement is described
    ssm_contacts(ssm_contacts_url).describe_engagement(EngagementId=EXAMPLE_ARN)
    # Then its line says which operation, which engagement and how it ended
    (line,) = caplog.messages
    assert f"operation=DescribeEngagement engagement_id={EXAMPLE_ARN}" in line
    assert "status=200" in line


def test_logs_never_hold_secure_text(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the endpoint's logger captured, and the secure texts it holds
    caplog.set_level(logging.DEBUG, logger="local.ssm_contacts")
    secrets = secure_texts()
    assert len(secrets) == 8
    # When every engagement and fault is requested
    drive_every_engagement_and_fault(ssm_contacts_url)
    # Then no secure Subject or Content appears in any log line
    assert not [secret for secret in secrets if secret in caplog.text]


# --- command line -------------------------------------------------------------------------------

LISTENING = re.compile(r"ssm-contacts endpoint listening on (http://127\.0\.0\.1:\d+)\n")


@pytest.fixture
def endpoint_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m local.ssm_contacts --port 0` from the repository root, and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "local.ssm_contacts", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        listening = LISTENING.fullmatch(process.stdout.readline())
        assert listening, "the endpoint did not print its listening line"
        yield process, listening[1]
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_cli_serves_at_the_url_it_prints(
    endpoint_process: tuple[subprocess.Popen[str], str],
) -> None:
    # Given the endpoint started from the command line on a free port
    _, url = endpoint_process
    # When boto3 uses the printed URL
    answer = ssm_contacts(url).describe_engagement(EngagementId=EXAMPLE_ARN)
    # Then the example engagement is served there
    assert answer["EngagementArn"] == EXAMPLE_ARN


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_cli_stops_cleanly_on_signal(
    endpoint_process: tuple[subprocess.Popen[str], str], stop_signal: signal.Signals
) -> None:
    # Given the endpoint running from the command line
    process, _ = endpoint_process
    # When it gets SIGTERM or Ctrl-C's SIGINT
    process.send_signal(stop_signal)
    _, stderr = process.communicate(timeout=10)
    # Then it exits 0 without a traceback
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_cli_stderr_logs_requests_without_secure_text(
    endpoint_process: tuple[subprocess.Popen[str], str],
) -> None:
    # Given the endpoint running from the command line
    process, url = endpoint_process
    # When every engagement and fault is requested and the endpoint stopped
    requests = drive_every_engagement_and_fault(url)
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    # Then stderr has a line per request and none of the secure text
    assert stderr.count("operation=DescribeEngagement") == requests
    assert not [secret for secret in secure_texts() if secret in stderr]
