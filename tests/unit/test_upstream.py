"""The pure parts of the upstream module: answer checking, client configuration, error mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff, RetryContext, ThrottlingErrorDetector

from engagement_proxy import errors
from engagement_proxy.config import (
    DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
    SettingError,
    load_settings,
)
from engagement_proxy.ids import EngagementRef
from engagement_proxy.policy import Tier
from engagement_proxy.upstream import (
    MODELED_ERROR_CODES,
    _client_error,
    _request_id,
    _retry_after,
    client_config,
    engagement_from,
)
from engagement_proxy.view import engagement_view

ARN = (
    "arn:aws:ssm-contacts:us-east-2:111122223333:engagement/"
    "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"
)
REF = EngagementRef(arn=ARN, region="us-east-2")
SECURE_SUBJECT = "Bridge code 7741-QUOKKA-SECRET"
SECURE_CONTENT = "Customer Zanzibar Holdings is down"
STARTED = datetime(2024, 5, 17, 10, 34, 56, tzinfo=UTC)
ENVIRONMENT = {
    "SERVED_ACCOUNT_ID": "111122223333",
    "AWS_REGION": "us-east-2",
    "ACCESS_POLICY": '{"rules": [{"tier": "full", "accounts": ["111122223333"]}]}',
}


def answer(**changes: Any) -> dict[str, Any]:
    """A DescribeEngagement answer as botocore parses it; `changes` override, `...` removes."""
    response: dict[str, Any] = {
        "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": 200},
        "ContactArn": "arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation",
        "EngagementArn": ARN,
        "Sender": "incident-manager",
        "Subject": SECURE_SUBJECT,
        "Content": SECURE_CONTENT,
        "PublicSubject": "Incident in progress",
        "PublicContent": "Please join the bridge",
        "IncidentId": "incident-1",
        "StartTime": STARTED,
        "StopTime": None,
    }
    for name, value in changes.items():
        if value is ...:
            response.pop(name, None)
        else:
            response[name] = value
    return response


def client_error(code: str, message: str = "", **members: Any) -> ClientError:
    """A ClientError as botocore raises it for a modeled SSM Contacts error."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": "req-err", "HTTPStatusCode": 400, "HTTPHeaders": {}},
        **members,
    }
    return ClientError(response, "DescribeEngagement")


def test_full_answer_becomes_the_engagement() -> None:
    # Given a complete DescribeEngagement answer
    # When it is read
    engagement = engagement_from(answer(), REF)

    # Then every known field is taken as upstream sent it
    assert (engagement.EngagementArn, engagement.Subject, engagement.Content) == (
        ARN,
        SECURE_SUBJECT,
        SECURE_CONTENT,
    )
    assert engagement.PublicSubject == "Incident in progress"
    assert engagement.IncidentId == "incident-1"
    assert engagement.StartTime == STARTED
    assert engagement.StopTime is None


def test_answer_with_only_required_members_is_accepted() -> None:
    # Given an answer without any optional member
    response = answer(
        PublicSubject=..., PublicContent=..., IncidentId=..., StartTime=..., StopTime=...
    )

    # When it is read
    engagement = engagement_from(response, REF)

    # Then the optional fields are None
    assert (engagement.PublicSubject, engagement.IncidentId, engagement.StartTime) == (
        None,
        None,
        None,
    )


def test_members_upstream_adds_later_never_reach_the_caller() -> None:
    # Given an answer with a member this proxy does not know, and response metadata
    response = answer(EscalationNotes="Customer Zanzibar on-site contact 555-0199")

    # When it is read and shown to a full caller
    body = json.dumps(engagement_view(engagement_from(response, REF), Tier.FULL))

    # Then neither the new member nor the metadata is in the answer
    assert "EscalationNotes" not in body
    assert "555-0199" not in body
    assert "ResponseMetadata" not in body
    assert "req-1" not in body


