"""`unlearn` console script: fine-tune / goal models and LoRA unlearning runs.

    unlearn finetune --model DIR --data DIR --split finetune_train|goal_train [--setting S] --out DIR --seed N
                     [--config YAML] [key=value ...] [--dry-run] [--resume] [--overwrite]
    unlearn run --method M --target person|event|both --forget forget05|forget10|forget20
                --model FINETUNED --data DIR --out DIR --seed N [--config YAML] [key=value ...]
                [--dry-run] [--resume] [--overwrite]
    unlearn methods                          # known methods and their default configs
    unlearn verify --model DIR --adapter DIR # does the adapter belong to this base model?
    unlearn score --model DIR [--adapter DIR] --data DIR --setting S --split forget|generality|retain|scope

Bad input: one line `error: ...` on stderr, exit code 2, nothing half-written.
"""
from __future__ import annotations

import argparse
import sys

from pebench_core.cli import OneLineParser, run as run_cli
from pebench_core.names import DEFAULT_FORGET, FORGET_SIZES, TARGETS


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model folder (tiny model, local HF checkpoint or fine-tuned model)")
    p.add_argument("--data", required=True, help="PEBench data folder (pebench data build / import)")
    p.add_argument("--out", required=True, help="output folder (written atomically)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", default=None, help="YAML merged over the default config")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its last checkpoint (the same command without --resume "
                        "resumes too; --resume fails if there is nothing to resume)")
    p.add_argument("--overwrite", action="store_true", help="replace --out and discard checkpoints of an earlier run")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="unlearn", description="PEBench training: fine-tune/goal models and LoRA unlearning",
                                     epilog="Overrides: key.sub=value after the options, e.g. train.lr=1e-4 lora.r=16")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("finetune", help="train the Finetune model (finetune_train) or a Goal model (goal_train)")
    _common(p)
    p.add_argument("--split", default="finetune_train", choices=["finetune_train", "goal_train"])
    p.add_argument("--setting", default=None, help="forget setting for goal_train, e.g. person_forget10")
    p.set_defaults(func=_finetune)

    p = sub.add_parser("run", help="one unlearning method, one target, one forget split -> a LoRA adapter")
    _common(p)
    p.add_argument("--method", required=True, help="ga, gd, kl, po, dpo, npo, siu, gd_bgd, kl_bgd (see `unlearn methods`)")
    p.add_argument("--target", required=True, choices=TARGETS)
    p.add_argument("--forget", default=DEFAULT_FORGET, choices=FORGET_SIZES)
    p.set_defaults(func=_run)

    p = sub.add_parser("methods", help="list the unlearning methods and their default configs")
    p.set_defaults(func=_methods)

    p = sub.add_parser("verify", help="check that an adapter was trained on this base model")
    p.add_argument("--model", required=True)
    p.add_argument("--adapter", required=True)
    p.set_defaults(func=_verify)

    p = sub.add_parser("score", help="quick greedy scores with transformers (not the benchmark's lmms-eval run)")
    p.add_argument("--model", required=True)
    p.add_argument("--adapter", default=None)
    p.add_argument("--data", required=True)
    p.add_argument("--setting", required=True)
    p.add_argument("--split", action="append", default=None,
                   help="forget, generality, retain, scope (repeatable; default: all four)")
    p.add_argument("--max-rows", type=int, default=None)
    p.set_defaults(func=_score)
    return parser


def _parse(argv):
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    bad = [r for r in rest if "=" not in r or r.startswith("-")]
    if bad:
        parser.error(f"unrecognized arguments: {' '.join(bad)}")
    args.overrides = rest
    if args.command in ("methods", "verify", "score") and rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def _finetune(args) -> int:
    from .finetune import finetune

    finetune(args.model, args.data, args.split, args.out, seed=args.seed, setting=args.setting,
             config_file=args.config, overrides=args.overrides, resume=args.resume, overwrite=args.overwrite,
             dry_run=args.dry_run)
    return 0


def _run(args) -> int:
    from .run import run_unlearning

    run_unlearning(args.method, args.target, args.forget, args.model, args.data, args.out, seed=args.seed,
                   config_file=args.config, overrides=args.overrides, resume=args.resume, overwrite=args.overwrite,
                   dry_run=args.dry_run)
    return 0


def _methods(args) -> int:
    from .methods import REGISTRY, known_methods
    from .run import method_config_path

    for name in known_methods():
        cls = REGISTRY.get(name.split("_")[0])
        doc = (cls.__doc__ or sys.modules[cls.__module__].__doc__ or "").strip().splitlines()[0] if cls else ""
        print(f"{name:8s} {method_config_path(name)}  {doc}")
    return 0


def _verify(args) -> int:
    from .run import verify_adapter

    info = verify_adapter(args.model, args.adapter)
    print(f"ok: {args.adapter} was trained on {args.model} ({info.method}, {info.setting}, seed {info.seed})")
    return 0


def _score(args) -> int:
    import json

    from .run import score_model

    res = score_model(args.model, args.adapter, args.data, args.setting, args.split or
                      ["forget", "generality", "retain", "scope"], max_rows=args.max_rows)
    print(json.dumps(res, indent=1))
    return 0


def _main(argv=None) -> int:
    args = _parse(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        if args.command in ("finetune", "run"):
            print("interrupted: checkpoints are kept beside --out; run the same command again (or add --resume) "
                  "to continue from the last one", file=sys.stderr)
            return 130
        raise


def main(argv=None) -> None:
    sys.exit(run_cli(_main, argv))


if __name__ == "__main__":
    main()
