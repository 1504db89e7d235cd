"""Readable answers: the tier and what was withheld, local time beside UTC, a page table."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from ep_client.render import Unexpected, render
from ep_client.routes import Command
from tests.client import answers
from tests.client.answers import AKUA_PAGE, KWAME_PAGE, page, receipt

CEST = timezone(timedelta(hours=2), "CEST")
WEST = (
    "arn:aws:ssm-contacts:us-west-2:111122223333:engagement/edge_oncall/"
    "e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170"
)


def test_a_full_engagement_reads_top_to_bottom() -> None:
    # Given the full tier's answer, whose content has two lines
    document = answers.engagement()
    # When it is rendered in a zone two hours east of UTC
    text = render(Command.GET, document, CEST)
    # Then every field is labelled, times are local and UTC, and the content keeps its lines
    assert text.splitlines() == [
        "Engagement      " + answers.ENGAGEMENT_ARN,
        "Tier            full: nothing withheld",
        "Contact         example_escalation "
        "(arn:aws:ssm-contacts:us-east-2:111122223333:contact/example_escalation)",
        "Sender          tester",
        "Incident        -",
        "Started         2021-05-18 20:25:41 CEST (18:25:41 UTC)",
        "Stopped         2021-05-18 20:40:07 CEST (18:40:07 UTC)",
        "Subject         Bridge 4411",
        "Content         Join bridge +1-555-0100",
        "                pin 4411",
        "Public subject  test",
        "Public content  Testing engagements",
    ]


def test_a_redacted_engagement_says_what_was_withheld() -> None:
    # Given the redacted tier's answer of a running engagement
    document = answers.engagement(redacted=True, StopTime=None)
    # When it is rendered
    text = render(Command.GET, document, UTC)
    # Then the tier names the withheld fields, which read as withheld, not as empty
    assert "Tier            redacted: Subject, Content withheld" in text
    assert "Subject         (withheld from your tier)" in text
    assert "Content         (withheld from your tier)" in text
    assert "Stopped         running (not stopped)" in text
    assert "Bridge 4411" not in text


def test_terminal_escapes_in_an_answer_are_shown_not_obeyed() -> None:
    # Given an engagement whose sender and content hold control characters
    document = answers.engagement(Sender="evil\x1b[2J", Content="a\u202eb\x07")
    # When it is rendered
    text = render(Command.GET, document, UTC)
    # Then they are escaped
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "evil\\x1b[2J" in text
    assert "a\\u202eb\\x07" in text


def test_pages_are_a_short_table_with_their_status() -> None:
    # Given an engagement that paged two contacts, one of whom read it
    document = answers.pages(
        page(AKUA_PAGE, "delivered"),
        page(
            KWAME_PAGE,
            "read",
            read="2021-05-18T18:27:03.000Z",
            receipts=[
                receipt("SENT", "2021-05-18T18:25:42.000Z"),
                receipt("READ", "2021-05-18T18:27:03.000Z"),
            ],
        ),
    )
    # When they are rendered
    text = render(Command.PAGES, document, CEST)
    # Then a header says the tier and the zone, and each page is one row
    assert text.splitlines() == [
        "Engagement      " + answers.ENGAGEMENT_ARN,
        "Tier            redacted: ReceiptInfo withheld",
        "Pages           2 pages",
        "",
        "Times are CEST, UTC+02:00 on 2021-05-18.",
        "CONTACT       PAGE      STATUS     SENT      DELIVERED  READ      RECEIPTS",
        "akua_mansa    ad0052bd  delivered  20:25:42  20:25:50   -         SENT,DELIVERED",
        "kwame_asante  1f2e3d4c  read       20:25:42  20:25:50   20:27:03  SENT,READ",
    ]


def test_pages_over_several_days_carry_their_dates() -> None:
    # Given pages sent on two different days
    document = answers.pages(
        page(AKUA_PAGE, "sent", delivered=None),
        page(KWAME_PAGE, "sent", sent="2021-05-19T08:00:00.000Z", delivered=None),
    )
    # When they are rendered
    text = render(Command.PAGES, document, UTC)
    # Then each time has its date, and the note names only the zone
    assert "Times are UTC, UTC+00:00." in text
    assert "2021-05-19 08:00:00" in text


def test_a_truncated_answer_says_so() -> None:
    # Given an answer the proxy cut at its bound
    document = answers.pages(page(), truncated=True)
    # When it is rendered
    text = render(Command.PAGES, document, UTC)
    # Then the count says it is truncated
    assert "1 page (truncated: the proxy returns at most this many)" in text


def test_an_engagement_without_pages_says_so() -> None:
    # Given no pages yet
    document = {**answers.pages(), "Pages": []}
    # When rendered
    # Then the count is zero and there is no table
    assert render(Command.PAGES, document, UTC).splitlines()[-1] == "Pages           0 pages"


def test_an_incident_lists_each_engagement_with_its_pages() -> None:
    # Given an incident with a running engagement with one page, and one without pages
    document = answers.incident(
        answers.incident_engagement(pages=[page()]),
        answers.incident_engagement(
            WEST, start="2021-05-18T18:30:00.000Z", stop="2021-05-18T19:00:00.000Z"
        ),
    )
    # When it is rendered
    text = render(Command.INCIDENT, document, UTC)
    # Then each engagement has its line, its ARN to paste, and its pages or "no pages"
    assert text.splitlines() == [
        "Incident        " + answers.INCIDENT_ARN,
        "Tier            redacted: ReceiptInfo withheld",
        "Engagements     2 engagements",
        "",
        "example_escalation: started 2021-05-18 18:25:41 UTC, running (not stopped)",
        "  " + answers.ENGAGEMENT_ARN,
        "  Times are UTC, UTC+00:00 on 2021-05-18.",
        "  CONTACT     PAGE      STATUS     SENT      DELIVERED  READ  RECEIPTS",
        "  akua_mansa  ad0052bd  delivered  18:25:42  18:25:50   -     SENT,DELIVERED",
        "",
        "edge_oncall: started 2021-05-18 18:30:00 UTC, stopped 2021-05-18 19:00:00 UTC",
        "  " + WEST,
        "  no pages",
    ]


def test_the_list_is_a_table_of_engagements_to_paste_into_ep_get() -> None:
    # Given two engagements in two regions, newest first as the proxy sends them
    incident = "arn:aws:ssm-incidents::111122223333:incident-record/cdn/9a8b7c6d"
    document = answers.engagements(
        answers.summary(WEST, "2021-05-18T21:00:00.000Z", incident_id=incident),
        answers.summary(
            answers.ENGAGEMENT_ARN, "2021-05-18T18:25:41.000Z", "2021-05-18T18:40:07.000Z"
        ),
    )
    # When it is rendered
    text = render(Command.LIST, document, CEST)
    # Then each row gives start, stop, region, CONTACT/UUID and incident
    assert text.splitlines() == [
        "Engagements     2 engagements, newest first",
        "",
        "Times are CEST, UTC+02:00 on 2021-05-18.",
        "STARTED   STOPPED   REGION     " + "ENGAGEMENT".ljust(57) + "INCIDENT",
        "23:00:00  running   us-west-2  edge_oncall/e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170         "
        "cdn/9a8b7c6d",
        "20:25:41  20:40:07  us-east-2  example_escalation/69e40ce1-8dbb-4d57-8962-5fbe7fc53356  -",
        "",
        "`ep get ENGAGEMENT --region REGION` shows one; `ep pages` who it paged.",
    ]


@pytest.mark.parametrize(
    ("command", "document"),
    [
        (Command.GET, []),
        (Command.GET, {"Engagements": []}),
        (Command.PAGES, {"EngagementArn": "x", "Pages": "none"}),
        (Command.LIST, {"EngagementArn": "x"}),
    ],
    ids=["not-an-object", "wrong-route", "pages-not-a-list", "no-engagements"],
)
def test_an_answer_of_another_shape_is_unexpected(command: Command, document: object) -> None:
    # Given JSON that is not this route's answer
    # When it is rendered
    # Then ep says so rather than printing half an answer
    with pytest.raises(Unexpected):
        render(command, document, UTC)
