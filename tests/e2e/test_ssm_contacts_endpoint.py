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
from contextlib import contextmanager
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
    DEFAULT_PAGES,
    FAULTS,
    HEALTHY_ID,
    AnswerShapeError,
    SeedError,
    SsmContactsServer,
    fan_out_id,
    fault_engagement,
    make_server,
)
from testing_support.contract import FAULT_ANSWERS, PAGE_STATUSES, expected_status
from testing_support.secure_text import secure_receipt_infos

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
MODELED_404 = "00000000-0000-4000-8000-000000000404"
MODELED_500 = "00000000-0000-4000-8000-000000000500"


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
    # Then the error names the operations that are served
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert raised.value.response["Error"]["Message"] == (
        "ListContacts is not served locally: this endpoint serves DescribeEngagement, "
        "ListEngagements, ListPagesByEngagement, ListPageReceipts only"
    )


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


def test_engagement_seed_with_a_reserved_id_stops_startup(tmp_path: Path) -> None:
    # Given an engagements seed holding an engagement whose id switches a fault on
    seed = json.loads(DEFAULT_ENGAGEMENTS.read_text(encoding="utf-8"))
    reserved = fault_arn(THROTTLING_FAULT)
    seed[reserved] = dict(seed[EXAMPLE_ARN], EngagementArn=reserved)
    path = tmp_path / "engagements.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    # When the endpoint is made from it
    with pytest.raises(SeedError) as raised:
        make_server(engagements_path=path)
    # Then startup fails: the fault would hide it
    assert f"{reserved} uses an id reserved for fault switches" in str(raised.value)


def broken_pages(tmp_path: Path, change: Any) -> Path:
    """A copy of the pages seed with `change` applied to its read page's record."""
    seed = json.loads(DEFAULT_PAGES.read_text(encoding="utf-8"))
    change(seed)
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    return path


def _unknown_engagement(seed: dict[str, Any]) -> None:
    seed[READ_PAGE]["Page"]["EngagementArn"] = fault_arn(str(uuid.uuid4()))


def _other_incident(seed: dict[str, Any]) -> None:
    seed[READ_PAGE]["Page"]["IncidentId"] = FAULT_INCIDENT_PREFIX + str(uuid.uuid4())


def _reserved_id(seed: dict[str, Any]) -> None:
    arn = page_arn(THROTTLING_FAULT, contact="akua_mansa")
    seed[arn] = dict(seed.pop(READ_PAGE))
    seed[arn]["Page"] = dict(seed[arn]["Page"], PageArn=arn)


def _other_region(seed: dict[str, Any]) -> None:
    arn = READ_PAGE.replace("us-east-2", "us-west-2")
    seed[arn] = seed.pop(READ_PAGE)
    seed[arn]["Page"]["PageArn"] = arn


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (_unknown_engagement, "its EngagementArn names no seeded engagement"),
        (_other_incident, "its IncidentId is not its engagement's"),
        (_reserved_id, "uses an id reserved for fault switches"),
        (_other_region, "is not in its engagement's region and account"),
        (lambda seed: seed[READ_PAGE].pop("Receipts"), "must be an object with exactly"),
    ],
    ids=["unknown engagement", "other incident", "reserved id", "other region", "no receipts"],
)
def test_page_seed_contradicting_the_engagements_stops_startup(
    tmp_path: Path, change: Any, complaint: str
) -> None:
    # Given a pages seed whose record contradicts the engagements or the fault switches
    path = broken_pages(tmp_path, change)
    # When the endpoint is made from it
    with pytest.raises(SeedError) as raised:
        make_server(pages_path=path)
    # Then startup fails saying what is wrong
    assert complaint in str(raised.value)