@pytest.mark.parametrize(
    "response",
    [
        pytest.param({}, id="empty: a 200 whose body was not JSON"),
        pytest.param({"ResponseMetadata": {"RequestId": "r"}}, id="metadata only"),
        pytest.param(answer(Subject=...), id="no Subject"),
        pytest.param(answer(Content=...), id="no Content"),
        pytest.param(answer(ContactArn=...), id="no ContactArn"),
        pytest.param(answer(EngagementArn=...), id="no EngagementArn"),
        pytest.param(answer(Sender=...), id="no Sender"),
        pytest.param(answer(Sender=None), id="Sender null"),
        pytest.param(answer(Subject=42), id="Subject a number"),
        pytest.param(answer(Content=["a"]), id="Content a list"),
        pytest.param(answer(PublicSubject=1), id="PublicSubject a number"),
        pytest.param(answer(IncidentId={"id": "x"}), id="IncidentId an object"),
        pytest.param(answer(StartTime="2024-05-17T10:34:56Z"), id="StartTime a string"),
        pytest.param(answer(StopTime=1715942096), id="StopTime a number"),
        pytest.param(answer(EngagementArn=ARN.replace("69e40ce1", "00000000")), id="other ARN"),
        pytest.param(answer(EngagementArn=ARN.upper()), id="ARN in other case"),
    ],
)
def test_unusable_answer_is_upstream_failure(response: dict[str, Any]) -> None:
    # Given an answer that is incomplete, of the wrong shape, or about another engagement
    # When it is read
    with pytest.raises(errors.UpstreamFailed) as raised:
        engagement_from(response, REF)

    # Then it is an upstream failure whose detail carries no upstream text
    assert SECURE_SUBJECT not in raised.value.detail
    assert raised.value.detail.startswith("SSM Contacts")


def accepted_budgets() -> list[float]:
    """Every upstream timeout from 0 to 30 s, in quarter seconds, that the settings accept."""
    budgets = []
    for quarters in range(121):
        environ = {**ENVIRONMENT, "UPSTREAM_TIMEOUT_SECONDS": str(quarters / 4)}
        try:
            budgets.append(load_settings(environ).upstream_timeout_seconds)
        except SettingError:
            continue
    return budgets


def worst_sleep_before(attempt: int) -> float:
    """The longest botocore's standard mode sleeps before `attempt` when no answer came back
    (throttling scale, random factor 1, no retry-after header: an unreachable upstream)."""

    class AlwaysThrottling(ThrottlingErrorDetector):
        def __init__(self) -> None:
            pass

        def is_throttling_error_from_context(self, context: RetryContext) -> bool:
            return True

    backoff = ExponentialBackoff(random=lambda: 1.0, throttling_detector=AlwaysThrottling())
    return backoff.delay_amount(RetryContext(attempt_number=attempt - 1))


def options(config: Config) -> Any:
    """A Config's options; botocore-stubs declare them as constructor arguments only."""
    return config


def test_every_accepted_timeout_fits_all_attempts_in_the_budget() -> None:
    # Given every upstream timeout the settings accept
    budgets = accepted_budgets()
    assert budgets and DEFAULT_UPSTREAM_TIMEOUT_SECONDS in budgets

    for budget in budgets:
        # When the client configuration for that budget is made
        config = options(client_config(budget))

        # Then each attempt has time to connect and read, and all attempts plus the
        # sleeps between them end within the budget
        attempts = config.retries["total_max_attempts"]
        connect, read = config.connect_timeout, config.read_timeout
        assert connect > 0 and read > 0, budget
        sleeps = sum(worst_sleep_before(attempt) for attempt in range(2, attempts + 1))
        assert (connect + read) * attempts + sleeps <= budget, budget


def test_client_config_uses_standard_retries_with_a_retry() -> None:
    # Given the default budget of 10 s
    # When the client configuration is made
    config = options(client_config(DEFAULT_UPSTREAM_TIMEOUT_SECONDS))

    # Then retries are botocore's standard mode, with a second attempt
    assert config.retries["mode"] == "standard"
    assert config.retries["total_max_attempts"] >= 2


def test_shortest_accepted_timeout_makes_a_usable_client() -> None:
    # Given the shortest upstream timeout the settings accept
    shortest = min(accepted_budgets())

    # When an SSM Contacts client is made with its configuration (no request is sent)
    client = botocore.session.get_session().create_client(
        "ssm-contacts",
        region_name="us-east-2",
        config=client_config(shortest),
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret-example",
    )

    # Then botocore accepts the timeouts
    config = options(client.meta.config)
    assert config.connect_timeout > 0
    assert config.read_timeout > 0


