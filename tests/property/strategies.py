"""Hypothesis strategies: requests from hostile callers, SSM Contacts answers, access policies."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from hypothesis import strategies as st

from engagement_proxy.identity import Caller, IamPrincipal
from engagement_proxy.policy import Rule, Tier, parse_access_policy
from testing_support.events import (
    ANONYMOUS,
    COMMANDER,
    CONTRACTOR,
    DASHBOARD,
    EXAMPLE_CONTACT,
    EXAMPLE_UUID,
    ISSUER,
    OTHER_ISSUER,
    SERVED_ACCOUNT,
    SRE,
    STRANGER,
    TOKEN_COMMANDER,
    TOKEN_CONTRACTOR,
    TOKEN_FOREIGN_COMMANDER,
    TOKEN_SRE,
    TOKEN_STRANGER,
    Token,
    http_event,
    rest_event,
    token,
)
from tests.property.conftest import Answer, Wire

# --- requests ----------------------------------------------------------------------------------

PREFIX = "/engagements/"
SERVED_REGIONS = ("us-east-2", "us-west-2")
ODD_REGIONS = ("eu-west-1", "cn-north-1", "us-gov-west-1", "US-EAST-2", "us-east-2 ", "", "x")
ODD_PREFIXES = (
    "",
    "/",
    "/engagements",
    "/engagement/",
    "/Engagements/",
    "//engagements/",
    "/engagements//",
    "/prod/engagements/",
    "/engagements/../engagements/",
    "/engagements%2F",
    "/%65ngagements/",
)
# Pieces that have broken URL handling elsewhere: partial and double escapes, encoded
# separators, NUL, CR/LF, overlong and invalid UTF-8, bidi overrides, astral characters.
PIECES = (
    "%",
    "%2",
    "%2F",
    "%2f",
    "%25",
    "%252F",
    "%253A",
    "%3A",
    "%00",
    "%0A",
    "%0D%0A",
    "%C3%A9",
    "%C0%AF",
    "%FF",
    "%E2%80",
    "%zz",
    "/",
    "//",
    "..",
    "../",
    ":",
    "?",
    "#",
    ";",
    " ",
    "+",
    "\x00",
    "\n",
    "\r\n",
    "\t",
    "\x7f",
    "\u00e9",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "arn:",
    "engagement/",
)
METHODS = ("HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "get", "")

contacts = st.one_of(st.just(EXAMPLE_CONTACT), st.from_regex(r"[a-z0-9_-]{1,24}", fullmatch=True))
engagement_uuids = st.one_of(st.just(EXAMPLE_UUID), st.uuids().map(str))
regions = st.one_of(st.sampled_from(SERVED_REGIONS), st.sampled_from(ODD_REGIONS))
short_ids = st.builds("{}/{}".format, contacts, engagement_uuids)
arn_ids = st.builds(
    "arn:{}:ssm-contacts:{}:{}:engagement/{}/{}".format,
    st.sampled_from(("aws", "aws", "aws-cn", "aws-us-gov", "AWS", "")),
    regions,
    st.sampled_from((SERVED_ACCOUNT, SERVED_ACCOUNT, "444455556666", "11112222333")),
    contacts,
    engagement_uuids,
)
garbage = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=12).map("".join),
)


@st.composite
def encoded(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """`texts` percent-encoded in one of the ways a caller might: not at all, reserved
    characters only, everything, twice, separators only, or a random selection."""
    text = draw(texts)
    how = draw(st.sampled_from(("plain", "plain", "reserved", "all", "twice", "slash", "some")))
    if how == "reserved":
        return quote(text, safe="/:")
    if how == "all":
        return quote(text, safe="")
    if how == "twice":
        return quote(quote(text, safe=""), safe="")
    if how == "slash":
        return text.replace("/", "%2F")
    if how == "some":
        flags = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(
            quote(c, safe="") if flag else c for c, flag in zip(text, flags, strict=True)
        )
    return text


@st.composite
def mutated(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A span of `text` replaced by hostile pieces."""
    text = draw(texts)
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(garbage) + text[end:]