def test_receipt_breaking_the_output_shape_stops_startup_without_quoting_it(
    tmp_path: Path,
) -> None:
    # Given a seeded receipt of an unknown type whose secure info is over the model's length
    def change(seed: dict[str, Any]) -> None:
        receipt = seed[READ_PAGE]["Receipts"][2]
        receipt.update(ReceiptType="ACKNOWLEDGED", ReceiptInfo="SECURE-RECEIPT " + "x" * 2048)

    path = broken_pages(tmp_path, change)
    # When the endpoint is made from it
    with pytest.raises(AnswerShapeError) as raised:
        make_server(pages_path=path)
    # Then the error names the receipt and its members, and quotes no secure text
    assert f"{READ_PAGE}: Receipts[2]" in str(raised.value)
    assert "['ReceiptInfo', 'ReceiptType']" in str(raised.value)
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


# --- lists: engagements, pages and receipts ------------------------------------------------------

CHECKOUT_INCIDENT = (
    "arn:aws:ssm-incidents::111122223333:incident-record/checkout/"
    "6cc8b2a4-1f0e-4c55-9d1a-3b7e2f9c8d10"
)
CHECKOUT_EAST = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/checkout_escalation/"
    "5b1f0c3e-7a2d-4e8f-9c61-2d4b8a7e3f90"
)
CHECKOUT_WEST = (
    "arn:aws:ssm-contacts:us-west-2:111122223333:engagement/payments_oncall/"
    "8e2a6d14-3c5b-4f70-a1d9-6b0e4c2f7a35"
)
READ_PAGE = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:page/akua_mansa/"
    "c1d2e3f4-a5b6-4c7d-8e9f-a0b1c2d3e4f5"
)
PAGES_SEED: dict[str, Any] = json.loads(DEFAULT_PAGES.read_text(encoding="utf-8"))


def seeded_pages_of(engagement_arn: str) -> list[str]:
    """The page ARNs of an engagement, in the seed file's order."""
    return [
        arn
        for arn, record in PAGES_SEED.items()
        if record["Page"]["EngagementArn"] == engagement_arn
    ]


def every_item(client: Any, operation: str, key: str, **params: Any) -> tuple[list[Any], list[int]]:
    """All items botocore's own paginator gathers, and how many came in each upstream page."""
    items: list[Any] = []
    sizes: list[int] = []
    for page in client.get_paginator(operation).paginate(**params):
        items += page[key]
        sizes.append(len(page[key]))
    return items, sizes


def list_error(call: Any, **params: Any) -> Any:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response: Any = raised.value.response
    return response


def test_pages_of_an_engagement_come_in_several_upstream_pages(ssm_contacts_url: str) -> None:
    # Given the checkout engagement, which paged seven contacts, and the endpoint's page size 3
    client = ssm_contacts(ssm_contacts_url)
    # When botocore's paginator lists its pages
    pages, sizes = every_item(
        client, "list_pages_by_engagement", "Pages", EngagementId=CHECKOUT_EAST
    )
    # Then all seven arrive, over three upstream pages, in the seed's order
    assert sizes == [3, 3, 1]
    assert [page["PageArn"] for page in pages] == seeded_pages_of(CHECKOUT_EAST)
    assert {page["EngagementArn"] for page in pages} == {CHECKOUT_EAST}


def test_max_results_makes_the_upstream_pages_smaller(ssm_contacts_url: str) -> None:
    # Given a paginator asking for two pages per call
    client = ssm_contacts(ssm_contacts_url)
    # When it lists the checkout engagement's pages
    pages, sizes = every_item(
        client,
        "list_pages_by_engagement",
        "Pages",
        EngagementId=CHECKOUT_EAST,
        PaginationConfig={"PageSize": 2},
    )
    # Then they come two by two, and none is lost or repeated
    assert sizes == [2, 2, 2, 1]
    assert len({page["PageArn"] for page in pages}) == 7


def test_max_results_above_the_page_size_still_gets_at_most_a_page(ssm_contacts_url: str) -> None:
    # Given a client asking for 100 pages at once (SSM Contacts may always send fewer)
    client = ssm_contacts(ssm_contacts_url)
    # When it lists the checkout engagement's pages
    answer = client.list_pages_by_engagement(EngagementId=CHECKOUT_EAST, MaxResults=100)
    # Then it gets the endpoint's page size, and a token for the rest
    assert len(answer["Pages"]) == 3
    assert answer["NextToken"]


