"""SSM Contacts DescribeEngagement with the Lambda's own role: the only module that talks to AWS."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from engagement_proxy.deadline import Deadline
from engagement_proxy.errors import (
    EngagementNotFound,
    ProxyError,
    UpstreamFailed,
    UpstreamRejected,
    UpstreamRoleFault,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from engagement_proxy.ids import EngagementRef
from engagement_proxy.model import Described, Engagement

# botocore's DEBUG loggers print whole response bodies, secure text included: keep them quiet
# whatever level the root logger or the Lambda runtime is set to.
for _name in ("boto3", "botocore", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

ATTEMPTS = 2
# Upstream calls one container runs at once: the calls of one request's fan-out.
WORKERS = 4
DEFAULT_RETRY_AFTER_SECONDS = 2
_MAX_RETRY_AFTER_SECONDS = 300
# With no answer at all (timeouts, refused connections) standard retry mode sleeps at most 1 s
# before the second attempt. A throttled answer's x-amz-retry-after can stretch that sleep, but
# then SSM Contacts did answer, and the caller gets a 503, not a hung request.
_WORST_BACKOFF_SECONDS = 1.0


# The error shapes of botocore's ssm-contacts service model, as a constant: loading the model to
# read them costs tens of milliseconds at cold start; a unit test keeps the two equal. Only these
# codes reach metrics, traces and audit lines: any other is a hostile or broken endpoint's text.
MODELED_ERROR_CODES = frozenset(
    {
        "AccessDeniedException",
        "ConflictException",
        "DataEncryptionException",
        "InternalServerException",
        "ResourceNotFoundException",
        "ServiceQuotaExceededException",
        "ThrottlingException",
        "ValidationException",
    }
)
UNKNOWN_CODE = "unknown"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def client_config(budget_seconds: float) -> Config:
    """Timeouts and retries such that an unreachable upstream costs at most `budget_seconds`:
    every attempt may spend its connect plus read timeout, plus the backoff between them."""
    per_attempt = (budget_seconds - _WORST_BACKOFF_SECONDS) / ATTEMPTS
    connect = min(2.0, per_attempt / 3)
    return Config(
        connect_timeout=connect,
        read_timeout=per_attempt - connect,
        retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
        # The proxy validated every input before any call: botocore checking them again
        # costs ~0.1 ms a call and adds nothing.
        parameter_validation=False,
    )


class SsmContacts:
    """SSM Contacts calls, each bounded by a deadline, retries included.

    A call runs in a worker thread and the caller waits for it no longer than the deadline
    leaves: a read timeout bounds one socket read, not an answer that trickles in a byte at a
    time, and only a wait on the worker bounds what the caller sees whatever botocore and the
    sockets do. Within the worker, each attempt's read timeout is cut to the time left and no
    attempt starts after the deadline, so an abandoned call ends soon after it unless the
    upstream keeps trickling; a pool whose call overran is replaced, so workers stuck that way
    never hold up later calls. Several calls for one request (a fan-out) start together, run in
    the pool side by side and share one deadline.

    One client per region, created on first use and kept for the container's life.
    """

    def __init__(self, budget_seconds: float) -> None:
        self.budget_seconds = budget_seconds
        self._config = client_config(budget_seconds)
        # Typed loosely: botocore builds client classes at run time from the service model.
        self._clients: dict[str, Any] = {}
        self._session: botocore.session.Session | None = None
        self._lock = threading.Lock()
        self._pool = _new_pool()

    def deadline(self) -> Deadline:
        """A deadline of the configured budget, from now."""
        return Deadline.after(self.budget_seconds)

    def client(self, region: str) -> Any:
        with self._lock:
            if region not in self._clients:
                # A botocore session rather than boto3, which imports s3transfer and
                # multiprocessing for nothing (~20 ms per cold start). botocore alone honours
                # AWS_ENDPOINT_URL_SSM_CONTACTS and the standard credential chain.
                if self._session is None:
                    self._session = botocore.session.get_session()
                client = self._session.create_client(
                    "ssm-contacts", region_name=region, config=self._config
                )
                client.meta.events.register(
                    "before-send.ssm-contacts", _bound_attempt, unique_id=_BOUND_ATTEMPT
                )
                self._clients[region] = client
            return self._clients[region]

    def describe_engagement(
        self, ref: EngagementRef, deadline: Deadline | None = None
    ) -> Described:
        if deadline is None:
            deadline = self.deadline()
        response = self.call(ref.region, "describe_engagement", deadline, EngagementId=ref.arn)
        try:
            return Described(engagement_from(response, ref), _request_id(response))
        except ProxyError as error:
            raise _tagged(error, "Malformed", _request_id(response)) from None

    def call(
        self, region: str, operation: str, deadline: Deadline, **params: Any
    ) -> Mapping[str, Any]:
        """One operation's parsed answer, or the domain error for its failure."""
        return self.start(region, operation, deadline, **params).result()

    def start(self, region: str, operation: str, deadline: Deadline, **params: Any) -> PendingCall:
        """Starts one operation in the pool; its `result` waits at most until `deadline`."""
        method = getattr(self.client(region), operation)
        with self._lock:
            pool = self._pool
        future = pool.submit(_attempts, method, deadline, params)
        return PendingCall(future, deadline, lambda: self._write_off(pool))

    def _write_off(self, pool: ThreadPoolExecutor) -> None:
        """Later calls get a fresh pool: one of `pool`'s workers is stuck past its deadline."""
        with self._lock:
            if self._pool is pool:
                self._pool = _new_pool()
        pool.shutdown(wait=False)


