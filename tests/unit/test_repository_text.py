"""The repository's own text points only at what its readers can see."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Not the repository's own text: installed packages, build output, caches.
SKIPPED = {".git", ".venv", ".venv-local", "node_modules", "cdk.out", ".hypothesis"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".json", ".toml", ".yaml", ".yml", ".cfg", ".pem"}
# The word issue followed by a number (with or without #): a tracker the reader cannot see.
ISSUE_REFERENCE = re.compile(r"\bissues?\s+#?\d", re.IGNORECASE)


def repository_text_files() -> list[Path]:
    files = []
    for path in sorted(REPO_ROOT.rglob("*")):
        parts = path.relative_to(REPO_ROOT).parts
        if any(part in SKIPPED or part.endswith("_cache") for part in parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            files.append(path)
    return files


def test_no_file_refers_to_a_tracker_issue_by_number() -> None:
    # Given every text file of the repository
    files = repository_text_files()
    assert REPO_ROOT / "Makefile" in files and REPO_ROOT / "README.md" in files

    # When each is searched for an issue named by its number
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if ISSUE_REFERENCE.search(line)
    ]

    # Then there is none: comments and docs say why, not which ticket
    assert found == []