def test_seeded_pages_are_in_every_status(ssm_contacts_url: str) -> None:
    # Given the checkout incident's pages in both regions, with their receipts
    statuses = []
    for region, engagement in (("us-east-2", CHECKOUT_EAST), ("us-west-2", CHECKOUT_WEST)):
        client = ssm_contacts(ssm_contacts_url, region=region)
        pages, _ = every_item(client, "list_pages_by_engagement", "Pages", EngagementId=engagement)
        for page in pages:
            # When each page's receipts are listed and the status rule applied
            receipts, _ = every_item(
                client, "list_page_receipts", "Receipts", PageId=page["PageArn"]
            )
            kinds = {receipt["ReceiptType"] for receipt in receipts}
            read, delivered, sent = ("ReadTime" in page, "DeliveryTime" in page, "SentTime" in page)
            statuses.append(expected_status(read, delivered, sent, kinds))
    # Then every status of the rule is there, and one page is read by its receipt alone
    assert set(statuses) == set(PAGE_STATUSES)
    by_receipt = [
        record
        for record in PAGES_SEED.values()
        if "ReadTime" not in record["Page"]
        and "READ" in {receipt["ReceiptType"] for receipt in record["Receipts"]}
    ]
    assert len(by_receipt) == 1


def test_receipts_carry_recognisable_secure_info(ssm_contacts_url: str) -> None:
    # Given a page the contact read, acknowledging with a code
    client = ssm_contacts(ssm_contacts_url)
    # When its receipts are listed
    receipts = client.list_page_receipts(PageId=READ_PAGE)["Receipts"]
    # Then they are sent, delivered and read, with times, and secure info the tests can spot
    assert [receipt["ReceiptType"] for receipt in receipts] == ["SENT", "DELIVERED", "READ"]
    assert receipts[2]["ReceiptInfo"] == "SECURE-RECEIPT-READ accept code 771904"
    assert receipts[2]["ReceiptTime"] == datetime(2025, 9, 9, 14, 3, 2, tzinfo=UTC)
    assert all(
        receipt["ContactChannelArn"].startswith(
            "arn:aws:ssm-contacts:us-east-2:111122223333:contact-channel/akua_mansa/"
        )
        for receipt in receipts
    )


def test_every_seeded_receipt_info_is_secure_text() -> None:
    # Given the seed's receipts
    infos = [r.get("ReceiptInfo") for record in PAGES_SEED.values() for r in record["Receipts"]]
    # Then each one with info marks it as secure, so that a leak is recognisable
    assert [
        info for info in infos if info is not None and not info.startswith("SECURE-RECEIPT")
    ] == []
    assert len([info for info in infos if info is not None]) >= 15


def test_an_engagement_without_pages_lists_none(ssm_contacts_url: str) -> None:
    # Given a seeded engagement that paged nobody
    # When its pages are listed
    answer = ssm_contacts(ssm_contacts_url).list_pages_by_engagement(EngagementId=NO_PUBLIC_ARN)
    # Then the list is empty, with no token
    assert answer["Pages"] == []
    assert "NextToken" not in answer


