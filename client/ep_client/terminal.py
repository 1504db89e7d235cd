"""Text from the network made safe for a terminal: no escape sequences, no bidi tricks. Pure."""

from __future__ import annotations

import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width joiners), line and paragraph separators:
# an answer or a problem could carry them, and a terminal would act on them.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _escaped(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_line(text: str) -> str:
    """`text` on one line: every control or format character escaped, newlines included."""
    return "".join(
        _escaped(character) if unicodedata.category(character) in _UNSAFE_CATEGORIES else character
        for character in text
    )


def safe_block(text: str) -> list[str]:
    """`text` as lines (it may hold several), each made safe by `safe_line`."""
    return [
        safe_line(line.replace("\t", "    ")) for line in text.replace("\r\n", "\n").split("\n")
    ]


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
