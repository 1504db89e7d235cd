"""`python -m local` (`make local`): the whole Engagement Proxy on this machine, no AWS account."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _put_code_on_path() -> None:
    """`python -m` does not read pytest's pythonpath: add the repository and the Lambda asset
    root (`lambda` is a keyword, never a package). Worker processes inherit this path."""
    root = Path(__file__).resolve().parent.parent
    for entry in (str(root / "lambda"), str(root)):
        if entry not in sys.path:
            sys.path.insert(0, entry)


def main() -> int:
    _put_code_on_path()
    from local.stack import run  # imports engagement_proxy: only once the path is set

    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main())
