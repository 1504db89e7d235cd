"""The README's errors table names every problem the Lambda can answer, with its status."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from engagement_proxy import errors
from engagement_proxy.problems import INTERNAL_ERROR, kind_of

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| (\d{3}) \| `([a-z-]+)` \|", re.MULTILINE)


def documented_problems() -> set[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Errors\n") : text.index("\n## ", text.index("### Errors\n"))]
    return {(int(status), slug) for status, slug in ROW.findall(section)}


def test_every_problem_of_the_lambda_is_in_the_readme_errors_table() -> None:
    # Given every domain error the Lambda can raise
    kinds = {
        kind_of(cls("detail") if cls is not errors.UpstreamThrottled else cls("detail", 1))
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ProxyError) and cls is not errors.ProxyError
    } | {INTERNAL_ERROR}
    # When the README's errors table is read
    documented = documented_problems()
    # Then each problem is a row with its status, and the table names no problem there is not
    assert {(kind.status, kind.slug) for kind in kinds} == documented
