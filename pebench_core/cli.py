"""How every console script turns bad input into one line and exit code 2."""
from __future__ import annotations

import argparse
import os
import sys

from .atomic import FULL_DISK, FULL_DISK_FIX
from .errors import UserError


def run(main_fn, argv=None) -> int:
    """Run a CLI entry point; bad input becomes one line on stderr and exit code 2."""
    try:
        return int(main_fn(argv) or 0)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if e.errno not in FULL_DISK:
            raise
        # a write outside pebench_core.atomic (whose outputs say which folder was not kept)
        where = f" while writing {e.filename}" if e.filename else ""
        print(f"error: the disk is full{where} ({os.strerror(e.errno)}): {FULL_DISK_FIX}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130


class OneLineParser(argparse.ArgumentParser):
    """argparse with bad-input errors as one line (not usage + error), exit code 2."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")
