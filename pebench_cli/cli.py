"""`pebench` console script: every package's subcommands under one command."""
from __future__ import annotations

import argparse
import sys

from pebench_core.cli import OneLineParser, run
from pebench_data import cli as data_cli
from unlearn.models import cli as model_cli

from . import eval_cli, forget_quality_cli
from .study import cli as study_cli

# each module adds its subcommands to the given subparsers object (their heavy imports stay inside
# the commands, so `pebench --help` stays fast); unlearn's `model` command is mounted here too
_COMMANDS = [data_cli.register, model_cli.register, eval_cli.register, forget_quality_cli.register, study_cli.register]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="pebench", description="PEBench: unlearning benchmark for multimodal LLMs")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _COMMANDS:
        register(sub)
    return parser


def _main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def main(argv=None) -> None:
    sys.exit(run(_main, argv))


if __name__ == "__main__":
    main()
