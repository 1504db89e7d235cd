"""The repository's documents as tests read them: a file's text, one section of it, the rows of a
table, the JSON examples, its relative links and the anchors GitHub gives its headings. Every test
that checks a document against the code goes through here, so moving a section means changing one
name, not a parser."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

_HEADING = re.compile(r"(#{1,6}) +(.+?) *#* *$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# [text](target) and ![alt](target), not inside code spans; "title" parts are dropped.
_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def doc_text(name: str) -> str:
    """The whole text of `name`, a path from the repository root (`docs/api.md`)."""
    return (REPO_ROOT / name).read_text(encoding="utf-8")


def _lines_outside_fences(text: str) -> list[tuple[str, bool]]:
    """Each line, and whether it is inside a fenced code block."""
    fenced = False
    lines = []
    for line in text.splitlines():
        if _FENCE.match(line):
            lines.append((line, True))
            fenced = not fenced
            continue
        lines.append((line, fenced))
    return lines


def headings(text: str) -> list[tuple[int, str]]:
    """(level, title) of every heading, in order, code blocks excluded."""
    found = []
    for line, fenced in _lines_outside_fences(text):
        match = None if fenced else _HEADING.fullmatch(line)
        if match is not None:
            found.append((len(match[1]), match[2]))
    return found


def doc_section(name: str, heading: str) -> str:
    """The body of the section titled `heading` (at any level) in `name`: from below its heading
    to the next heading of the same or a higher level, its subsections included."""
    lines = _lines_outside_fences(doc_text(name))
    start = level = None
    for number, (line, fenced) in enumerate(lines):
        match = None if fenced else _HEADING.fullmatch(line)
        if match is None:
            continue
        if start is None:
            if match[2] == heading:
                start, level = number + 1, len(match[1])
        elif level is not None and len(match[1]) <= level:
            return "\n".join(line for line, _ in lines[start:number])
    if start is None:
        raise LookupError(f"{name} has no section {heading!r}")
    return "\n".join(line for line, _ in lines[start:])


def doc_table(name: str, heading: str, first_header: str | None = None) -> list[list[str]]:
    """The body rows of the first table in a section (or of the first whose header's first cell
    is `first_header`), each as its stripped cells; header and rule rows left out."""
    rows: list[list[str]] = []
    in_table = False
    for line in doc_section(name, heading).splitlines():
        if not line.startswith("|"):
            if in_table:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not in_table:
            if first_header is not None and cells[0] != first_header:
                continue
            in_table = True
            continue  # the header row
        if all(set(cell) <= {"-", ":"} for cell in cells):
            continue  # the rule row
        rows.append(cells)
    if not in_table:
        raise LookupError(f"{name}, section {heading!r}, has no such table")
    return rows


def doc_json_examples(name: str, heading: str) -> list[str]:
    """The text of each ```json block in a section, in order."""
    section = doc_section(name, heading)
    return [block.split("```", 1)[0] for block in section.split("```json\n")[1:]]


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: its text (links and emphasis as their words) lower
    case, every character but letters, digits, spaces, hyphens and underscores dropped, spaces
    turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)
    text = text.lower()
    kept = "".join(
        char for char in text if char in " -_" or unicodedata.category(char)[0] in ("L", "N")
    )
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor of a document's headings, repeats numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    found = set()
    for _, title in headings(text):
        anchor = github_anchor(title)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def relative_links(text: str) -> list[str]:
    """The targets of a document's links that are neither URLs nor mail addresses, code
    blocks and code spans excluded."""
    targets = []
    for line, fenced in _lines_outside_fences(text):
        if fenced:
            continue
        for match in _LINK.finditer(_CODE_SPAN.sub("", line)):
            target = match[1]
            if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                targets.append(target)
    return targets