# Very long paths without asking hypothesis for thousands of random characters: a short piece
# repeated, around the 2,048 and 6,144 character limits and beyond.
long_paths = st.builds(
    lambda piece, times, tail: piece * times + tail,
    st.sampled_from(("a", "%41", "/", "%2F", "%25", "\u00e9", "%C3%A9", "arn:")),
    st.integers(0, 7000),
    st.one_of(st.just(""), short_ids),
)
engagement_texts = st.one_of(short_ids, arn_ids)
path_tails = st.one_of(
    encoded(engagement_texts),
    encoded(engagement_texts),
    mutated(encoded(engagement_texts)),
    garbage,
    long_paths,
)
paths = st.builds(
    "{}{}".format,
    st.one_of(st.just(PREFIX), st.just(PREFIX), st.just(PREFIX), st.sampled_from(ODD_PREFIXES)),
    path_tails,
)

region_values = st.one_of(
    st.sampled_from(SERVED_REGIONS),
    st.sampled_from(ODD_REGIONS),
    st.sampled_from(("us-east-2,us-west-2", "us-east-2&region=eu-west-1", "%75s-east-2")),
    st.text(max_size=20),
)
query_names = st.one_of(
    st.just("region"), st.sampled_from(("Region", "REGION", "region[]", "")), st.text(max_size=8)
)
queries = st.one_of(
    st.none(),
    st.dictionaries(query_names, st.lists(region_values, min_size=1, max_size=3), max_size=3),
)

if_none_match_values = st.one_of(
    st.sampled_from(("*", '"', '""', "W/", 'W/"x"', ",", " , ,", '*, "x"', '"' + "0" * 32 + '"')),
    st.lists(st.text(max_size=36), max_size=4).map(", ".join),
    st.text(max_size=60),
)
header_names = st.one_of(
    st.sampled_from(("If-None-Match", "if-none-match", "IF-NONE-MATCH")),
    st.sampled_from(("Authorization", "Accept", "X-Forwarded-For", "Host", "Cookie", "Range")),
    st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
)
headers = st.dictionaries(
    header_names, st.one_of(if_none_match_values, st.text(max_size=40)), max_size=4
)
methods = st.one_of(st.just("GET"), st.just("GET"), st.just("GET"), st.sampled_from(METHODS))

# --- callers -----------------------------------------------------------------------------------

ON_CALL = {
    "userArn": "arn:aws:sts::123412341234:assumed-role/OnCall-Platform/dave",
    "accountId": "123412341234",
    "principalOrgId": None,
    "caller": "AROAEXAMPLEONCALL:dave",
}
FULL_IDENTITIES = (COMMANDER, ON_CALL)
BELOW_FULL_IDENTITIES = (SRE, DASHBOARD, CONTRACTOR, STRANGER, ANONYMOUS)
FULL_CLAIMS = (TOKEN_COMMANDER,)
BELOW_FULL_CLAIMS = (TOKEN_SRE, TOKEN_CONTRACTOR, TOKEN_STRANGER, TOKEN_FOREIGN_COMMANDER)
ARN_SHAPES = (
    "arn:{p}:sts::{a}:assumed-role/{n}/{s}",
    "arn:{p}:sts::{a}:assumed-role/{n}",
    "arn:{p}:iam::{a}:role/{n}",
    "arn:{p}:iam::{a}:role/team/{n}",
    "arn:{p}:iam::{a}:user/{n}",
    "arn:{p}:iam::{a}:root",
    "arn:{p}:sts::{a}:federated-user/{n}",
    "arn:{p}:sts::{a}:assumed-role/{n}/{s}\n",
    "{n}",
)
NAMES = ("IncidentCommander", "OnCall-Platform", "SRE", "Dashboard", "Contractor", "Anyone")
BELOW_FULL_NAMES = ("SRE", "Dashboard", "Contractor", "Incident-Commander", "OnCall")
ACCOUNTS = (SERVED_ACCOUNT, "444455556666", "777788889999", "999900001111")
ODD_VALUES = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.booleans())


