"""The threat model's every claim names a test: each test it cites must exist, or the claim is
unproven."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY_DOC = ROOT / "docs" / "security.md"
# A citation in backticks: `unit/test_x.py`, `unit/test_x.py::test_y`, `::test_y[param id]`
# (the last naming a test of the file cited just before it).
CITATION = re.compile(
    r"`(?P<file>(?:unit|handler|property|infra|e2e)/[\w/]+\.py)?"
    r"(?:::(?P<test>\w+)(?P<param>\[[^\]`]*\])?)?`"
)


def citations(text: str) -> list[str]:
    """Every cited test file or test id, relative to tests/, as pytest names them."""
    cited: list[str] = []
    current: str | None = None
    for match in CITATION.finditer(text):
        if match["file"] is None and match["test"] is None:
            continue
        current = match["file"] or current
        if current is None:
            cited.append(f"?::{match['test']}")
            continue
        if match["test"] is None:
            cited.append(current)
        else:
            cited.append(f"{current}::{match['test']}{match['param'] or ''}")
    return cited


def defined_tests(file: str) -> set[str]:
    """The test functions a test file defines, read from its source (nothing is imported)."""
    path = ROOT / "tests" / file
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


@cache
def collected(files: frozenset[str]) -> set[str]:
    """The ids pytest collects from these files (relative to tests/), without running them:
    only parametrized ids need a collection."""
    paths = sorted({f"tests/{name}" for name in files if (ROOT / "tests" / name).is_file()})
    if not paths:
        return set()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return {
        line.removeprefix("tests/")
        for line in result.stdout.splitlines()
        if line.startswith("tests/") and "::" in line
    }


def missing(cited: list[str]) -> list[str]:
    """The citations that name no test (or no file)."""
    # One collection for the document's files and these: the costly part, done once.
    files = {
        c.split("::")[0]
        for c in [*cited, *citations(SECURITY_DOC.read_text(encoding="utf-8"))]
        if "[" in c
    }
    parametrized = collected(frozenset(files))
    gone = []
    for citation in cited:
        file, _, test = citation.partition("::")
        if not test:
            found = (ROOT / "tests" / file).is_file()
        elif "[" in test:
            found = citation in parametrized
        else:
            found = test in defined_tests(file)
        if not found:
            gone.append(citation)
    return gone


def test_every_test_the_threat_model_cites_exists() -> None:
    # Given the tests docs/security.md cites as proof
    cited = citations(SECURITY_DOC.read_text(encoding="utf-8"))
    assert len(cited) > 50  # the reader below found the citations at all
    # When they are looked up among the tests pytest collects
    gone = missing(cited)
    # Then every one of them exists
    assert gone == []


def test_a_citation_of_a_test_that_does_not_exist_is_reported() -> None:
    # Given a document citing a real test, a renamed one, an unknown parameter and a lost file
    text = (
        "- `unit/test_security_doc.py::test_every_test_the_threat_model_cites_exists`,\n"
        "  `::test_that_was_renamed`\n"
        "- `handler/test_policy_meaning.py::test_a_token_group_holding_a_space_is_one_group[tab]`\n"
        "- `unit/test_gone.py`\n"
    )
    # When its citations are checked
    gone = missing(citations(text))
    # Then exactly the three that name nothing are reported
    assert gone == [
        "unit/test_security_doc.py::test_that_was_renamed",
        "handler/test_policy_meaning.py::test_a_token_group_holding_a_space_is_one_group[tab]",
        "unit/test_gone.py",
    ]
