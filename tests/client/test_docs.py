"""The exit statuses the READMEs document are the ones ep returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from ep_client.arguments import parser
from ep_client.exits import ExitStatus

REPO = Path(__file__).resolve().parents[2]


def exit_status_table(path: Path) -> dict[int, str]:
    """{status: class} from the table whose header starts `| exit status |`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| exit status |"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        status, kind = (cell.strip() for cell in line.strip("|").split("|")[:2])
        rows[int(status)] = kind
    return rows


@pytest.mark.parametrize("readme", ["client/README.md", "README.md"])
def test_the_documented_exit_statuses_are_eps(readme: str) -> None:
    # Given the exit status table of a README
    documented = exit_status_table(REPO / readme)
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
    documented = exit_status_table(REPO / "client/README.md")
    for status in (2, 3, 4, 5, 6):
        assert f"{status} {documented[status]}" in epilog