@st.composite
def generated_identities(draw: st.DrawFn, names: tuple[str, ...] = NAMES) -> dict[str, Any]:
    """`requestContext.identity` with a random, often almost valid, userArn and account."""
    account = draw(
        st.one_of(st.sampled_from(ACCOUNTS), st.from_regex(r"\d{10,13}", fullmatch=True))
    )
    name = draw(
        st.one_of(
            st.sampled_from(names),
            st.from_regex(r"[\w+=,.@-]{1,40}", fullmatch=True),
            st.text(max_size=20),
        )
    )
    arn = draw(st.sampled_from(ARN_SHAPES)).format(
        p=draw(st.sampled_from(("aws", "aws", "aws-cn", "aws-us-gov", "aws-iso", ""))),
        a=account,
        n=name,
        s=draw(st.one_of(st.just("session"), st.text(max_size=70))),
    )
    return {
        "userArn": draw(st.one_of(st.just(arn), st.just(arn), ODD_VALUES)),
        "accountId": draw(st.one_of(st.just(account), st.just(account), ODD_VALUES)),
        "principalOrgId": draw(
            st.one_of(st.sampled_from(("o-a1b2c3d4e5", "o-0000000000", "")), ODD_VALUES)
        ),
        "caller": draw(st.one_of(st.none(), st.text(max_size=30))),
    }


GROUP_NAMES = ("incident-commanders", "sre", "staff", "marketing")
BELOW_FULL_GROUPS = ("sre", "staff", "marketing", "incident-commander")
SUBJECT_NAMES = ("00u-commander", "00u-sre", "00u-contractor-7", "00u-stranger")


@st.composite
def generated_claims(draw: st.DrawFn, group_names: tuple[str, ...] = GROUP_NAMES) -> dict[str, Any]:
    """JWT authorizer claims: the usual ones with random values, and random extra ones."""
    group_list = draw(
        st.lists(st.one_of(st.sampled_from(group_names), st.text(max_size=12)), max_size=4)
    )
    groups = draw(
        st.one_of(
            st.just("[" + " ".join(group_list) + "]"),
            st.just(group_list),
            st.just(" ".join(group_list)),
            ODD_VALUES,
        )
    )
    found = {
        "iss": draw(st.one_of(st.sampled_from((ISSUER, OTHER_ISSUER, ISSUER + "/")), ODD_VALUES)),
        "sub": draw(st.one_of(st.sampled_from(SUBJECT_NAMES), ODD_VALUES)),
        "groups": groups,
        "email": draw(ODD_VALUES),
        "name": draw(ODD_VALUES),
        **draw(st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3)),
    }
    return {name: value for name, value in found.items() if value is not None}


# Group names that have broken claim handling: spaces of every kind, brackets, quotes, commas.
ODD_GROUP_PIECES = (" ", "\u00a0", "\u3000", "\t", "[", "]", '"', ",", "map[", "<nil>", "\u00e9")


@st.composite
def generated_tokens(draw: st.DrawFn, group_names: tuple[str, ...] = GROUP_NAMES) -> Token:
    """Real tokens with random groups (whole names built from odd pieces too), and sometimes
    next to claims that are not theirs: another token's, or the flattened groups altered."""
    name = st.lists(
        st.one_of(st.sampled_from(group_names), st.sampled_from(ODD_GROUP_PIECES)), max_size=4
    ).map("".join)
    groups = draw(st.one_of(st.none(), st.lists(st.one_of(name, st.text(max_size=12)), max_size=4)))
    issued = token(
        draw(st.sampled_from(SUBJECT_NAMES)),
        groups,
        issuer=draw(mostly(st.just(ISSUER), st.sampled_from((OTHER_ISSUER, ISSUER + "/")))),
    )
    how = draw(st.sampled_from(("honest", "honest", "other-subject", "groups-claim-edited")))
    if how == "other-subject":
        other = token("00u-commander", ["incident-commanders"])
        return Token(issued.payload, {**other.claims, "sub": issued.payload["sub"]})
    if how == "groups-claim-edited":
        return Token(issued.payload, {**issued.claims, "groups": "[incident-commanders]"})
    return issued


