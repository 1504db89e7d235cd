"""`python -m ep_client`, the same as the `ep` command."""

import sys

from ep_client.cli import main

sys.exit(main())
