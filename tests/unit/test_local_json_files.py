"""Local mode's data files: a broken one stops start-up with a message naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.sigv4 import IdentitiesError, load_identities
from local.tokens import TokensError, load_token_identities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "Expecting property name"),
        ("[]", "keyed by access key id"),
        ("{}", "keyed by"),
    ],
    ids=["not-json", "a-list", "empty"],
)
def test_a_broken_identities_file_is_named_with_what_is_wrong(tmp_path: Path, text, expected):
    # Given an identities file that is not a non-empty JSON object
    path = tmp_path / "identities.json"
    path.write_text(text, encoding="utf-8")
    # When local mode loads it
    with pytest.raises(IdentitiesError) as caught:
        load_identities(path)
    # Then the error names the file and the problem
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_a_missing_token_identities_file_is_named(tmp_path: Path):
    # Given no token identities file
    path = tmp_path / "token_identities.json"
    # When local mode loads it
    with pytest.raises(TokensError) as caught:
        load_token_identities(path)
    # Then the error names the file
    assert str(path) in str(caught.value)