@pytest.mark.parametrize(
    ("operation", "member", "arn", "resource_type"),
    [
        ("list_pages_by_engagement", "EngagementId", fault_arn(str(uuid.uuid4())), "ENGAGEMENT"),
        ("list_page_receipts", "PageId", READ_PAGE.replace("c1d2e3f4", "00000001"), "PAGE"),
        ("list_page_receipts", "PageId", EXAMPLE_ARN, "PAGE"),
    ],
    ids=["unknown engagement", "unknown page", "engagement ARN as a page"],
)
def test_unknown_resource_is_not_found(
    ssm_contacts_url: str, operation: str, member: str, arn: str, resource_type: str
) -> None:
    # Given an ARN that names no seeded engagement or page
    client = ssm_contacts(ssm_contacts_url)
    # When its pages or receipts are listed
    response = list_error(getattr(client, operation), **{member: arn})
    # Then it is a 404 naming it and what kind of resource it was looked up as
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert (response["ResourceId"], response["ResourceType"]) == (arn, resource_type)


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("list_pages_by_engagement", {"EngagementId": CHECKOUT_EAST}),
        ("list_page_receipts", {"PageId": READ_PAGE}),
        ("describe_engagement", {"EngagementId": CHECKOUT_EAST}),
    ],
    ids=["pages", "receipts", "describe"],
)
def test_resources_of_another_region_are_not_found_there(
    ssm_contacts_url: str, operation: str, params: dict[str, str]
) -> None:
    # Given a us-east-2 resource and a client signing for us-west-2
    client = ssm_contacts(ssm_contacts_url, region="us-west-2")
    # When it asks for it
    response = list_error(getattr(client, operation), **params)
    # Then the us-west-2 endpoint does not know it, as SSM Contacts' regional endpoints do not
    assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_incident_engagements_are_listed_per_region(ssm_contacts_url: str) -> None:
    # Given the checkout incident, engaging a contact in each of two regions
    found = {}
    for region in ("us-east-2", "us-west-2"):
        # When each region's endpoint lists the incident's engagements
        client = ssm_contacts(ssm_contacts_url, region=region)
        found[region], _ = every_item(
            client, "list_engagements", "Engagements", IncidentId=CHECKOUT_INCIDENT
        )
    # Then each region has its own, with the list's members and no message
    assert [e["EngagementArn"] for e in found["us-east-2"]] == [CHECKOUT_EAST]
    assert [e["EngagementArn"] for e in found["us-west-2"]] == [CHECKOUT_WEST]
    (west,) = found["us-west-2"]
    assert set(west) == {
        "EngagementArn",
        "ContactArn",
        "Sender",
        "IncidentId",
        "StartTime",
        "StopTime",
    }
    assert west["StartTime"] == datetime(2025, 9, 9, 14, 3, 40, 250000, tzinfo=UTC)


def test_engagements_of_a_region_come_in_upstream_pages(ssm_contacts_url: str) -> None:
    # Given us-east-2, holding four seeded engagements
    client = ssm_contacts(ssm_contacts_url)
    # When botocore's paginator lists them without a filter
    engagements, sizes = every_item(client, "list_engagements", "Engagements")
    # Then all of that region's arrive, three at a time, and none of us-west-2's
    seeded_east = [
        arn for arn in json.loads(DEFAULT_ENGAGEMENTS.read_text()) if ":us-east-2:" in arn
    ]
    assert [e["EngagementArn"] for e in engagements] == seeded_east
    assert sizes == [3, 1]


def test_time_range_lists_the_engagements_started_within_it(ssm_contacts_url: str) -> None:
    # Given a time range around the checkout incident's start, 2025-09-09T14:02:11Z
    client = ssm_contacts(ssm_contacts_url)
    time_range = {
        "StartTime": datetime(2025, 9, 9, 14, tzinfo=UTC),
        "EndTime": datetime(2025, 9, 9, 14, 2, 11, tzinfo=UTC),
    }
    # When the region's engagements in it are listed
    engagements, _ = every_item(
        client, "list_engagements", "Engagements", TimeRangeValue=time_range
    )
    # Then only the one started within it (bounds included) is listed
    assert [e["EngagementArn"] for e in engagements] == [CHECKOUT_EAST]


def test_list_engagements_needs_a_signed_request(ssm_contacts_url: str) -> None:
    # Given an unsigned request, which names no region
    # When it lists engagements
    status, _, body = post(ssm_contacts_url, b"{}", target="SSMContacts.ListEngagements")
    # Then it is refused, saying the region comes from the signature
    assert status == 400
    assert json.loads(body)["__type"] == "MissingAuthenticationTokenException"
    assert "signed request" in json.loads(body)["Message"]


def first_token(client: Any, engagement: str = CHECKOUT_EAST) -> str:
    token: str = client.list_pages_by_engagement(EngagementId=engagement)["NextToken"]
    return token


