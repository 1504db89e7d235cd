"""What the user pasted, as the path segment the proxy takes: engagements and incidents in any
spelling (CONTACT/UUID, raw ARN, percent-encoded ARN), whitespace and chat punctuation trimmed.
Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ep_client.exits import ExitStatus, Failure

# Chat windows and markdown wrap what is pasted from them; a sentence ends after it.
_WRAPPERS = (("`", "`"), ('"', '"'), ("'", "'"), ("<", ">"))
_TRAILING = ".,;/"
_PRINTABLE = re.compile(r"[\x21-\x7e]+", re.ASCII)
# No segment may start with a dot: `..` would climb out of the route when the path is resolved.
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_SHORT_FORM = re.compile(f"{_SEGMENT}/{_SEGMENT}", re.ASCII)
_ENGAGEMENT_EXAMPLE = "arn:aws:ssm-contacts:REGION:ACCOUNT:engagement/CONTACT/UUID"
_INCIDENT_EXAMPLE = "arn:aws:ssm-incidents::ACCOUNT:incident-record/PLAN/ID"


@dataclass(frozen=True)
class Reference:
    """`text` is what the user means (decoded), `segment` what goes in the path: an ARN
    percent-encoded as one segment (colons and slashes too: every SigV4 signer and API Gateway
    then agree on it), or CONTACT/UUID as is. `region` is the ARN's, if it names one."""

    text: str
    segment: str
    region: str | None


def engagement_reference(raw: str) -> Reference:
    text = _cleaned(raw, "ENGAGEMENT")
    if not text.startswith("arn:"):
        return _short_form(text, "CONTACT/ENGAGEMENT-UUID", _ENGAGEMENT_EXAMPLE)
    service, region, resource = _arn_parts(text, _ENGAGEMENT_EXAMPLE)
    if service == "ssm-contacts" and resource.startswith("engagement/"):
        return Reference(text, quote(text, safe=""), region or None)
    if service == "ssm-incidents" and resource.startswith("incident-record/"):
        raise _usage("That is an incident record ARN: use `ep incident` for it.")
    if service == "ssm-contacts" and resource.startswith("page/"):
        raise _usage(
            "That is a page ARN: `ep get` and `ep pages` take its engagement's ARN "
            "(EngagementArn in `ep pages --json`)."
        )
    raise _usage(f"That is not an engagement ARN: paste one like {_ENGAGEMENT_EXAMPLE}.")


def incident_reference(raw: str) -> Reference:
    text = _cleaned(raw, "INCIDENT")
    if not text.startswith("arn:"):
        return _short_form(text, "RESPONSE-PLAN/INCIDENT-ID", _INCIDENT_EXAMPLE)
    service, _, resource = _arn_parts(text, _INCIDENT_EXAMPLE)
    if service == "ssm-incidents" and resource.startswith("incident-record/"):
        return Reference(text, quote(text, safe=""), None)
    if service == "ssm-contacts" and resource.startswith("engagement/"):
        raise _usage("That is an engagement ARN: use `ep get` or `ep pages` for it.")
    raise _usage(f"That is not an incident record ARN: paste one like {_INCIDENT_EXAMPLE}.")


def _cleaned(raw: str, name: str) -> str:
    text = raw.strip()
    for opening, closing in _WRAPPERS:
        if len(text) >= 2 and text.startswith(opening) and text.endswith(closing):
            text = text[1:-1].strip()
            break
    text = text.rstrip(_TRAILING)
    if "%" in text:
        try:
            # Once, as the proxy decodes it: `%253A` stays `%3A`, which the proxy refuses.
            text = unquote(text, errors="strict")
        except UnicodeDecodeError:
            raise _usage(f"{name} is not valid percent-encoded UTF-8.") from None
    if not text:
        raise _usage(f"{name} is empty: paste the ARN, or give it as an argument.")
    if _PRINTABLE.fullmatch(text) is None:
        raise _usage(f"{name} holds spaces, control or non-ASCII characters: paste only the ARN.")
    return text


def _arn_parts(text: str, example: str) -> tuple[str, str, str]:
    parts = text.split(":", 5)
    if len(parts) != 6 or not all(parts[index] for index in (1, 2, 5)):
        raise _usage(f"That ARN is incomplete: paste one like {example}.")
    return parts[2], parts[3], parts[5]


def _short_form(text: str, shape: str, example: str) -> Reference:
    if _SHORT_FORM.fullmatch(text) is None:
        raise _usage(f"Name it as {shape} or by its ARN ({example}).")
    return Reference(text, text, None)


def _usage(line: str) -> Failure:
    return Failure(ExitStatus.USAGE, line)
