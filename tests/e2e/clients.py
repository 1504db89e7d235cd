"""Real clients for the local stack: urllib with botocore's SigV4 signer, and the machine's curl."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.sigv4 import SERVICE, LocalIdentity, load_identities
from local.stack import IDENTITIES_PATH, REGION
from local.tokens import DISCOVERY_PATH, JWKS_PATH
from tests.openapi_check import assert_answer_matches_contract

IDENTITIES = load_identities(IDENTITIES_PATH)


def identity(role: str) -> LocalIdentity:
    """The local identity whose session is of `role` (the ROLE in assumed-role/ROLE/session)."""
    return next(
        entry for entry in IDENTITIES.values() if f":assumed-role/{role}/" in entry.user_arn
    )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def request_id(self) -> str:
        return str(self.headers["x-amzn-RequestId"])


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            answer = Answer(error.code, error.headers, error.read())
    return checked(method, url, headers or {}, answer)


# Local mode's identity provider shares the port; it is not part of the API.
_PROVIDER_PATHS = (JWKS_PATH, DISCOVERY_PATH)


def checked(method: str, url: str, sent: Mapping[str, str], answer: Answer) -> Answer:
    """`answer`, once it is shown to be one docs/openapi.yaml allows: every answer of the
    end-to-end suite is checked against the contract."""
    if urlsplit(url).path not in _PROVIDER_PATHS:
        assert_answer_matches_contract(
            method, url, sent, answer.status, answer.headers, answer.body
        )
    return answer


def signature_headers(
    url: str,
    who: LocalIdentity,
    *,
    region: str = REGION,
    at: datetime | None = None,
    session_token: str | None = None,
    method: str = "GET",
) -> dict[str, str]:
    """The headers botocore's SigV4 signer adds, as a dashboard backend would send them;
    `at` (naive UTC) signs as if the clock said so."""
    request = AWSRequest(method=method, url=url)
    credentials = Credentials(who.access_key_id, who.secret_access_key, session_token)
    signer = SigV4Auth(credentials, SERVICE, region)
    if at is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=at):
            signer.add_auth(request)
    return dict(request.headers.items())


def signed_get(url: str, who: LocalIdentity, **signing: Any) -> Answer:
    return get(url, signature_headers(url, who, **signing))


def curl_has_sigv4() -> bool:
    curl = shutil.which("curl")
    if curl is None:
        return False
    help_text = subprocess.run([curl, "--help", "all"], capture_output=True, text=True, check=False)
    return "--aws-sigv4" in help_text.stdout


def curl_get(url: str, who: LocalIdentity) -> tuple[Answer, str]:
    """GET with `curl --aws-sigv4`, exactly as the printed commands do; also curl's -v trace."""
    with tempfile.TemporaryDirectory() as scratch:
        head, body = Path(scratch, "head"), Path(scratch, "body")
        completed = subprocess.run(
            [
                "curl",
                "-sS",
                "-v",
                "--aws-sigv4",
                f"aws:amz:{REGION}:{SERVICE}",
                "--user",
                f"{who.access_key_id}:{who.secret_access_key}",
                "-D",
                str(head),
                "-o",
                str(body),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        status_line, _, header_block = head.read_bytes().partition(b"\r\n")
        headers = BytesHeaderParser().parsebytes(header_block)
        answer = Answer(int(status_line.split()[1]), headers, body.read_bytes())
        # curl signs with SigV4: the IAM entrance.
        return checked("GET", url, {}, answer), completed.stderr


def curl_bearer(url: str, token: str, headers: dict[str, str] | None = None) -> Answer:
    """GET with this machine's curl and a bearer token, as `make local` prints it."""
    sent = {"Authorization": f"Bearer {token}", **(headers or {})}
    with tempfile.TemporaryDirectory() as scratch:
        head, body = Path(scratch, "head"), Path(scratch, "body")
        subprocess.run(
            [
                "curl",
                "-sS",
                *(arg for name, value in sent.items() for arg in ("-H", f"{name}: {value}")),
            ]
            + ["-D", str(head), "-o", str(body), url],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        status_line, _, header_block = head.read_bytes().partition(b"\r\n")
        headers_read = BytesHeaderParser().parsebytes(header_block)
        answer = Answer(int(status_line.split()[1]), headers_read, body.read_bytes())
        return checked("GET", url, sent, answer)
