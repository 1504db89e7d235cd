"""--watch: If-None-Match while unchanged, only what changed printed, Ctrl-C ends it with 0."""

from __future__ import annotations

from datetime import UTC

from ep_client.exits import ExitStatus
from ep_client.routes import Command
from ep_client.transport import Unreachable
from ep_client.watch import changes
from tests.client import answers
from tests.client.answers import AKUA_PAGE, KWAME_PAGE, page, receipt
from tests.client.conftest import Ep

ARN = answers.ENGAGEMENT_ARN
SENT = receipt("SENT", "2021-05-18T18:25:42.000Z")
DELIVERED = receipt("DELIVERED", "2021-05-18T18:25:50.000Z")
READ = receipt("READ", "2021-05-18T18:27:03.000Z")


def sent_page() -> dict[str, object]:
    return page(AKUA_PAGE, "sent", delivered=None, receipts=[SENT])


def delivered_page() -> dict[str, object]:
    return page(AKUA_PAGE, "delivered", receipts=[SENT, DELIVERED])


def read_page() -> dict[str, object]:
    return page(
        AKUA_PAGE, "read", read="2021-05-18T18:27:03.000Z", receipts=[SENT, DELIVERED, READ]
    )


def test_a_page_going_sent_delivered_read_prints_each_step_once(ep: Ep) -> None:
    # Given a page that is sent, then unchanged (304), then delivered, then read
    ep.network.answers = [
        answers.ok(answers.pages(sent_page()), etag='"1"'),
        answers.not_modified('"1"'),
        answers.ok(answers.pages(delivered_page()), etag='"2"'),
        answers.ok(answers.pages(read_page()), etag='"3"'),
    ]
    ep.polls = 4
    # When `ep pages --watch 2` runs until Ctrl-C
    outcome = ep("pages", ARN, "--watch", "2")
    # Then the first answer is printed whole, then only the changes, one line each
    head, changed = outcome.stdout.split("SENT\n", 1)
    assert "akua_mansa  ad0052bd  sent" in head
    assert changed.splitlines() == [
        "18:30:00 akua_mansa page ad0052bd: sent -> delivered",
        "18:30:00 akua_mansa page ad0052bd: receipt DELIVERED 2021-05-18 18:25:50 UTC",
        "18:30:00 akua_mansa page ad0052bd: delivered -> read",
        "18:30:00 akua_mansa page ad0052bd: receipt READ 2021-05-18 18:27:03 UTC",
    ]
    # And Ctrl-C ended it with success and nothing on stderr
    assert outcome.status == ExitStatus.OK
    assert outcome.stderr == ""
    assert ep.sleeps == [2.0, 2.0, 2.0, 2.0]


def test_each_poll_sends_back_the_last_etag(ep: Ep) -> None:
    # Given redacted answers with ETags
    ep.network.answers = [
        answers.ok(answers.engagement(redacted=True), etag='"a"'),
        answers.not_modified('"a"'),
        answers.ok(answers.engagement(redacted=True, StopTime=None), etag='"b"'),
    ]
    ep.polls = 3
    # When `ep get --watch` runs
    ep("get", ARN, "--watch")
    # Then the first request has no If-None-Match, the next ones the ETag last received
    sent = [headers.get("If-None-Match") for _, headers in ep.network.requests]
    assert sent == [None, '"a"', '"a"']
    assert ep.sleeps == [5.0, 5.0, 5.0]  # the default interval


def test_without_an_etag_unchanged_bodies_print_nothing(ep: Ep) -> None:
    # Given the full tier, whose answers carry no ETag, unchanged twice and then stopped
    ep.network.answers = [
        answers.ok(answers.engagement(StopTime=None), etag=None),
        answers.ok(answers.engagement(StopTime=None), etag=None),
        answers.ok(answers.engagement(), etag=None),
    ]
    ep.polls = 3
    # When `ep get --watch 1` runs
    outcome = ep("get", ARN, "--watch", "1")
    # Then no If-None-Match is ever sent, and only the stop is printed after the first answer
    assert all("If-None-Match" not in headers for _, headers in ep.network.requests)
    assert outcome.stdout.count("Engagement      ") == 1
    assert outcome.stdout.splitlines()[-1] == (
        "18:30:00 engagement stopped 2021-05-18 18:40:07 UTC"
    )


def test_json_watch_prints_each_new_answer_whole(ep: Ep) -> None:
    # Given two different answers
    first = answers.ok(answers.pages(sent_page()), etag='"1"')
    second = answers.ok(answers.pages(delivered_page()), etag='"2"')
    ep.network.answers = [first, answers.not_modified('"1"'), second]
    ep.polls = 3
    # When `ep pages --json --watch` runs
    outcome = ep("pages", ARN, "--json", "--watch", "1")
    # Then each distinct answer is one line of JSON, for a pipe into jq
    assert outcome.stdout.splitlines() == [first.body.decode(), second.body.decode()]