@pytest.mark.parametrize(
    ("members", "headers", "seconds"),
    [
        pytest.param({"RetryAfterSeconds": 30}, {}, 30, id="upstream's member"),
        pytest.param({}, {"retry-after": "45"}, 45, id="header"),
        pytest.param({"RetryAfterSeconds": 12}, {"retry-after": "45"}, 12, id="member first"),
        pytest.param({"RetryAfterSeconds": "soon"}, {"retry-after": "9"}, 9, id="bad member"),
        pytest.param({}, {}, 2, id="nothing: default"),
        pytest.param({"RetryAfterSeconds": None}, {"retry-after": "x"}, 2, id="unreadable"),
        pytest.param({"RetryAfterSeconds": 0}, {}, 1, id="zero clamped up"),
        pytest.param({"RetryAfterSeconds": -5}, {}, 1, id="negative clamped up"),
        pytest.param({"RetryAfterSeconds": 86_400}, {}, 300, id="a day clamped down"),
        pytest.param({}, {"retry-after": "Wed, 21 Oct 2025 07:28:00 GMT"}, 2, id="HTTP date"),
    ],
)
def test_retry_after_is_upstreams_clamped_or_a_default(
    members: dict[str, Any], headers: dict[str, str], seconds: int
) -> None:
    # Given a ThrottlingException as botocore raises it
    error = client_error("ThrottlingException", **members)
    error.response["ResponseMetadata"]["HTTPHeaders"] = headers

    # When the wait to tell the caller is worked out
    wait = _retry_after(error)

    # Then it is upstream's value within 1..300 s, else 2 s
    assert wait == seconds


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ResourceNotFoundException", errors.EngagementNotFound),
        ("ValidationException", errors.UpstreamRejected),
        ("AccessDeniedException", errors.UpstreamRoleFault),
        ("DataEncryptionException", errors.UpstreamRoleFault),
        ("ThrottlingException", errors.UpstreamThrottled),
        ("InternalServerException", errors.UpstreamFailed),
        ("ConflictException", errors.UpstreamFailed),
        ("ServiceQuotaExceededException", errors.UpstreamFailed),
    ],
)
def test_upstream_error_codes_map_to_domain_errors(
    code: str, expected: type[errors.ProxyError]
) -> None:
    # Given an SSM Contacts error of its service model whose message echoes engagement content
    error = client_error(code, message=f"Engagement '{SECURE_SUBJECT}' failed")

    # When it is mapped
    failure = _client_error(error)

    # Then it is the domain error, tagged with code and request id, without upstream text
    assert type(failure) is expected
    assert (failure.upstream_code, failure.upstream_request_id) == (code, "req-err")
    assert SECURE_SUBJECT not in failure.detail
    assert SECURE_SUBJECT not in str(failure)


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("SomethingNewException", id="a name outside the model"),
        pytest.param(f"{SECURE_SUBJECT}Exception", id="secure text"),
        pytest.param('ThrottlingException\n{"level":"ERROR"}', id="a forged log line"),
        pytest.param("validationexception", id="a modeled name in other case"),
        pytest.param("503", id="an HTTP status, as botocore names a body without a type"),
        pytest.param("", id="empty"),
        pytest.param(["ValidationException"], id="not a string"),
    ],
)
def test_error_codes_outside_the_service_model_are_unknown_upstream_failures(code: Any) -> None:
    # Given an error answer whose code is not one of SSM Contacts' modeled errors
    error = client_error("placeholder")
    error.response["Error"]["Code"] = code

    # When it is mapped
    failure = _client_error(error)

    # Then it is a 502 upstream failure recorded as "unknown", the code itself going nowhere
    assert type(failure) is errors.UpstreamFailed
    assert failure.upstream_code == "unknown"
    assert SECURE_SUBJECT not in failure.detail


def test_modeled_error_codes_are_the_error_shapes_of_botocores_service_model() -> None:
    # Given the ssm-contacts service model of the installed botocore
    model = botocore.session.get_session().get_service_model("ssm-contacts")

    # When its error shapes are listed
    shapes = {shape.name for shape in model.error_shapes}

    # Then the proxy recognises exactly those codes
    assert shapes and MODELED_ERROR_CODES == shapes


def test_throttling_error_carries_upstreams_wait() -> None:
    # Given a ThrottlingException asking for 40 s
    error = client_error("ThrottlingException", RetryAfterSeconds=40)

    # When it is mapped
    failure = _client_error(error)

    # Then the wait travels with the domain error
    assert isinstance(failure, errors.UpstreamThrottled)
    assert failure.retry_after_seconds == 40


@pytest.mark.parametrize(
    "request_id",
    [
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        "req-1",
    ],
)
def test_request_ids_of_the_usual_shape_are_kept(request_id: str) -> None:
    # Given an answer whose metadata carries an ordinary request id
    response = answer(ResponseMetadata={"RequestId": request_id})

    # When its request id is read
    # Then it is kept as sent
    assert _request_id(response) == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        pytest.param(SECURE_SUBJECT, id="secure text"),
        pytest.param('id"}\n{"level":"ERROR"', id="a forged log line"),
        pytest.param("a" * 129, id="too long"),
        pytest.param("ïd-1", id="not ASCII"),
        pytest.param("", id="empty"),
        pytest.param(7, id="not a string"),
    ],
)
def test_request_ids_of_another_shape_are_dropped(request_id: Any) -> None:
    # Given an answer whose request id header is text of the endpoint's choosing
    response = answer(ResponseMetadata={"RequestId": request_id})

    # When its request id is read
    # Then there is none: it never reaches an audit line
    assert _request_id(response) is None
