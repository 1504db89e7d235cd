"""The client is a package of its own: botocore is its only dependency outside the standard
library, it never imports the Lambda package, and its botocore bound follows the proxy's pin."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "client"
MODULES = sorted((CLIENT / "ep_client").glob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_client_imports_only_the_standard_library_botocore_and_itself() -> None:
    # Given every module of the client
    assert len(MODULES) >= 10
    # When their imports are read
    outside = {
        str(path.relative_to(REPO)): sorted(
            imported_roots(path) - set(sys.stdlib_module_names) - {"botocore", "ep_client"}
        )
        for path in MODULES
    }
    # Then nothing else is imported, the Lambda package least of all
    assert {path: roots for path, roots in outside.items() if roots} == {}


def test_the_only_dependency_is_botocore_from_the_proxys_own_version() -> None:
    # Given the client's pyproject and the proxy's pinned runtime requirements
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = re.search(
        r"^botocore==(\S+)$", (REPO / "requirements.txt").read_text(encoding="utf-8"), re.M
    )
    assert pinned is not None
    # When the dependencies are read
    # Then botocore alone, from the version the proxy is tested with, below the next major
    assert project["dependencies"] == [f"botocore>={pinned[1]},<2"]


def test_the_console_script_is_ep() -> None:
    # Given the client's pyproject
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # When its scripts are read
    # Then `ep` runs the client's main
    assert project["scripts"] == {"ep": "ep_client.cli:main"}
