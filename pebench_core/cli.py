"""How every console script turns bad input into one line and exit code 2."""
from __future__ import annotations

import sys

from .errors import UserError


def run(main_fn, argv=None) -> int:
    """Run a CLI entry point; bad input becomes one line on stderr and exit code 2."""
    try:
        return int(main_fn(argv) or 0)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
