"""Local mode's requirements: a subset of the project's pins, at the very same versions."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"(?P<name>[A-Za-z0-9._-]+)(?P<extras>\[[^\]]*\])?==(?P<version>\S+)")


def pins(name: str) -> dict[str, str]:
    """`package[extras]` -> version of each `==` pin in one requirements file (not followed)."""
    found = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        match = PIN.fullmatch(line)
        assert match, f"{name}: {line!r} is not pinned with =="
        found[match["name"].lower() + (match["extras"] or "")] = match["version"]
    return found


def test_local_mode_pins_are_the_projects_own_versions() -> None:
    # Given the pins of local mode and those of the runtime and the development toolchain
    local = pins("requirements-local.txt")
    project = {**pins("requirements.txt"), **pins("requirements-dev.txt")}

    # Then each package local mode installs is pinned there too, at the same version
    assert local
    assert {name: project.get(name) for name in local} == local
