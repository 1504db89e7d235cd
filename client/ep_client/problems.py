"""Every answer but a 200 (and every missing answer) as one line saying what to do next, with
the exit status of its class. Problem answers (application/problem+json) are read for their
type, title, detail and instance; nothing else of a body is ever echoed. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ep_client.endpoint import Endpoint
from ep_client.exits import ExitStatus, Failure
from ep_client.routes import Command
from ep_client.terminal import safe_line, shortened
from ep_client.transport import Answer

TYPE_PREFIX = "urn:problem:engagement-proxy:"
_DETAIL_LIMIT = 400

_OPERATORS = "tell the proxy's operators, quoting the request id."
_RETRY = "Try again shortly; if it persists, " + _OPERATORS


@dataclass(frozen=True)
class Attempt:
    """What ep did, for advice that names the flag or setting to change."""

    endpoint: Endpoint
    command: Command
    signed_region: str | None  # None: a bearer token was sent instead
    reference_region: str | None = None


@dataclass(frozen=True)
class _Said:
    slug: str | None  # the problem type after TYPE_PREFIX
    title: str | None
    detail: str | None
    request_id: str | None


def failure_for(answer: Answer, attempt: Attempt) -> Failure:
    said = _read(answer)
    status, advice = _classify(answer, said, attempt)
    label = safe_line(said.title or _CLASS_WORDS[status])
    kind = f"{answer.status} {safe_line(said.slug)}" if said.slug else str(answer.status)
    detail = _sentence(shortened(safe_line(said.detail), _DETAIL_LIMIT)) if said.detail else ""
    text = " ".join(part for part in (detail, advice) if part)
    if said.request_id:
        text += f" Request id: {safe_line(shortened(said.request_id, 80))}."
    return Failure(status, f"{label} ({kind}): {text}")


def unreachable_failure(reason: str, attempt: Attempt) -> Failure:
    endpoint = attempt.endpoint
    hint = (
        " For local mode, start it with `make local` in the repository."
        if endpoint.loopback
        else " Check EP_URL, your network and VPN."
    )
    return Failure(ExitStatus.UNREACHABLE, f"Cannot reach {endpoint.base}: {reason}.{hint}")


def unreadable_failure(why: str, attempt: Attempt, *, is_json: bool = False) -> Failure:
    """A 200 ep cannot read; when it is JSON nonetheless, `--json` can print it."""
    hint = " `--json` prints it as it came." if is_json else ""
    return Failure(
        ExitStatus.FAILED,
        f"The answer from {attempt.endpoint.base} {why}: is EP_URL the Engagement Proxy?{hint}",
    )


_CLASS_WORDS = {
    ExitStatus.FAILED: "Unexpected answer",
    ExitStatus.USAGE: "Bad request",
    ExitStatus.DENIED: "Denied",
    ExitStatus.NOT_FOUND: "Not found",
    ExitStatus.UPSTREAM: "The proxy failed",
    ExitStatus.UNREACHABLE: "Unreachable",
}


def _read(answer: Answer) -> _Said:
    request_id = answer.header("x-amzn-requestid") or answer.header("apigw-requestid")
    content_type = (answer.header("content-type") or "").split(";")[0].strip().lower()
    if content_type not in ("application/problem+json", "application/json"):
        return _Said(None, None, None, request_id)
    try:
        document: Any = json.loads(answer.body)
    except ValueError:
        return _Said(None, None, None, request_id)
    if not isinstance(document, dict):
        return _Said(None, None, None, request_id)
    problem_type = _text(document.get("type"))
    slug = problem_type.removeprefix(TYPE_PREFIX) if problem_type else None
    # An HTTP API's own answers are {"message": "..."}: the message is their only word.
    detail = _text(document.get("detail")) or _text(document.get("message"))
    instance = _text(document.get("instance"))
    return _Said(slug, _text(document.get("title")), detail, instance or request_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _sentence(text: str) -> str:
    return text if not text or text[-1] in ".!?" else text + "."


def _classify(answer: Answer, said: _Said, attempt: Attempt) -> tuple[ExitStatus, str]:
    status, slug = answer.status, said.slug
    error_type = answer.header("x-amzn-errortype") or ""
    error_type = error_type.split(":")[0]
    if 300 <= status < 400:
        where = safe_line(shortened(answer.header("location") or "elsewhere", 200))
        return ExitStatus.FAILED, (
            f"The endpoint redirects to {where}: set EP_URL to the API's own URL."
        )
    if status in (401, 403):
        return _denied(answer, said, attempt, error_type)
    if status == 404:
        return ExitStatus.NOT_FOUND, _not_found(slug, attempt)
    if status in (400, 405, 413, 415):
        return ExitStatus.USAGE, _usage(slug, attempt)
    if status == 429 or slug in ("throttled", "upstream-throttled"):
        after = answer.header("retry-after")
        wait = f"in {safe_line(shortened(after, 10))} s" if after else "in a few seconds"
        return ExitStatus.UPSTREAM, f"Try again {wait}."
    if status >= 500:
        if slug in ("upstream-role-fault", "misconfigured"):
            return ExitStatus.UPSTREAM, "Nothing to change on your side: " + _OPERATORS
        return ExitStatus.UPSTREAM, _RETRY
    return ExitStatus.FAILED, "ep does not know this answer: `--json` prints it."


def _denied(
    answer: Answer, said: _Said, attempt: Attempt, error_type: str
) -> tuple[ExitStatus, str]:
    region = attempt.signed_region
    if error_type == "MissingAuthenticationTokenException":
        # API Gateway's REST APIs answer a signed request for no route this way, not 404.
        return ExitStatus.NOT_FOUND, _no_route(attempt)
    if region is None and error_type == "IncompleteSignatureException":
        return ExitStatus.DENIED, (
            "This URL is the IAM (SigV4) entrance: unset EP_TOKEN and drop --token to sign "
            "with AWS credentials, or set EP_URL to the token entrance."
        )
    if error_type in ("InvalidSignatureException", "IncompleteSignatureException"):
        return ExitStatus.DENIED, (
            f"ep signed for region {region}: if the API is in another, pass --api-region. "
            "Otherwise check your clock and that the secret key matches the access key."
        )
    if error_type == "ExpiredTokenException" or said.title == "Expired credentials":
        return ExitStatus.DENIED, (
            "Your AWS credentials have expired: refresh them (`aws sso login`, or new keys)."
        )
    if error_type in ("UnrecognizedClientException", "AccessDeniedException"):
        return ExitStatus.DENIED, (
            "API Gateway refused these credentials: check they are current and of the account "
            "you mean (`aws sts get-caller-identity`), and that the API lets your account or "
            "role in (its allowed_accounts, allowed_org_ids, allowed_principals)."
        )
    if answer.status == 401:
        if region is not None:
            return ExitStatus.DENIED, (
                "This URL is the token entrance: pass --token or set EP_TOKEN, or set EP_URL "
                "to the IAM entrance to sign with AWS credentials."
            )
        why = _bearer_error(answer.header("www-authenticate"))
        return ExitStatus.DENIED, f"The token was refused{why}: get a fresh one."
    if said.slug == "access-denied":
        return ExitStatus.DENIED, (
            "The proxy's access policy gives you no tier: ask its operators to add your role, "
            "account or group."
        )
    if region is None:
        return ExitStatus.DENIED, (
            "The token entrance refused the token: it may lack the scope the API requires."
        )
    return ExitStatus.DENIED, "Check your credentials and that the API lets you in."


def _bearer_error(challenge: str | None) -> str:
    marker = 'error_description="'
    if not challenge or marker not in challenge:
        return ""
    description = challenge.split(marker, 1)[1].split('"', 1)[0]
    return f" ({safe_line(shortened(description, 120))})"


def _not_found(slug: str | None, attempt: Attempt) -> str:
    if slug == "engagement-not-found":
        if attempt.reference_region is None:
            return "Check its account, or pass --region for another served region."
        return "Check the account and region in the ARN."
    if slug == "incident-not-found":
        return "Check the incident's account; --region narrows the search to one region."
    return _no_route(attempt)


def _no_route(attempt: Attempt) -> str:
    endpoint = attempt.endpoint
    if endpoint.loopback and endpoint.path:
        root = endpoint.base.removesuffix(endpoint.path)
        return f"Local mode has no stage: set EP_URL to {root}, without {endpoint.path}."
    if not endpoint.loopback and endpoint.region is not None and not endpoint.path:
        return "The IAM entrance's URL ends with its stage: add it to EP_URL (e.g. /v1)."
    return (
        f"No such route at {endpoint.base}: check EP_URL, and that this proxy already serves "
        f"`ep {attempt.command.value}`."
    )


def _usage(slug: str | None, attempt: Attempt) -> str:
    if slug == "invalid-time-window":
        return "Give --since and --until as RFC 3339 or an age (2h), at most 7 days apart."
    if slug in ("invalid-engagement-id", "invalid-incident-id", "rejected-upstream"):
        return "Check the id and --region."
    return ""
