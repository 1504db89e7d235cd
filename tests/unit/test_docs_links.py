"""The README is a landing page: small, linking every guide, and no link in the documents leads
nowhere (a file that is not there, or a #section that is not in it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from testing_support.docs import (
    REPO_ROOT,
    anchors,
    doc_text,
    github_anchor,
    relative_links,
)

README_LIMIT_BYTES = 10_240
DOCUMENTS = sorted(
    ["README.md", "client/README.md"]
    + [path.relative_to(REPO_ROOT).as_posix() for path in (REPO_ROOT / "docs").glob("*.md")]
)


def broken_links(name: str) -> list[str]:
    """The relative links of document `name` whose file or anchor does not exist."""
    source = REPO_ROOT / name
    broken = []
    for link in relative_links(doc_text(name)):
        path_part, _, anchor = link.partition("#")
        target = (source.parent / unquote(path_part)).resolve() if path_part else source
        if not target.exists() or not target.is_relative_to(REPO_ROOT):
            broken.append(link)
        elif anchor and target.suffix == ".md" and anchor not in anchors(target.read_text()):
            broken.append(link)
    return broken


def test_the_readme_is_at_most_10_kb() -> None:
    # Given the README
    size = len((REPO_ROOT / "README.md").read_bytes())
    # Then it fits a landing page
    assert size <= README_LIMIT_BYTES, size


def test_every_guide_in_docs_is_linked_from_the_readme() -> None:
    # Given the files the README links to
    linked = {
        (REPO_ROOT / link.partition("#")[0]).resolve()
        for link in relative_links(doc_text("README.md"))
    }
    # When the guides in docs/ are listed
    guides = sorted((REPO_ROOT / "docs").glob("*.md"))
    # Then each of them is one of those
    assert guides
    assert [guide.name for guide in guides if guide.resolve() not in linked] == []


def test_the_readme_links_the_openapi_contract() -> None:
    # Given the README's links
    links = relative_links(doc_text("README.md"))
    # Then the contract is among them
    assert "docs/openapi.yaml" in links


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_relative_link_is_broken(name: str) -> None:
    # Given a document's relative links
    # When each file and #anchor is looked for
    # Then every one is there
    assert broken_links(name) == []


def test_a_link_to_a_missing_file_or_anchor_is_reported(tmp_path: Path) -> None:
    # Given a document in the repository with a good link, a missing file and a missing anchor
    document = REPO_ROOT / "docs" / f".link-check-{tmp_path.name}.md"
    document.write_text(
        "# Title\n\n## A section: `code`, too\n\n"
        "[ok](#a-section-code-too) [ok](api.md#errors) [no](missing.md) [no](api.md#nowhere)\n"
        "`[not a link](nowhere.md)`\n\n```\n[not a link](nowhere.md)\n```\n"
    )
    try:
        # When its links are checked
        broken = broken_links(document.relative_to(REPO_ROOT).as_posix())
    finally:
        document.unlink()
    # Then exactly the two broken ones are reported
    assert broken == ["missing.md", "api.md#nowhere"]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The client: `ep`", "the-client-ep"),
        ("Token entrance (OIDC)", "token-entrance-oidc"),
        ("curl 7.x: 403 Invalid signature for an ARN", "curl-7x-403-invalid-signature-for-an-arn"),
        (
            "404 No such engagement in account ..., region ...",
            "404-no-such-engagement-in-account--region-",
        ),
        ("An incident's engagements", "an-incidents-engagements"),
    ],
)
def test_anchors_are_spelled_as_github_spells_them(heading: str, anchor: str) -> None:
    # Given a heading
    # When its anchor is derived
    # Then it is GitHub's
    assert github_anchor(heading) == anchor
