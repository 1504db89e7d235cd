"""`ep` as a whole, in process, over a fake network: what is sent, printed and returned."""

from __future__ import annotations

import json

import pytest

from ep_client.exits import ExitStatus
from ep_client.transport import Unreachable
from tests.client import answers
from tests.client.conftest import Ep

ARN = answers.ENGAGEMENT_ARN
ENCODED = ARN.replace(":", "%3A").replace("/", "%2F")


def test_get_sends_the_pasted_arn_encoded_and_signed(ep: Ep) -> None:
    # Given the proxy's answer for the example engagement
    ep.network.answers = [answers.ok(answers.engagement(redacted=True))]
    # When `ep get` is given the ARN as pasted, with its newline
    outcome = ep("get", ARN + "\n")
    # Then one signed GET of the encoded ARN went out, and the readable answer came back
    [(url, headers)] = ep.network.requests
    assert url == f"http://127.0.0.1:8080/engagements/{ENCODED}"
    assert headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIALOCALCOMMANDER01/20"
    )
    assert "/us-east-2/execute-api/aws4_request" in headers["Authorization"]
    assert "If-None-Match" not in headers
    assert outcome.status == ExitStatus.OK
    assert "Tier            redacted: Subject, Content withheld" in outcome.stdout
    assert outcome.stderr == ""


def test_json_prints_the_raw_answer(ep: Ep) -> None:
    # Given an answer
    answer = answers.ok(answers.engagement())
    ep.network.answers = [answer]
    # When `ep get --json` runs
    outcome = ep("get", ARN, "--json")
    # Then stdout is the answer's bytes and a newline
    assert outcome.stdout == answer.body.decode() + "\n"
    assert json.loads(outcome.stdout)["EngagementArn"] == ARN


def test_a_token_goes_as_a_bearer_token_without_signing(ep: Ep) -> None:
    # Given a token in EP_TOKEN
    ep.environ["EP_TOKEN"] = "eyJhbGciOi.eyJzdWIi.c2ln\n"
    ep.network.answers = [answers.ok(answers.engagement())]
    # When `ep get` runs
    outcome = ep("get", ARN)
    # Then the token, not a signature, authenticates it
    [(_, headers)] = ep.network.requests
    assert headers["Authorization"] == "Bearer eyJhbGciOi.eyJzdWIi.c2ln"
    assert not any(name.lower().startswith("x-amz-") for name in headers)
    assert outcome.status == ExitStatus.OK


def test_the_engagement_can_come_from_standard_input(ep: Ep) -> None:
    # Given the ARN piped in (pbpaste | ep get -)
    ep.stdin = ARN + "\n"
    ep.network.answers = [answers.ok(answers.engagement())]
    # When `ep get -` runs
    outcome = ep("get", "-")
    # Then it is read from stdin
    assert ep.network.requests[0][0].endswith(ENCODED)
    assert outcome.status == ExitStatus.OK


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (["pages", ARN], f"/engagements/{ENCODED}/pages"),
        (
            [
                "pages",
                "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356",
                "--region",
                "us-west-2",
            ],
            "/engagements/example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356/pages"
            "?region=us-west-2",
        ),
        (
            ["incident", answers.INCIDENT_ARN],
            "/incidents/"
            + answers.INCIDENT_ARN.replace(":", "%3A").replace("/", "%2F")
            + "/engagements",
        ),
        (
            ["incident", "checkout/6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6"],
            "/incidents/checkout/6cc8d2a4-1b3c-4d5e-8f90-a1b2c3d4e5f6/engagements",
        ),
        (["list"], "/engagements"),
        (
            ["list", "--since", "2h", "--until", "2021-05-18T20:00:00+02:00"],
            "/engagements?since=2021-05-18T16%3A30%3A00Z&until=2021-05-18T20%3A00%3A00%2B02%3A00",
        ),
    ],
    ids=[
        "pages-arn",
        "pages-short-region",
        "incident-arn",
        "incident-short",
        "list",
        "list-window",
    ],
)
def test_each_command_asks_its_route(ep: Ep, argv: list[str], path: str) -> None:
    # Given any 200 (what is asked is the point here)
    ep.network.answers = [answers.ok({})]
    # When the command runs
    ep(*argv, "--json")
    # Then it asked its own route, with its query
    assert ep.network.requests[0][0] == "http://127.0.0.1:8080" + path


@pytest.mark.parametrize(
    ("argv", "document", "shows"),
    [
        (["pages", ARN], answers.pages(), "akua_mansa  ad0052bd  delivered"),
        (["incident", answers.INCIDENT_ARN], answers.incident(), "example_escalation: started"),
        (
            ["list"],
            answers.engagements(answers.summary(ARN, "2021-05-18T18:25:41.000Z")),
            "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356",
        ),
    ],
    ids=["pages", "incident", "list"],
)
def test_each_new_route_answer_is_rendered(
    ep: Ep, argv: list[str], document: object, shows: str
) -> None:
    # Given a recorded-shape answer of the route
    ep.network.answers = [answers.ok(document)]
    # When its command runs
    outcome = ep(*argv)
    # Then it is readable
    assert outcome.status == ExitStatus.OK
    assert shows in outcome.stdout