class PendingCall:
    """An upstream call under way in a worker."""

    def __init__(
        self,
        future: Future[Mapping[str, Any]],
        deadline: Deadline,
        write_off: Callable[[], None],
    ) -> None:
        self._future = future
        self._deadline = deadline
        self._write_off = write_off

    def result(self) -> Mapping[str, Any]:
        """The parsed answer, or the domain error; never later than the deadline."""
        try:
            return self._future.result(timeout=self._deadline.remaining())
        except FutureTimeout:
            if not self._future.cancel():  # already running: its worker is stuck
                self._write_off()
            raise _timeout() from None
        except ClientError as error:
            raise _client_error(error) from None
        except (ConnectTimeoutError, ReadTimeoutError, _DeadlinePassed):
            raise _timeout() from None
        except EndpointConnectionError:
            unreachable = UpstreamUnreachable("SSM Contacts could not be reached.")
            raise _tagged(unreachable, "Unreachable") from None
        except Exception:
            # Whatever else reading the answer raised: botocore's parsers let plain Python errors
            # through for bodies they cannot read (ValueError for invalid UTF-8, RuntimeError for
            # a time out of range, RecursionError for deep nesting). The upstream misbehaved; its
            # message may quote the body, so it goes nowhere.
            unreadable = UpstreamFailed("SSM Contacts sent an answer that could not be read.")
            raise _tagged(unreadable, "Unreadable") from None


class _DeadlinePassed(Exception):
    """Raised where an attempt would start after the deadline: botocore does not retry it."""


# The deadline of the call each worker thread runs, for the before-send hook of its attempts.
_running = threading.local()
_BOUND_ATTEMPT = "engagement-proxy-bound-attempt"


def _new_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="ssm-contacts")


def _attempts(
    method: Callable[..., Mapping[str, Any]], deadline: Deadline, params: Mapping[str, Any]
) -> Mapping[str, Any]:
    """One botocore call, all of its attempts, in a worker thread."""
    if deadline.expired():  # waited in the queue past its deadline: send nothing
        raise _DeadlinePassed
    _running.deadline = deadline
    try:
        return method(**params)
    finally:
        _running.deadline = None


