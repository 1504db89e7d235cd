"""The pure core stays pure: its modules import neither boto3, botocore nor Powertools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LAMBDA_ROOT = Path(__file__).resolve().parents[2] / "lambda"
PURE_MODULES = (
    "audit",
    "cache",
    "conditional",
    "config",
    "deadline",
    "errors",
    "identity",
    "ids",
    "model",
    "pages_view",
    "policy",
    "problems",
    "regions",
    "time_window",
    "view",
)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_aws_library(module: str) -> None:
    # Given a fresh interpreter with only the Lambda package on the path
    probe = (
        f"import sys; import engagement_proxy.{module}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'boto3', 'botocore', 'aws_lambda_powertools', 'aws_xray_sdk'}))"
    )

    # When it imports the module
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=LAMBDA_ROOT,
        env={"PYTHONPATH": str(LAMBDA_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )

    # Then none of the AWS libraries was loaded
    assert result.stdout.strip() == "[]"
