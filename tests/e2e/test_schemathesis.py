"""Schemathesis, a third-party property-based API tester, explores docs/openapi.yaml against
local mode, as every kind of caller: signed with SigV4, with bearer tokens, and with nothing.

Beside its own checks (no 5xx, status, media type, headers and body as documented, invalid
input refused, authentication enforced), each answer must hold no secure text below the full
tier, and match the tier's caching rules (tests/openapi_check.py). `make test` runs a few
examples per operation and caller; `make fuzz` many (SCHEMATHESIS_MAX_EXAMPLES).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import pytest
import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from schemathesis.checks import not_a_server_error

from engagement_proxy.service import ROUTES
from local.sigv4 import SERVICE, LocalIdentity
from local.ssm_faults import RESERVED_PREFIX
from local.stack import REGION
from local.tokens import load_signing_key, load_token_identities, mint_token
from testing_support.secure_text import secure_receipt_infos, secure_texts
from testing_support.stack import RunningStack
from tests.e2e.clients import identity
from tests.openapi_check import DOCUMENT_PATH, assert_answer_matches_contract, documented_routes

pytestmark = pytest.mark.e2e

# `make test`: a few examples per operation and caller, repeatable (a fixed seed). `make fuzz`
# (HYPOTHESIS_PROFILE=fuzz): many, a fresh seed each run, and Schemathesis' coverage phase
# (boundary values and other methods), whose cases take about 25 s to build.
FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100" if FUZZ else "6"))
# Only documented upstream failures may be 5xx, and local mode gives them only for the ids
# of its fault switches.
UPSTREAM_FAILURES = (502, 503, 504)

CONFIG = schemathesis.Config.from_dict(
    {
        **({} if FUZZ else {"seed": 1}),
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "phases": {
            # Methods the API lacks get API Gateway's own answer (tests/openapi_check.py checks
            # it). TRACE is left out: local mode answers it with http.server's 501 page.
            "coverage": {
                "enabled": FUZZ,
                "unexpected-methods": ["DELETE", "OPTIONS", "PATCH", "POST", "PUT"],
            },
        },
        "checks": {
            # API Gateway answers a method a resource lacks as it answers a missing resource
            # (403 on the REST API, 404 on the HTTP API), never 405.
            "unsupported_method": {"enabled": False},
            # A well-formed id can name a region this deployment does not serve, and a
            # well-formed window can be backwards or longer than 7 days: only the deployment
            # and the arithmetic know, not a schema. 400 is the documented answer to both.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "429", "5xx"]
            },
        },
    }
)
# Routes the document describes but the handler does not serve yet are left out until they
# land (the document marks them planned; tests/unit/test_openapi_document.py keeps both exact).
NOT_YET_SERVED = sorted(set(documented_routes()) - {route.template for route in ROUTES})
schema: schemathesis.BaseSchema = schemathesis.openapi.from_path(DOCUMENT_PATH, config=CONFIG)
if NOT_YET_SERVED:
    schema = schema.exclude(path=NOT_YET_SERVED)


class SigV4Signed(requests.auth.AuthBase):
    """botocore's SigV4 over the request as it will be sent, as an AWS SDK client signs it."""

    def __init__(self, who: LocalIdentity) -> None:
        self.credentials = Credentials(who.access_key_id, who.secret_access_key)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        assert request.url is not None
        # requests writes a space in the query as `+`; SigV4 canonicalises every query value
        # percent-encoded, so an SDK sends them that way (`%20`) and signs what it sends.
        parts = urlsplit(request.url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
        request.url = urlunsplit(parts._replace(query=query))
        signed = AWSRequest(method=request.method, url=request.url)
        SigV4Auth(self.credentials, SERVICE, REGION).add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        return request


class BearerToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@dataclass(frozen=True)
class Caller:
    auth: requests.auth.AuthBase | None
    tier: str  # what local/policy.json gives it: full, redacted, deny; or "anonymous"


def _token(name: str) -> BearerToken:
    return BearerToken(mint_token(load_token_identities()[name], load_signing_key()))


CALLERS = {
    "sigv4-full": Caller(SigV4Signed(identity("IncidentCommander")), "full"),
    "sigv4-redacted": Caller(SigV4Signed(identity("SRE")), "redacted"),
    "sigv4-denied": Caller(SigV4Signed(identity("Anyone")), "deny"),
    "token-full": Caller(_token("commander"), "full"),
    "token-redacted": Caller(_token("sre"), "redacted"),
    "token-denied": Caller(_token("stranger"), "deny"),
    "unsigned": Caller(None, "anonymous"),
}
SECURE_TEXTS = [*secure_texts(), *secure_receipt_infos()]


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        opened.trust_env = False  # straight to loopback, whatever the shell's proxy settings
        yield opened


def names_a_fault_switch(case: schemathesis.Case[Any]) -> bool:
    return any(RESERVED_PREFIX in unquote(str(value)) for value in case.path_parameters.values())


def secure_text_in(payload: bytes) -> list[str]:
    """The secure texts of the local seed that `payload` holds, as is or JSON-escaped."""
    return [
        text
        for text in SECURE_TEXTS
        if text.encode() in payload or json.dumps(text)[1:-1].encode() in payload
    ]


@pytest.mark.parametrize("caller", list(CALLERS))
@schema.parametrize()
def test_api_as_documented(
    case: schemathesis.Case[Any],
    caller: str,
    local_stack: RunningStack,
    session: requests.Session,
) -> None:
    # Given a request Schemathesis generated from the document, from one kind of caller
    who = CALLERS[caller]
    # When it is sent to local mode
    response = case.call(base_url=local_stack.url, session=session, auth=who.auth, timeout=30)
    # Then Schemathesis' checks pass: a 5xx only as a documented upstream failure, which
    # local mode gives only for a fault switch's id
    faulted = names_a_fault_switch(case) and response.status_code in UPSTREAM_FAILURES
    case.validate_response(
        response,
        excluded_checks=[not_a_server_error] if faulted else [],
        transport_kwargs={"base_url": local_stack.url, "auth": who.auth, "session": session},
    )
    # And the answer is one the document allows, caching rules of the tier included
    sent = response.request
    assert sent.url is not None and sent.method is not None
    assert_answer_matches_contract(
        sent.method,
        sent.url,
        {name: str(value) for name, value in sent.headers.items()},
        response.status_code,
        response.headers,
        response.content,
    )
    # And each caller gets what its tier allows: nothing without an identity or a tier, no
    # secure text below the full tier, in the body or any header
    wire = response.content + json.dumps(dict(response.headers)).encode()
    if sent.method == "GET" and who.tier == "deny":
        assert response.status_code == 403
    if sent.method == "GET" and who.tier == "anonymous":
        # Schemathesis may send an Authorization of its own making: an invalid token's 401.
        assert response.status_code in (401, 403)
    if who.tier != "full":
        assert secure_text_in(wire) == []
    if response.status_code == 200 and "Redacted" in response.json():
        assert (response.json()["Redacted"] == []) is (who.tier == "full")
