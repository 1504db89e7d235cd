"""The exit statuses client/README.md documents are the ones ep returns."""

from __future__ import annotations

from ep_client.arguments import parser
from ep_client.exits import ExitStatus
from testing_support.docs import doc_table


def exit_status_table() -> dict[int, str]:
    """{status: class} from client/README.md's table whose header starts `| exit status |`."""
    rows = doc_table("client/README.md", "Problems and exit statuses", "exit status")
    return {int(status): kind for status, kind, *_ in rows}


def test_the_documented_exit_statuses_are_eps() -> None:
    # Given the exit status table of client/README.md
    documented = exit_status_table()
    # When it is compared with ep's own statuses
    # Then every status is documented, and nothing else
    assert sorted(documented) == sorted(status.value for status in ExitStatus)
    assert documented[ExitStatus.DENIED] == "denied"
    assert documented[ExitStatus.UNREACHABLE] == "unreachable"


def test_the_help_text_gives_the_same_statuses() -> None:
    # Given ep --help's epilog
    epilog = " ".join((parser().epilog or "").split())
    # When it is read
    # Then it names each class with its status
    documented = exit_status_table()
    for status in (2, 3, 4, 5, 6):
        assert f"{status} {documented[status]}" in epilog