def test_a_passing_failure_is_reported_once_and_polled_through(ep: Ep) -> None:
    # Given the proxy throttled twice and unreachable once, then answering
    throttled = answers.problem(
        503,
        "upstream-throttled",
        "SSM Contacts is throttling",
        "SSM Contacts is throttling; retry later.",
        retry_after="2",
    )
    ep.network.answers = [
        throttled,
        throttled,
        Unreachable("connection refused"),
        answers.ok(answers.engagement(redacted=True)),
    ]
    ep.polls = 4
    # When `ep get --watch 1` runs
    outcome = ep("get", ARN, "--watch", "1")
    # Then each distinct problem is one line, the recovery another, and the answer is printed
    assert outcome.stderr.splitlines() == [
        "ep: SSM Contacts is throttling (503 upstream-throttled): SSM Contacts is throttling; "
        "retry later. Try again in 2 s. Request id: c0ffee00-1234-4d57-8962-5fbe7fc53356.",
        "ep: Cannot reach http://127.0.0.1:8080: connection refused. For local mode, start it "
        "with `make local` in the repository.",
        "ep: answering again.",
    ]
    assert "Tier            redacted" in outcome.stdout
    assert outcome.status == ExitStatus.OK


def test_a_lasting_failure_ends_the_watch_with_its_status(ep: Ep) -> None:
    # Given an answer, then access denied (the policy changed)
    ep.network.answers = [
        answers.ok(answers.engagement(redacted=True)),
        answers.problem(
            403,
            "access-denied",
            "Access denied",
            "The access policy does not let this caller read engagements.",
        ),
    ]
    ep.polls = 5
    # When `ep get --watch 1` runs
    outcome = ep("get", ARN, "--watch", "1")
    # Then the watch ends with the denied status and its line
    assert outcome.status == ExitStatus.DENIED
    assert outcome.stderr.startswith("ep: Access denied (403 access-denied)")


# ---- what changed, purely ----------------------------------------------------------------------


def test_new_pages_and_pages_gone_are_named() -> None:
    # Given a second contact paged, and the first no longer listed
    before = answers.pages(page(AKUA_PAGE, "sent"))
    after = answers.pages(page(KWAME_PAGE, "sent"))
    # When the changes are computed
    # Then both are said
    assert changes(Command.PAGES, before, after, UTC) == [
        "kwame_asante page 1f2e3d4c: sent (new page)",
        "akua_mansa page ad0052bd: no longer listed",
    ]


def test_an_incidents_new_engagement_and_its_pages_are_named() -> None:
    # Given an incident that gains an engagement with a page
    west = ARN.replace("example_escalation", "edge_oncall")
    before = answers.incident(answers.incident_engagement())
    after = answers.incident(
        answers.incident_engagement(),
        answers.incident_engagement(
            west, start="2021-05-18T18:31:00.000Z", pages=[page(KWAME_PAGE, "sent")]
        ),
    )
    # When the changes are computed
    # Then the engagement and its page are both news
    assert changes(Command.INCIDENT, before, after, UTC) == [
        "new engagement of edge_oncall, started 2021-05-18 18:31:00 UTC",
        "kwame_asante page 1f2e3d4c: sent (new page)",
    ]


def test_the_list_names_new_and_stopped_engagements_oldest_first() -> None:
    # Given a list that gains two engagements and sees one stop
    one = answers.summary(ARN, "2021-05-18T18:00:00.000Z")
    two = ARN.replace("69e40ce1", "79e40ce1")
    three = ARN.replace("69e40ce1", "89e40ce1")
    before = answers.engagements(one)
    after = answers.engagements(
        answers.summary(three, "2021-05-18T18:20:00.000Z"),
        answers.summary(two, "2021-05-18T18:10:00.000Z"),
        answers.summary(ARN, "2021-05-18T18:00:00.000Z", "2021-05-18T18:25:00.000Z"),
    )
    # When the changes are computed
    lines = changes(Command.LIST, before, after, UTC)
    # Then they read in the order they happened
    assert lines == [
        "example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356 (us-east-2) stopped "
        "2021-05-18 18:25:00 UTC",
        "new engagement example_escalation/79e40ce1-8dbb-4d57-8962-5fbe7fc53356 (us-east-2), "
        "started 2021-05-18 18:10:00 UTC",
        "new engagement example_escalation/89e40ce1-8dbb-4d57-8962-5fbe7fc53356 (us-east-2), "
        "started 2021-05-18 18:20:00 UTC",
    ]


def test_a_change_ep_has_no_words_for_is_still_said() -> None:
    # Given an answer that changed only in a key ep does not know
    before = {**answers.engagement(), "Novel": 1}
    after = {**answers.engagement(), "Novel": 2}
    # When the changes are computed
    # Then one generic line says it changed
    assert changes(Command.GET, before, after, UTC) == [
        "the answer changed (`--json` shows it whole)"
    ]


def test_a_tier_change_is_named() -> None:
    # Given the access policy changed between polls
    before = answers.engagement(redacted=True)
    after = answers.engagement()
    # When the changes are computed
    lines = changes(Command.GET, before, after, UTC)
    # Then the tier change comes first
    assert lines[0] == "tier: redacted: Subject, Content withheld -> full: nothing withheld"