def tampered(token: str) -> str:
    index = len(token) // 2
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda client: "not-a-token", id="made up"),
        pytest.param(lambda client: tampered(first_token(client)), id="one character changed"),
        # The decoder skips characters outside its alphabet: the same bytes, spelled otherwise.
        pytest.param(lambda client: "\\" + first_token(client), id="respelled"),
        pytest.param(lambda client: first_token(client) + "AAAA", id="lengthened"),
        pytest.param(
            lambda client: client.list_engagements()["NextToken"], id="of another operation"
        ),
    ],
)
def test_token_this_endpoint_did_not_issue_for_this_request_is_refused(
    ssm_contacts_url: str, forge: Any
) -> None:
    # Given a NextToken that is not the one the endpoint issued for this listing
    client = ssm_contacts(ssm_contacts_url)
    token = forge(client)
    # When the checkout engagement's pages are listed with it
    response = list_error(
        client.list_pages_by_engagement, EngagementId=CHECKOUT_EAST, NextToken=token
    )
    # Then the endpoint answers ValidationException naming NextToken
    assert response["Error"]["Code"] == "ValidationException"
    assert response["Fields"] == [
        {
            "Name": "NextToken",
            "Message": "NextToken is not one this endpoint issued for this request",
        }
    ]


def test_token_of_another_engagement_is_refused(ssm_contacts_url: str) -> None:
    # Given a token issued for the pages of a fan-out engagement with two pages
    client = ssm_contacts(ssm_contacts_url)
    other = fault_arn(fan_out_id(THROTTLING_FAULT, 1))
    token = client.list_pages_by_engagement(EngagementId=other, MaxResults=1)["NextToken"]
    # When it is used for the checkout engagement's pages
    response = list_error(
        client.list_pages_by_engagement, EngagementId=CHECKOUT_EAST, NextToken=token
    )
    # Then it is refused
    assert response["Error"]["Code"] == "ValidationException"