def below_full_identity(identity: dict[str, Any]) -> bool:
    """True when the deployed POLICY cannot give this REST identity the full tier: its full rules
    name only the IncidentCommander role and OnCall-* roles (checked without the code's help)."""
    arn = str(identity.get("userArn")).lower()
    return "incidentcommander" not in arn and "oncall-" not in arn


def below_full_claims(found: dict[str, Any] | Token) -> bool:
    """True when the deployed POLICY cannot give these claims (or this token) the full tier: its
    one full token rule is the incident-commanders group."""
    groups = found.payload.get("groups") if isinstance(found, Token) else found.get("groups")
    return "incident-commanders" not in str(groups)


# (entrance, identity): "rest" with requestContext.identity, "http" with a token or bare claims.
Who = tuple[str, dict[str, Any] | Token | None]
any_callers: st.SearchStrategy[Who] = st.one_of(
    st.tuples(
        st.just("rest"),
        st.one_of(
            st.sampled_from((*FULL_IDENTITIES, *BELOW_FULL_IDENTITIES)),
            generated_identities(),
            st.none(),
        ),
    ),
    st.tuples(
        st.just("http"),
        st.one_of(
            st.sampled_from((*FULL_CLAIMS, *BELOW_FULL_CLAIMS)),
            generated_claims(),
            generated_tokens(),
            st.none(),
        ),
    ),
)
below_full_callers: st.SearchStrategy[Who] = st.one_of(
    st.tuples(
        st.just("rest"),
        st.one_of(
            st.sampled_from(BELOW_FULL_IDENTITIES),
            generated_identities(BELOW_FULL_NAMES).filter(below_full_identity),
        ),
    ),
    st.tuples(
        st.just("http"),
        st.one_of(
            st.sampled_from(BELOW_FULL_CLAIMS),
            generated_claims(BELOW_FULL_GROUPS).filter(below_full_claims),
            generated_tokens(BELOW_FULL_GROUPS).filter(below_full_claims),
        ),
    ),
)


@dataclass(frozen=True)
class Request:
    """One request as a caller makes it, through either entrance."""

    entrance: str
    identity: dict[str, Any] | Token | None
    path: str
    method: str = "GET"
    query: dict[str, list[str]] | None = None
    headers: dict[str, str] | None = None

    def event(self) -> dict[str, Any]:
        options: dict[str, Any] = {"method": self.method, "query": self.query}
        if self.entrance == "http":
            return http_event(self.path, self.identity, headers=self.headers, **options)
        identity = self.identity if not isinstance(self.identity, Token) else None
        return rest_event(self.path, identity, headers=self.headers, **options)

    def by(self, who: Who) -> Request:
        """The same request from another caller, through that caller's entrance."""
        entrance, identity = who
        return Request(entrance, identity, self.path, self.method, self.query, self.headers)


def _request(
    who: Who,
    path: str,
    method: str,
    query: dict[str, list[str]] | None,
    found_headers: dict[str, str],
) -> Request:
    return Request(who[0], who[1], path, method, query, found_headers)


# Requests that mostly get as far as SSM Contacts: a GET for an engagement the proxy serves,
# spelled and encoded in any valid way, by callers the policy lets in, with odd headers.
served_arns = st.builds(
    "arn:aws:ssm-contacts:{}:{}:engagement/{}/{}".format,
    st.sampled_from(SERVED_REGIONS),
    st.just(SERVED_ACCOUNT),
    contacts,
    engagement_uuids,
)
plausible_paths = st.builds(
    "{}{}".format,
    st.just(PREFIX),
    encoded(st.one_of(short_ids, served_arns)),
)
plausible_queries = st.one_of(
    st.none(),
    st.builds(lambda region: {"region": [region]}, st.sampled_from(SERVED_REGIONS)),
    queries,
)
served_callers: st.SearchStrategy[Who] = st.sampled_from(
    (
        ("rest", COMMANDER),
        ("rest", ON_CALL),
        ("rest", SRE),
        ("rest", DASHBOARD),
        ("http", TOKEN_COMMANDER),
        ("http", TOKEN_SRE),
    )
)
redacted_callers: st.SearchStrategy[Who] = st.sampled_from(
    (("rest", SRE), ("rest", DASHBOARD), ("http", TOKEN_SRE))
)
full_callers: st.SearchStrategy[Who] = st.sampled_from(
    (("rest", COMMANDER), ("rest", ON_CALL), ("http", TOKEN_COMMANDER))
)


