"""ETags and If-None-Match."""

from __future__ import annotations

import pytest

from engagement_proxy.conditional import etag_for, not_modified


def test_etags_are_strong_and_change_with_every_byte():
    # Given two bodies differing in one byte
    # When their tags are computed
    first, second = etag_for('{"a":1}'), etag_for('{"a":2}')
    # Then both are strong quoted tags, and differ
    assert first.startswith('"') and first.endswith('"') and len(first) == 34
    assert first != second
    assert etag_for('{"a":1}') == first


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"x","y"', False),
        ("*", True),
        ('"ABC"', False),
    ],
)
def test_if_none_match(header, expected):
    # Given the current tag "abc"
    # When a request carries If-None-Match
    # Then it matches per RFC 9110 weak comparison
    assert not_modified(header, '"abc"') is expected