@contextmanager
def serving(server: SsmContactsServer) -> Iterator[str]:
    """Another endpoint than the fixture's, serving for the block; its URL."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_page_size_is_the_endpoints_setting() -> None:
    # Given an endpoint made to answer one item per list call
    with serving(make_server(page_size=1)) as url:
        # When the checkout engagement's pages are listed
        _, sizes = every_item(
            ssm_contacts(url), "list_pages_by_engagement", "Pages", EngagementId=CHECKOUT_EAST
        )
    # Then they come one by one
    assert sizes == [1] * 7


def test_token_of_a_previous_endpoint_is_refused(ssm_contacts_url: str) -> None:
    # Given a token issued by another endpoint process (as before a restart)
    with serving(make_server()) as url:
        token = first_token(ssm_contacts(url))
    # When it is used here
    response = list_error(
        ssm_contacts(ssm_contacts_url).list_pages_by_engagement,
        EngagementId=CHECKOUT_EAST,
        NextToken=token,
    )
    # Then it is refused, as AWS's tokens expire
    assert response["Error"]["Code"] == "ValidationException"


def test_token_of_another_region_is_refused(ssm_contacts_url: str) -> None:
    # Given a token of the us-east-2 engagement list
    token = ssm_contacts(ssm_contacts_url).list_engagements()["NextToken"]
    # When a us-west-2 client uses it
    response = list_error(
        ssm_contacts(ssm_contacts_url, region="us-west-2").list_engagements, NextToken=token
    )
    # Then it is refused
    assert response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("max_results", [1025, -1], ids=["above 1024", "negative"])
def test_max_results_outside_the_model_is_rejected(ssm_contacts_url: str, max_results: int) -> None:
    # Given a client with botocore's own validation off, asking for too many or too few
    client = ssm_contacts(ssm_contacts_url, parameter_validation=False)
    # When it lists pages with that MaxResults
    response = list_error(
        client.list_pages_by_engagement, EngagementId=CHECKOUT_EAST, MaxResults=max_results
    )
    # Then the endpoint's model check refuses it
    assert response["Error"]["Code"] == "ValidationException"
    assert "MaxResults" in response["Error"]["Message"]


def test_missing_page_id_is_rejected(ssm_contacts_url: str) -> None:
    # Given a receipts request without its required PageId
    # When it is posted
    status, _, body = post(ssm_contacts_url, b"{}", target="SSMContacts.ListPageReceipts")
    # Then it is a ValidationException naming the member
    assert status == 400
    assert "PageId" in json.loads(body)["Message"]


# --- fault switches in lists and fan-outs --------------------------------------------------------

FAULT_INCIDENT_PREFIX = "arn:aws:ssm-incidents::111122223333:incident-record/fault_drill/"


def page_arn(page_id: str, contact: str = "fault_switch", region: str = "us-east-2") -> str:
    return f"arn:aws:ssm-contacts:{region}:{ACCOUNT}:page/{contact}/{page_id}"


LIST_CALLS = {
    "pages": lambda client, fault_id: client.list_pages_by_engagement(
        EngagementId=fault_arn(fault_id)
    ),
    "receipts": lambda client, fault_id: client.list_page_receipts(PageId=page_arn(fault_id)),
    "engagements": lambda client, fault_id: client.list_engagements(
        IncidentId=FAULT_INCIDENT_PREFIX + fault_id
    ),
}


@pytest.mark.parametrize("call", sorted(LIST_CALLS))
@pytest.mark.parametrize(("fault_id", "expected"), MODELED_FAULTS.items())
def test_modeled_fault_fires_on_every_list_call(
    ssm_contacts_url: str, call: str, fault_id: str, expected: tuple[str, int]
) -> None:
    # Given a fault switch id as the engagement, page or incident of a list call
    client = ssm_contacts(ssm_contacts_url)
    # When the list is asked for
    with pytest.raises(ClientError) as raised:
        LIST_CALLS[call](client, fault_id)
    # Then botocore raises the fault's error code with its status
    response: Any = raised.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == expected


@pytest.mark.parametrize(
    ("call", "resource_id", "resource_type"),
    [
        ("pages", fault_arn(MODELED_404), "ENGAGEMENT"),
        ("receipts", page_arn(MODELED_404), "PAGE"),
        ("engagements", FAULT_INCIDENT_PREFIX + MODELED_404, "INCIDENT"),
    ],
)
def test_not_found_fault_names_what_was_asked_for(
    ssm_contacts_url: str, call: str, resource_id: str, resource_type: str
) -> None:
    # Given the not-found fault as the engagement, page or incident of a list call
    # When the list is asked for
    response = list_error(lambda: LIST_CALLS[call](ssm_contacts(ssm_contacts_url), MODELED_404))
    # Then the error names that resource and its type
    assert (response["ResourceId"], response["ResourceType"]) == (resource_id, resource_type)


@pytest.mark.parametrize("call", sorted(LIST_CALLS))
def test_truncated_list_parses_to_an_empty_result(ssm_contacts_url: str, call: str) -> None:
    # Given the truncating fault as the subject of a list call
    # When botocore reads the half answer
    answer = LIST_CALLS[call](ssm_contacts(ssm_contacts_url), TRUNCATED_FAULT)
    # Then it raises nothing and returns no list at all (a caller must not read it as "none")
    assert set(answer) == {"ResponseMetadata"}


def test_slow_receipts_trip_a_short_read_timeout(ssm_contacts_url: str) -> None:
    # Given a client that waits at most 0.3 s
    client = ssm_contacts(ssm_contacts_url, read_timeout=0.3, connect_timeout=2)
    # When it lists the receipts of the slow fault's page
    # Then botocore gives up with a read timeout
    with pytest.raises(ReadTimeoutError):
        LIST_CALLS["receipts"](client, SLOW_FAULT)


def test_fault_one_call_down_hits_the_receipts_of_the_second_page(ssm_contacts_url: str) -> None:
    # Given an engagement whose throttling fault is one call down
    client = ssm_contacts(ssm_contacts_url)
    engagement = fault_arn(fan_out_id(THROTTLING_FAULT, 1))
    # When its pages are listed, then each page's receipts
    pages, _ = every_item(client, "list_pages_by_engagement", "Pages", EngagementId=engagement)
    healthy, faulting = (page["PageArn"] for page in pages)
    receipts = client.list_page_receipts(PageId=healthy)["Receipts"]
    response = list_error(client.list_page_receipts, PageId=faulting)
    # Then the pages and the first page's receipts arrive, and the second page's receipts throttle
    assert healthy == page_arn(HEALTHY_ID)
    assert faulting == page_arn(THROTTLING_FAULT)
    assert [r["ReceiptType"] for r in receipts] == ["SENT", "DELIVERED", "READ"]
    assert all(r["ReceiptInfo"].startswith("SECURE-FAULT-RECEIPT") for r in receipts)
    assert response["Error"]["Code"] == "ThrottlingException"


def test_fault_one_call_down_of_an_incident_hits_an_engagements_pages(
    ssm_contacts_url: str,
) -> None:
    # Given an incident whose internal-error fault is one call down, asked in us-west-2
    client = ssm_contacts(ssm_contacts_url, region="us-west-2")
    incident = FAULT_INCIDENT_PREFIX + fan_out_id(MODELED_500, 1)
    # When its engagements are listed, then each engagement's pages
    engagements, _ = every_item(client, "list_engagements", "Engagements", IncidentId=incident)
    healthy, faulting = (e["EngagementArn"] for e in engagements)
    pages = client.list_pages_by_engagement(EngagementId=healthy)["Pages"]
    response = list_error(client.list_pages_by_engagement, EngagementId=faulting)
    # Then both engagements are of us-west-2 and that incident; the second one's pages fail
    assert healthy == fault_arn(HEALTHY_ID, region="us-west-2")
    assert faulting == fault_arn(MODELED_500, region="us-west-2")
    assert {e["IncidentId"] for e in engagements} == {incident}
    assert [page["PageArn"] for page in pages] == [page_arn(HEALTHY_ID, region="us-west-2")]
    assert response["Error"]["Code"] == "InternalServerException"


def test_fault_two_calls_down_of_an_incident_hits_receipts_in_the_middle(
    ssm_contacts_url: str,
) -> None:
    # Given an incident whose throttling fault is two calls down
    client = ssm_contacts(ssm_contacts_url)
    incident = FAULT_INCIDENT_PREFIX + fan_out_id(THROTTLING_FAULT, 2)
    outcomes: list[tuple[str, str, str]] = []
    # When the whole tree is walked: engagements, their pages, every page's receipts
    for engagement in client.list_engagements(IncidentId=incident)["Engagements"]:
        arn = engagement["EngagementArn"]
        for page in client.list_pages_by_engagement(EngagementId=arn)["Pages"]:
            try:
                client.list_page_receipts(PageId=page["PageArn"])
                outcomes.append((arn, page["PageArn"], "ok"))
            except ClientError as error:
                outcomes.append((arn, page["PageArn"], error.response["Error"]["Code"]))
    # Then every call succeeds but the receipts of the second engagement's second page
    middle = fault_arn(fan_out_id(THROTTLING_FAULT, 1))
    assert outcomes == [
        (fault_arn(HEALTHY_ID), page_arn(HEALTHY_ID), "ok"),
        (middle, page_arn(HEALTHY_ID), "ok"),
        (middle, page_arn(THROTTLING_FAULT), "ThrottlingException"),
    ]
    # And the engagement in the middle describes as a well-formed one
    assert client.describe_engagement(EngagementId=middle)["EngagementArn"] == middle


@pytest.mark.parametrize(
    ("call", "depth"),
    [("receipts", 1), ("pages", 2), ("engagements", 3)],
    ids=["page one down", "engagement two down", "incident three down"],
)
def test_fault_deeper_than_the_calls_go_is_no_switch(
    ssm_contacts_url: str, call: str, depth: int
) -> None:
    # Given a reserved id deeper than the calls below that resource go
    client = ssm_contacts(ssm_contacts_url)
    reserved = fan_out_id(THROTTLING_FAULT, depth)
    # When it is asked for
    if call == "engagements":
        # Then it is an ordinary, unknown incident: no engagements
        assert LIST_CALLS[call](client, reserved)["Engagements"] == []
    else:
        # Then it is an ordinary, unknown resource: not found
        response = list_error(lambda: LIST_CALLS[call](client, reserved))
        assert response["Error"]["Code"] == "ResourceNotFoundException"


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


def drive_every_list(url: str) -> int:
    """List every region's engagements, every seeded engagement's pages and every page's
    receipts, and the fan-out faults' whole trees; count the requests."""
    requests = 0
    for region in ("us-east-2", "us-west-2"):
        client = ssm_contacts(url, region=region)
        calls: list[tuple[Any, dict[str, Any]]] = [(client.list_engagements, {})]
        calls += [
            (client.list_pages_by_engagement, {"EngagementId": arn})
            for arn in json.loads(DEFAULT_ENGAGEMENTS.read_text())
            if f":{region}:" in arn
        ]
        calls += [
            (client.list_page_receipts, {"PageId": arn})
            for arn in PAGES_SEED
            if f":{region}:" in arn
        ]
        incident = FAULT_INCIDENT_PREFIX + fan_out_id(THROTTLING_FAULT, 2)
        calls.append((client.list_engagements, {"IncidentId": incident}))
        calls.append((client.list_page_receipts, {"PageId": page_arn(HEALTHY_ID, region=region)}))
        for call, params in calls:
            requests += 1
            try:
                call(**params)
            except ClientError:
                pass  # the faults' errors are expected; only the log lines matter here
    return requests


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
    assert len(secrets) == 12
    # When every engagement and fault is requested
    drive_every_engagement_and_fault(ssm_contacts_url)
    # Then no secure Subject or Content appears in any log line
    assert not [secret for secret in secrets if secret in caplog.text]