def _bound_attempt(request: Any, **_: Any) -> None:
    """Before each attempt is sent: none after the deadline, and its read timeout cut to the
    time left (botocore reads `read_timeout` from the request context; one that does not,
    ignores it, and the caller is still bounded by its wait on the worker)."""
    deadline: Deadline | None = getattr(_running, "deadline", None)
    if deadline is None:
        return
    if deadline.expired():
        raise _DeadlinePassed
    configured = request.context.get("client_config")
    read_timeout = getattr(configured, "read_timeout", None) or deadline.remaining()
    request.context["read_timeout"] = max(0.001, deadline.bound(read_timeout))


def _timeout() -> ProxyError:
    return _tagged(UpstreamTimeout("SSM Contacts did not answer in time."), "Timeout")


def engagement_from(response: Mapping[str, Any], ref: EngagementRef) -> Engagement:
    """The allow-listed engagement from a DescribeEngagement answer, or UpstreamFailed if the
    answer is unusable (botocore turns a 200 with a non-JSON body into `{}` without raising)."""
    required = ("ContactArn", "EngagementArn", "Sender", "Subject", "Content")
    if not all(isinstance(response.get(name), str) for name in required):
        raise UpstreamFailed("SSM Contacts sent an incomplete answer.")
    if response["EngagementArn"] != ref.arn:
        raise UpstreamFailed("SSM Contacts answered about another engagement.")
    optional = {
        name: response.get(name) for name in ("PublicSubject", "PublicContent", "IncidentId")
    }
    times = {name: response.get(name) for name in ("StartTime", "StopTime")}
    if not all(value is None or isinstance(value, str) for value in optional.values()) or not all(
        value is None or isinstance(value, datetime) for value in times.values()
    ):
        raise UpstreamFailed("SSM Contacts sent an answer of the wrong shape.")
    return Engagement(
        ContactArn=response["ContactArn"],
        EngagementArn=response["EngagementArn"],
        Sender=response["Sender"],
        Subject=response["Subject"],
        Content=response["Content"],
        PublicSubject=optional["PublicSubject"],
        PublicContent=optional["PublicContent"],
        IncidentId=optional["IncidentId"],
        StartTime=times["StartTime"],
        StopTime=times["StopTime"],
    )


def _tagged(error: ProxyError, code: str, request_id: str | None = None) -> ProxyError:
    error.upstream_code = code
    error.upstream_request_id = request_id
    return error


def _client_error(error: ClientError) -> ProxyError:
    # Upstream messages may echo engagement content: never pass them on.
    raw = error.response.get("Error", {}).get("Code")
    code = raw if isinstance(raw, str) and raw in MODELED_ERROR_CODES else UNKNOWN_CODE
    failure: ProxyError
    if code == "ResourceNotFoundException":
        failure = EngagementNotFound("No such engagement.")
    elif code == "ValidationException":
        failure = UpstreamRejected("SSM Contacts rejected the engagement id as invalid.")
    elif code in ("AccessDeniedException", "DataEncryptionException"):
        failure = UpstreamRoleFault("The proxy's own role or key cannot read this engagement.")
    elif code == "ThrottlingException":
        failure = UpstreamThrottled("SSM Contacts is throttling; retry later.", _retry_after(error))
    else:
        failure = UpstreamFailed("SSM Contacts failed to describe the engagement.")
    return _tagged(failure, code, _request_id(error.response))


def _retry_after(error: ClientError) -> int:
    response: Mapping[str, Any] = error.response
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    for candidate in (response.get("RetryAfterSeconds"), headers.get("retry-after")):
        try:
            seconds = int(candidate)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        return max(1, min(seconds, _MAX_RETRY_AFTER_SECONDS))
    return DEFAULT_RETRY_AFTER_SECONDS


def _request_id(response: Mapping[str, Any]) -> str | None:
    # The id comes from a response header, text of the endpoint's choosing: only ids of the
    # usual shape (SSM Contacts sends UUIDs) reach the audit line.
    request_id = response.get("ResponseMetadata", {}).get("RequestId")
    if isinstance(request_id, str) and _REQUEST_ID.fullmatch(request_id):
        return request_id
    return None
