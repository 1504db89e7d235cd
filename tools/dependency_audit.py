"""Audit the installed, pinned dependencies for known vulnerabilities with pip-audit.

Fails on any known vulnerability. When the vulnerability data cannot be had (no network, or a
registry mirror without PyPI's per-version JSON), it says so loudly and lists what went
unaudited, rather than reporting a clean bill of health it never checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def audit() -> dict[str, Any] | None:
    """pip-audit's JSON report, or None if the vulnerability service never answered in time."""
    command = [sys.executable, "-m", "pip_audit", "--local", "--format", "json"]
    try:
        result = subprocess.run(
            [*command, "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return None
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"dependency audit: pip-audit failed (exit {result.returncode})") from None
    return report


def summarize(report: dict[str, Any]) -> tuple[list[str], list[str], int]:
    """(vulnerable findings, unaudited packages, audited count)."""
    findings, unaudited, audited = [], [], 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            unaudited.append(dependency["name"])
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            findings.append(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})"
            )
    return findings, unaudited, audited


def main() -> int:
    report = audit()
    if report is None:
        print("dependency audit: WARNING nothing audited: pip-audit got no answer within 300 s")
        return 0
    findings, unaudited, audited = summarize(report)
    for finding in findings:
        print(f"dependency audit: VULNERABLE {finding}")
    if unaudited:
        print(
            f"dependency audit: WARNING {len(unaudited)} of {len(unaudited) + audited} packages "
            "could NOT be audited (vulnerability data unreachable from this machine): "
            + ", ".join(sorted(unaudited))
        )
    print(
        f"dependency audit: {audited} packages audited, {len(findings)} known vulnerabilities, "
        f"{len(unaudited)} not audited"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
