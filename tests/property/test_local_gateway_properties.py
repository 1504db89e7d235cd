"""Properties of the local gateway: whatever a client sends, it answers as API Gateway would,
and never fails with an exception (a request thread that dies leaves its client without an
HTTP answer)."""

from __future__ import annotations

import json
from datetime import datetime

from hypothesis import example, given
from hypothesis import strategies as st

from local.gateway import Gateway
from local.gateway_server import InvalidTarget, content_length, split_target
from local.sigv4 import HttpRequest
from tests.unit.lambda_fakes import Recorder
from tests.unit.test_local_gateway import ALICE, NOW, signed
from tests.unit.test_local_tokens import TRUSTED

# Header values as http.server hands them on: latin-1 text without line breaks.
LATIN_1 = st.text(st.characters(max_codepoint=255, blacklist_characters="\r\n"), max_size=80)
DATES = st.one_of(
    LATIN_1,
    st.builds(
        lambda moment, offset: moment.strftime("%a, %d %b %Y %H:%M:%S ") + offset,
        # datetime's first and last days, where a time zone offset can push past its range
        st.one_of(st.datetimes(), st.sampled_from([datetime.min, datetime.max])),
        st.one_of(
            st.sampled_from(["-2359", "+2359", "-0000", "GMT"]),
            st.from_regex(r"[+-][0-2][0-9][0-5][0-9]", fullmatch=True),
        ),
    ),
    st.builds(lambda moment: moment.strftime("%Y%m%dT%H%M%SZ"), st.datetimes()),
)
AUTHORIZATIONS = st.one_of(
    LATIN_1,
    st.builds(
        lambda scope, names, signature: (
            f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={names}, Signature={signature}"
        ),
        st.one_of(LATIN_1, st.just(f"{ALICE.access_key_id}/20261126/us-east-2/execute-api/x")),
        LATIN_1,
        LATIN_1,
    ),
    LATIN_1.map(lambda token: "Bearer " + token),
)
OTHER_HEADERS = st.tuples(
    st.sampled_from(["Host", "X-Forwarded-For", "Cookie", "Content-Type", "X-Amz-Security-Token"]),
    LATIN_1,
)
PATHS = st.one_of(
    st.just("/engagements/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356"),
    LATIN_1.map(lambda path: "/engagements/" + path),
    LATIN_1.map(lambda path: "/" + path),
)
SIGNED = "as signed"


@given(
    date=st.one_of(st.none(), DATES),
    amz_date=st.one_of(st.just(SIGNED), st.none(), DATES),
    authorization=st.one_of(st.just(SIGNED), st.none(), AUTHORIZATIONS),
    others=st.lists(OTHER_HEADERS, max_size=3),
    path=PATHS,
    query=LATIN_1,
    method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS"]),
    tokens=st.booleans(),
)
@example(
    date="Fri, 31 Dec 9999 23:59:59 -2359",
    amz_date=None,
    authorization=SIGNED,
    others=[],
    path="/engagements/a/b",
    query="",
    method="GET",
    tokens=False,
)
def test_every_request_gets_an_answer_of_api_gateways_kinds(
    date: str | None,
    amz_date: str | None,
    authorization: str | None,
    others: list[tuple[str, str]],
    path: str,
    query: str,
    method: str,
    tokens: bool,
) -> None:
    # Given a signed request whose date and authorization headers are kept, dropped or replaced
    # by arbitrary text, with other headers of arbitrary text, on either entrance
    signed_headers = dict(signed("/engagements/a/b").headers)
    chosen = {"Date": date, "X-Amz-Date": amz_date, "Authorization": authorization}
    headers = [("Host", signed_headers["Host"])]
    for name, value in chosen.items():
        if value == SIGNED:
            headers.append((name, signed_headers[name]))
        elif value is not None:
            headers.append((name, value))
    request = HttpRequest(method, path, query, [*headers, *others], b"", "192.0.2.7")
    gateway = Gateway(
        {ALICE.access_key_id: ALICE},
        Recorder(),
        clock=lambda: NOW,
        tokens=TRUSTED if tokens else None,
    )

    # When the gateway handles it
    reply = gateway.handle(request)

    # Then it answers (no exception) with one of the answers API Gateway gives, as a JSON body
    assert reply.status in (200, 401, 403, 404)
    body = json.loads(reply.body)
    if reply.status == 403:
        assert body["status"] == 403 and body["type"].startswith("urn:problem:")


@given(raw=st.one_of(LATIN_1, st.integers(min_value=0).map(str)))
def test_a_content_length_is_a_number_or_none_never_an_exception(raw: str) -> None:
    # Given any Content-Length value as it arrives
    # When it is read
    length = content_length(raw)

    # Then it is a non-negative number exactly when it is one in ASCII decimal digits
    if length is None:
        assert not (raw.strip().isascii() and raw.strip().isdigit())
    else:
        assert length >= 0


@given(target=st.one_of(LATIN_1, LATIN_1.map(lambda rest: "http://" + rest)))
def test_a_request_target_is_split_or_refused_never_an_exception(target: str) -> None:
    # Given any request target
    # When it is split
    try:
        path, _query = split_target(target)
    except InvalidTarget:
        return

    # Then the path is a path
    assert path.startswith("/") or not target.startswith("/")