def requests(
    who: st.SearchStrategy[Who] = any_callers, likely: st.SearchStrategy[Who] = served_callers
) -> st.SearchStrategy[Request]:
    """Half hostile requests from `who`; half plausible ones, mostly from `likely` callers."""
    hostile = st.builds(_request, who, paths, methods, queries, headers)
    return st.one_of(hostile, plausible_requests(st.one_of(likely, likely, who)))


def plausible_requests(who: st.SearchStrategy[Who]) -> st.SearchStrategy[Request]:
    """GETs for an engagement the proxy serves, in any valid spelling, with odd headers."""
    return st.builds(_request, who, plausible_paths, st.just("GET"), plausible_queries, headers)


# --- SSM Contacts answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Secrets:
    """Distinctive secure text: each value carries an ASCII marker at both ends, so even a
    truncated or re-encoded copy is found."""

    subject: str
    content: str

    def traces(self) -> list[str]:
        """Every form in which the secure text could show up in bytes a caller or log gets."""
        found: list[str] = []
        for value in (self.subject, self.content):
            head, _, rest = value.partition("~")
            tail = rest.rpartition("~")[2]
            found += [
                value,
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=False)[1:-1],
                head,
                tail,
            ]
        return found


@st.composite
def secrets(draw: st.DrawFn) -> Secrets:
    token = draw(st.from_regex(r"[0-9a-f]{8}", fullmatch=True))
    subject = f"SECRETSUBJECT{token}~{draw(st.text(max_size=30))}~{token}TCEJBUSTERCES"
    content = f"SECRETCONTENT{token}~{draw(st.text(max_size=60))}~{token}TNETNOCTERCES"
    return Secrets(subject, content)


public_texts = st.one_of(st.none(), st.text(max_size=40).filter(lambda text: "SECRET" not in text))
# JSON-protocol timestamps are epoch seconds; odd ones too (negative, far future, strings).
timestamps = st.one_of(
    st.none(),
    st.floats(0, 4_102_444_800, allow_nan=False).map(lambda seconds: round(seconds, 3)),
    st.integers(-(2**40), 2**40),
    st.sampled_from(("2021-05-18T18:25:41Z", "", "soon")),
)
UNKNOWN_MEMBERS = ("SubjectHtml", "SecureSummary", "Transcript", "Content2", "Subject ")


@dataclass(frozen=True)
class EngagementAnswer:
    """A 200 with an engagement holding `secrets`, about the engagement asked for (or not)."""

    secrets: Secrets
    members: dict[str, Any]
    about_another: bool
    ascii_only: bool

    def __call__(self, engagement_id: str) -> Wire | Exception:
        contact = (
            engagement_id.split(":engagement/")[0] + ":contact/" + engagement_id.split("/")[-2]
        )
        document = {
            "ContactArn": contact,
            "EngagementArn": engagement_id + ("-other" if self.about_another else ""),
            "Sender": "incident-manager",
            "Subject": self.secrets.subject,
            "Content": self.secrets.content,
            **self.members,
        }
        body = json.dumps(document, ensure_ascii=self.ascii_only).encode()
        return Wire(200, body)


@st.composite
def engagement_answers(draw: st.DrawFn, found: Secrets | None = None) -> EngagementAnswer:
    chosen = found if found is not None else draw(secrets())
    members: dict[str, Any] = {}
    for name in ("PublicSubject", "PublicContent", "IncidentId"):
        value = draw(st.one_of(public_texts, st.just("absent")))
        if value != "absent":
            members[name] = value
    for name in ("StartTime", "StopTime"):
        moment = draw(st.one_of(timestamps, st.just("absent")))
        if moment != "absent":
            members[name] = moment
    # Members AWS might add tomorrow, holding secure text: they must never reach anyone.
    for name in draw(st.lists(st.sampled_from(UNKNOWN_MEMBERS), unique=True, max_size=2)):
        members[name] = chosen.subject + chosen.content
    return EngagementAnswer(
        secrets=chosen,
        members=members,
        about_another=draw(st.sampled_from((False, False, False, True))),
        ascii_only=draw(st.booleans()),
    )


