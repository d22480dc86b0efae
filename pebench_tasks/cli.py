"""`pebench` console script. Each concern registers its own subcommands (lazy imports keep
`pebench --help` fast)."""
from __future__ import annotations

import argparse
import importlib
import sys

from pebench_core.cli import OneLineParser, run

# (module, function) pairs; each function adds its subcommands to the given subparsers object.
# The top-level composition: the benchmark's own commands and unlearn's `model` command.
_COMMANDS = [
    ("pebench_tasks.data.cli", "register"),
    ("unlearn.models.cli", "register"),
    ("pebench_tasks.eval_cli", "register"),
    ("pebench_tasks.forget_quality_cli", "register"),
    ("pebench_tasks.demo", "register"),
    ("pebench_tasks.study.cli", "register"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="pebench", description="PEBench: unlearning benchmark for multimodal LLMs")
    sub = parser.add_subparsers(dest="command", required=True)
    for module, fn in _COMMANDS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name == module:  # not written yet
                continue
            raise
        getattr(mod, fn)(sub)
    return parser


def _main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def main(argv=None) -> None:
    sys.exit(run(_main, argv))


if __name__ == "__main__":
    main()
