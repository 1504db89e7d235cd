"""Local mode's JSON data files: read, with errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_keyed_object(path: Path, error: type[ValueError], keyed_by: str) -> dict[str, Any]:
    """A non-empty JSON object from `path`; anything else raises `error` naming the file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as problem:
        raise error(f"{path}: {problem}") from None
    if not isinstance(document, dict) or not document:
        raise error(f"{path}: must be a non-empty object keyed by {keyed_by}")
    return document