def well_formed_engagements(found: Secrets | None = None) -> st.SearchStrategy[EngagementAnswer]:
    """Valid answers about the engagement asked for, with known members of the right types."""
    chosen = st.just(found) if found is not None else secrets()
    return st.builds(
        lambda value, public: EngagementAnswer(
            value,
            {"PublicSubject": public, "StartTime": 1621362341.0},
            about_another=False,
            ascii_only=True,
        ),
        chosen,
        st.text(max_size=20).filter(lambda text: "SECRET" not in text),
    )


ERROR_CODES = (
    "ResourceNotFoundException",
    "ValidationException",
    "AccessDeniedException",
    "DataEncryptionException",
    "ThrottlingException",
    "InternalServerException",
    "com.amazonaws.ssmcontacts#ThrottlingException",
    "ServiceUnavailable",
    "",
)


@dataclass(frozen=True)
class ErrorAnswer:
    """SSM Contacts refusing, with secure text echoed in its message (as services sometimes do)."""

    status: int
    document: dict[str, Any]
    headers: dict[str, str]

    def __call__(self, engagement_id: str) -> Wire | Exception:
        return Wire(self.status, json.dumps(self.document).encode(), self.headers)


@st.composite
def error_answers(draw: st.DrawFn, found: Secrets) -> ErrorAnswer:
    code = draw(st.one_of(st.sampled_from(ERROR_CODES), st.text(max_size=20)))
    message_key = draw(st.sampled_from(("message", "Message", "errorMessage")))
    document: dict[str, Any] = {"__type": code, message_key: found.subject + " " + found.content}
    if draw(st.booleans()):
        document["RetryAfterSeconds"] = draw(st.one_of(st.integers(), st.text(max_size=5)))
    if draw(st.booleans()):
        document["ResourceId"] = found.subject
    retry_after = draw(st.one_of(st.none(), st.text(max_size=5), st.integers().map(str)))
    return ErrorAnswer(
        status=draw(st.sampled_from((400, 403, 404, 409, 429, 500, 502, 503, 504))),
        document=document,
        headers={} if retry_after is None else {"Retry-After": retry_after},
    )


@dataclass(frozen=True)
class MalformedAnswer:
    """Bytes that are not a usable DescribeEngagement answer, with secure text inside."""

    status: int
    body: bytes

    def __call__(self, engagement_id: str) -> Wire | Exception:
        return Wire(self.status, self.body)


