"""What the tests and the benchmarks share: API Gateway events, the documented contract, the
seed's secure texts, the local stack as a subprocess, and signed requests with their checks.

Never shipped: the Lambda asset is `lambda/engagement_proxy/` alone.
"""

import sys
from pathlib import Path

# `lambda` is a keyword, never a package: its directory goes on sys.path, as the Lambda runtime
# and pytest's `pythonpath` do, for `python -m benchmarks...` runs that import local mode.
_LAMBDA_DIR = str(Path(__file__).resolve().parent.parent / "lambda")
if _LAMBDA_DIR not in sys.path:
    sys.path.insert(0, _LAMBDA_DIR)