def test_a_problem_is_one_line_on_stderr_and_its_status(ep: Ep) -> None:
    # Given the proxy's 404
    ep.network.answers = [
        answers.problem(404, "engagement-not-found", "Engagement not found", "No such engagement.")
    ]
    # When `ep get` runs
    outcome = ep("get", "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356")
    # Then nothing is on stdout, one line on stderr, and the not-found status
    assert outcome.status == ExitStatus.NOT_FOUND
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1
    assert outcome.stderr.startswith("ep: Engagement not found (404 engagement-not-found): ")


def test_no_answer_is_unreachable(ep: Ep) -> None:
    # Given a network that refuses the connection
    ep.network.answers = [Unreachable("connection refused")]
    # When `ep get` runs
    outcome = ep("get", ARN)
    # Then exit status 6 and the line says how to start local mode
    assert outcome.status == ExitStatus.UNREACHABLE
    assert "make local" in outcome.stderr


def test_a_200_that_is_not_json_is_status_1(ep: Ep) -> None:
    # Given a page of HTML with status 200 (a captive portal, a wrong URL)
    from ep_client.transport import Answer

    ep.network.answers = [Answer(200, {"content-type": "text/html"}, b"<html>hi</html>")]
    # When `ep get` runs
    outcome = ep("get", ARN)
    # Then it is the unreadable class, and the body is not echoed
    assert outcome.status == ExitStatus.FAILED
    assert "is not JSON" in outcome.stderr
    assert "<html>" not in outcome.stderr + outcome.stdout


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "required: COMMAND"),
        (["frob"], "invalid choice: 'frob'"),
        (["get"], "required: ENGAGEMENT"),
        (["get", ARN, "--watch", "0.2"], "give at least 1 seconds"),
        (["get", ARN, "--timeout", "soon"], "is not a number of seconds"),
        (["get", "nonsense"], "Name it as CONTACT/ENGAGEMENT-UUID"),
        (["list", "--since", "yesterday"], "--since takes an RFC 3339 time"),
    ],
    ids=[
        "no-command",
        "unknown-command",
        "no-engagement",
        "watch-too-fast",
        "bad-timeout",
        "bad-engagement",
        "bad-since",
    ],
)
def test_a_usage_mistake_is_one_line_and_status_2_with_nothing_sent(
    ep: Ep, argv: list[str], says: str
) -> None:
    # Given a mistake on the command line
    # When ep runs
    outcome = ep(*argv)
    # Then one line says what is wrong, the status is 2, and nothing was sent
    assert outcome.status == ExitStatus.USAGE
    assert says in outcome.stderr
    assert outcome.stderr.count("\n") == 1
    assert ep.network.requests == []


def test_no_endpoint_is_a_usage_line(ep: Ep) -> None:
    # Given no EP_URL and no --url
    del ep.environ["EP_URL"]
    # When ep runs
    outcome = ep("get", ARN)
    # Then the line says what to set, with local mode's URL
    assert outcome.status == ExitStatus.USAGE
    assert "set EP_URL or pass --url" in outcome.stderr
    assert "http://127.0.0.1:8080" in outcome.stderr


def test_url_flag_beats_ep_url(ep: Ep) -> None:
    # Given EP_URL and a --url
    ep.network.answers = [answers.ok(answers.engagement())]
    # When ep runs with --url
    ep("get", ARN, "--url", "http://localhost:9000")
    # Then --url is used
    assert ep.network.requests[0][0].startswith("http://localhost:9000/engagements/")


def test_ctrl_c_outside_a_watch_is_130_without_traceback(ep: Ep) -> None:
    # Given a request interrupted by Ctrl-C
    ep.network.answers = [KeyboardInterrupt()]
    # When ep runs
    outcome = ep("get", ARN)
    # Then it says so in one line, with the shell's status for SIGINT
    assert outcome.status == ExitStatus.INTERRUPTED
    assert outcome.stderr == "ep: interrupted.\n"


def test_version_and_help_exit_0(ep: Ep, capsys: pytest.CaptureFixture[str]) -> None:
    # Given --help
    # When ep runs it
    with pytest.raises(SystemExit) as exited:
        ep("--help")
    # Then it prints the commands and the exit statuses, and exits 0
    assert exited.value.code == 0
    printed = capsys.readouterr().out
    for word in ("get", "pages", "incident", "list", "EP_URL", "EP_TOKEN", "3 denied"):
        assert word in printed