def test_list_calls_log_one_line_each_without_receipt_info(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the endpoint's logger captured at DEBUG, and every receipt info it can send
    caplog.set_level(logging.DEBUG, logger="local.ssm_contacts")
    infos = secure_receipt_infos()
    assert len(infos) >= 18
    # When every list is walked, receipts included, fan-out faults too
    requests = drive_every_list(ssm_contacts_url)
    # Then there is one line per request, and no receipt info in any of them
    assert len(caplog.records) == requests
    assert not [info for info in infos if info in caplog.text]
    assert "SECURE-" not in caplog.text


def test_log_line_names_the_page_region_and_fault_of_a_receipts_call(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the endpoint's logger captured
    caplog.set_level(logging.INFO, logger="local.ssm_contacts")
    client = ssm_contacts(ssm_contacts_url, region="us-west-2")
    # When a seeded page's receipts, and a fan-out engagement's pages, are listed in us-west-2
    west_page = next(arn for arn in PAGES_SEED if ":us-west-2:" in arn)
    client.list_page_receipts(PageId=west_page)
    fan_out = fault_arn(fan_out_id(THROTTLING_FAULT, 1), region="us-west-2")
    client.list_pages_by_engagement(EngagementId=fan_out)
    # Then each line names the operation, what it named and the region it was signed for
    receipts, pages = caplog.messages
    assert f"operation=ListPageReceipts engagement_id=- page_id={west_page} " in receipts
    assert "region=us-west-2 fault=- status=200" in receipts
    assert f"operation=ListPagesByEngagement engagement_id={fan_out} page_id=- " in pages
    assert "fault=ThrottlingException@1 status=200" in pages


def test_log_line_never_holds_a_forged_id(
    ssm_contacts_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an incident id that would forge a second log line
    caplog.set_level(logging.INFO, logger="local.ssm_contacts")
    body = json.dumps({"IncidentId": "x\nrequest_id=forged status=200"}).encode()
    # When it is posted
    post(ssm_contacts_url, body, target="SSMContacts.ListEngagements")
    # Then the line names no incident, and nothing was forged
    (line,) = caplog.messages
    assert "incident_id=- " in line
    assert "forged" not in caplog.text


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
