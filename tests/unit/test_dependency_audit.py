"""The CI dependency audit: fails on vulnerabilities, says so when it could not look."""

from __future__ import annotations

from tools.dependency_audit import summarize


def test_known_vulnerabilities_are_findings():
    # Given a pip-audit report with one vulnerable and one clean package
    report = {
        "dependencies": [
            {
                "name": "urllib3",
                "version": "1.0",
                "vulns": [{"id": "GHSA-x", "fix_versions": ["2.0"]}],
            },
            {"name": "boto3", "version": "1.44.8", "vulns": []},
        ]
    }
    # When it is summarized
    findings, unaudited, audited = summarize(report)
    # Then the vulnerable package is a finding naming the advisory and the fix
    assert findings == ["urllib3 1.0: GHSA-x (fixed in 2.0)"]
    assert (unaudited, audited) == ([], 2)


def test_packages_that_could_not_be_audited_are_not_counted_as_clean():
    # Given a report where the vulnerability data was unreachable for one package
    report = {"dependencies": [{"name": "boto3", "skip_reason": "Dependency not found on PyPI"}]}
    # When it is summarized
    findings, unaudited, audited = summarize(report)
    # Then it is listed as unaudited, not as audited and clean
    assert (findings, unaudited, audited) == ([], ["boto3"], 0)
