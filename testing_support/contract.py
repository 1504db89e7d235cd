"""The documented contract, written out once as the tests' oracle.

Deliberately not derived from the proxy's own code: an oracle that shares the code under test
cannot catch its mistakes.
"""

from __future__ import annotations

from typing import Final

# The answer's keys, in order (README, "The answer").
ANSWER_KEYS: Final = (
    "ContactArn",
    "EngagementArn",
    "Sender",
    "Subject",
    "Content",
    "PublicSubject",
    "PublicContent",
    "IncidentId",
    "StartTime",
    "StopTime",
    "Redacted",
)
SECURE_FIELDS: Final = ("Subject", "Content")

# What the proxy answers for each local fault switch, by fault name: status and problem slug.
FAULT_ANSWERS: Final = {
    "ThrottlingException": (503, "upstream-throttled"),
    "InternalServerException": (502, "upstream-failed"),
    "AccessDeniedException": (502, "upstream-role-fault"),
    "DataEncryptionException": (502, "upstream-role-fault"),
    "ResourceNotFoundException": (404, "engagement-not-found"),
    "not-json": (502, "upstream-failed"),
    "truncated-json": (502, "upstream-failed"),
    "slow": (504, "upstream-timeout"),
}