@st.composite
def malformed_answers(draw: st.DrawFn, found: Secrets) -> MalformedAnswer:
    valid = json.dumps(
        {"EngagementArn": "x", "Subject": found.subject, "Content": found.content}
    ).encode()
    body = draw(
        st.sampled_from(
            (
                valid[: len(valid) // 2],
                valid[: len(valid) - 1],
                found.subject.encode() + b" " + found.content.encode(),
                b"\xff\xfe" + found.subject.encode(),
                json.dumps([found.subject, found.content]).encode(),
                json.dumps(found.subject).encode(),
                json.dumps({"Subject": 7, "Content": found.content}).encode(),
                json.dumps({"Subject": found.subject, "Content": None, "Sender": []}).encode(),
                json.dumps({"Subject": found.subject, "StartTime": "soon"}).encode(),
                json.dumps({"Content": found.content, "StopTime": 2**40}).encode(),
                json.dumps({"Subject": found.subject, "StartTime": 1e20}).encode(),
                b'{"Subject": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                b"<html>" + found.content.encode() + b"</html>",
                b"",
                b"null",
            )
        )
    )
    return MalformedAnswer(draw(st.sampled_from((200, 200, 201, 302, 400, 500))), body)


ENDPOINT = "http://127.0.0.1:9"


@dataclass(frozen=True)
class NetworkFault:
    """No answer at all: refused, timed out, cut off, or a bug below botocore whose message
    holds secure text."""

    fault: Callable[[], Exception]

    def __call__(self, engagement_id: str) -> Wire | Exception:
        return self.fault()


def network_faults(found: Secrets) -> st.SearchStrategy[NetworkFault]:
    return st.sampled_from(
        (
            NetworkFault(lambda: EndpointConnectionError(endpoint_url=ENDPOINT)),
            NetworkFault(lambda: ConnectTimeoutError(endpoint_url=ENDPOINT)),
            NetworkFault(lambda: ReadTimeoutError(endpoint_url=ENDPOINT, error=found.subject)),
            NetworkFault(lambda: ConnectionClosedError(endpoint_url=ENDPOINT)),
            NetworkFault(lambda: ValueError(found.subject + found.content)),
        )
    )


@st.composite
def upstream_answers(
    draw: st.DrawFn,
) -> tuple[Secrets, Answer]:
    """Anything SSM Contacts might do, and the secure text it holds."""
    found = draw(secrets())
    answer = draw(
        st.one_of(
            engagement_answers(found),
            engagement_answers(found),
            error_answers(found),
            malformed_answers(found),
            network_faults(found),
        )
    )
    return found, answer


# --- access policies -----------------------------------------------------------------------------
# A deliberately tiny universe, so that most callers meet several rules of different tiers.

POLICY_ACCOUNTS = ("111122223333", "444455556666")
POLICY_ORGS = ("o-a1b2c3d4e5", "o-0000000000")
ROLE_NAMES = ("IncidentCommander", "OnCall-Platform", "SRE")
# Deny wins over everything, so fewer deny rules leave more callers for the other rules to decide.
TIERS = (Tier.FULL, Tier.FULL, Tier.REDACTED, Tier.REDACTED, Tier.DENY)


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(common, common, common, rare)


def principal_patterns(tier: Tier) -> st.SearchStrategy[str]:
    """Patterns the parser accepts for a rule of `tier`: a full rule names its accounts; a role
    pattern under a path names one role."""
    wildcard_accounts = st.sampled_from(("*", "1111*", "*6666", "*2*"))
    accounts = (
        st.sampled_from(POLICY_ACCOUNTS)
        if tier is Tier.FULL
        else mostly(st.sampled_from((*POLICY_ACCOUNTS, "*")), wildcard_accounts)
    )
    partitions = mostly(st.sampled_from(("aws", "*")), st.just("aws-cn"))
    names = st.sampled_from((*ROLE_NAMES, "*", "OnCall-*", "*SR*", "sre", "ONCALL-*"))
    roles = st.one_of(
        st.builds("role/{}".format, names),
        st.builds("role/team/{}".format, st.sampled_from((*ROLE_NAMES, "sre"))),
    )
    users = st.builds(
        "user/{}{}".format, st.sampled_from(("", "team/", "a/b/", "*/", "Team/")), names
    )
    return st.one_of(
        st.builds("arn:{}:iam::{}:{}".format, partitions, accounts, mostly(roles, users)),
        st.builds("arn:{}:sts::{}:federated-user/{}".format, partitions, accounts, names),
    )


def _some(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(values, min_size=1, max_size=3)


_IAM_MATCHERS: dict[str, Callable[[Tier], st.SearchStrategy[list[str]]]] = {
    "principals": lambda tier: _some(principal_patterns(tier)),
    "accounts": lambda _: _some(st.sampled_from(POLICY_ACCOUNTS)),
    "orgs": lambda _: _some(st.sampled_from(POLICY_ORGS)),
}
_TOKEN_MATCHERS = {
    "groups": _some(st.sampled_from(GROUP_NAMES)),
    "subjects": _some(st.sampled_from(SUBJECT_NAMES)),
}
_iam_keys = st.lists(st.sampled_from(tuple(_IAM_MATCHERS)), min_size=1, unique=True)
_token_keys = st.lists(st.sampled_from(tuple(_TOKEN_MATCHERS)), min_size=1, unique=True)
_issuers = mostly(st.just(ISSUER), st.just(OTHER_ISSUER))
_tiers = st.sampled_from(TIERS)


@st.composite
def rule_documents(draw: st.DrawFn, tier: Tier | None = None) -> dict[str, Any]:
    """One rule as written in ACCESS_POLICY, naming callers from a small universe so that
    rules and callers meet often."""
    chosen = tier or draw(_tiers)
    document: dict[str, Any] = {"tier": str(chosen)}
    iam = draw(st.booleans())
    if iam:
        for key in draw(_iam_keys):
            document[key] = draw(_IAM_MATCHERS[key](chosen))
    if not iam or draw(st.booleans()):
        document["issuer"] = draw(_issuers)
        for key in draw(_token_keys):
            document[key] = draw(_TOKEN_MATCHERS[key])
    return document


def rule(document: dict[str, Any]) -> Rule:
    """A rule as the one policy parser reads it."""
    return parse_access_policy({"rules": [document]}).rules[0]


rules = rule_documents().map(rule)
deny_rules = rule_documents(Tier.DENY).map(rule)
grant_rules = st.sampled_from((Tier.FULL, Tier.REDACTED)).flatmap(
    lambda tier: rule_documents(tier).map(rule)
)


def _iam_caller(partition: str, account: str, kind: str, name: str, path: str, org: str | None):
    principal = IamPrincipal(
        partition,
        account,
        kind,  # type: ignore[arg-type]
        "root" if kind == "root" else name,
        path if kind == "user" else None,
    )
    return Caller(principal=principal, account_id=account, org_id=org)


iam_callers = st.builds(
    _iam_caller,
    mostly(st.just("aws"), st.just("aws-cn")),
    mostly(st.sampled_from(POLICY_ACCOUNTS), st.just("123456789012")),
    mostly(st.sampled_from(("role", "user")), st.sampled_from(("root", "federated-user"))),
    mostly(st.sampled_from(ROLE_NAMES), st.sampled_from(("Other", "sre", "ONCALL-X"))),
    st.sampled_from(("/", "/team/", "/a/b/", "/Team/")),
    st.one_of(st.none(), st.sampled_from(POLICY_ORGS)),
)
token_callers = st.builds(
    lambda issuer, subject, groups: Caller(issuer=issuer, subject=subject, groups=groups),
    mostly(st.just(ISSUER), st.sampled_from((OTHER_ISSUER, "https://evil.example/"))),
    st.sampled_from(SUBJECT_NAMES),
    st.frozensets(st.sampled_from(GROUP_NAMES), max_size=3),
)
callers = st.one_of(iam_callers, token_callers, iam_callers, token_callers, st.none())

# The same universe as callers of the deployed handler: who they are on the wire.
policy_callers: st.SearchStrategy[Who] = st.one_of(
    st.tuples(
        st.just("rest"),
        st.builds(
            lambda account, name, org, shape: {
                "userArn": shape.format(a=account, n=name),
                "accountId": account,
                "principalOrgId": org,
            },
            mostly(st.sampled_from(POLICY_ACCOUNTS), st.just("123456789012")),
            mostly(st.sampled_from(ROLE_NAMES), st.just("Other")),
            st.one_of(st.none(), st.sampled_from(POLICY_ORGS)),
            st.sampled_from(
                (
                    "arn:aws:sts::{a}:assumed-role/{n}/session",
                    "arn:aws:iam::{a}:user/{n}",
                    "arn:aws:iam::{a}:user/team/{n}",
                    "arn:aws:sts::{a}:federated-user/{n}",
                )
            ),
        ),
    ),
    st.tuples(
        st.just("http"),
        st.builds(
            lambda issuer, subject, groups: token(subject, groups, issuer=issuer),
            mostly(st.just(ISSUER), st.sampled_from((OTHER_ISSUER, "https://evil.example/"))),
            st.sampled_from(SUBJECT_NAMES),
            st.lists(st.sampled_from(GROUP_NAMES), max_size=3, unique=True),
        ),
    ),
)
