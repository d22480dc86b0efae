"""`pebench demo`: the whole pipeline on the embedded default, in one folder.

    DIR/data                                  pebench data build --scale mini
    DIR/tiny-qwen2-vl                         pebench model tiny --arch qwen2_vl
    DIR/finetuned                             unlearn finetune --split finetune_train
    DIR/goals/goal-<target>_<forget>          unlearn finetune --split goal_train (one Goal model per target)
    DIR/adapters/<method>-<target>_<forget>   unlearn run (one LoRA adapter per method x target)
    DIR/eval/summary.md                       pebench eval --model vllm_lora --adapters DIR/adapters --include-base
                                              --full-models DIR/goals/...

The Finetune and Goal trainings are independent: they run side by side, one thread each (on 2 cores
two 1-thread trainings take ~15% less time than one 2-thread training after the other), their output
in DIR/.logs/<stage>.log and a progress line per minute here.

Each stage runs as a subprocess of this venv's console scripts, so the demo runs exactly the commands a
user would type (printed before each stage) and their progress bars stream through unchanged.
Resumable: the sub-commands write their output folders atomically, so an existing folder is a finished
stage and is skipped; an interrupted fine-tune or unlearning run continues from its checkpoints when the
same command runs again, which is what re-running the demo does.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from pebench_core import stages as ST
from pebench_core.adapter_meta import AdapterMeta
from pebench_core.errors import UserError
from pebench_core.names import FORGET_SIZES as FORGETS
from pebench_core.names import TARGETS

from . import pipeline as P

DEFAULT_METHODS = "ga,gd,kl,npo,po"
# Top-level names a demo folder may hold. Hidden siblings such as `.finetuned.work` (checkpoints) or
# `.data.tmp-xxxx` (an interrupted atomic write) belong to the stage named after the first dot.
LAYOUT = ("data", "tiny-qwen2-vl", "finetuned", "goals", "adapters", "eval", P.LOGS_DIR.lstrip("."), ST.RECORDS_DIR.lstrip("."))
PARALLEL = "parallel training"        # stage group whose members run side by side


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="run the whole pipeline on the embedded default (data, tiny model, fine-tune, unlearning, eval)",
        description="Build the mini data set, a tiny Qwen2-VL, its fine-tuned model, one LoRA adapter per method x "
                    "target, and evaluate them all, under one folder. Each stage is the project's own CLI; a stage "
                    "whose output already exists is skipped, so re-running the same command resumes.")
    p.add_argument("--out", required=True, metavar="DIR", help="demo folder (created; re-use it to resume)")
    p.add_argument("--seed", required=True, type=int, help="seed passed to every stage")
    p.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma-separated unlearning methods (default: {DEFAULT_METHODS})")
    p.add_argument("--targets", default="person,event", help="comma-separated targets: person, event, both (default: person,event)")
    p.add_argument("--forget", default="forget10", help="forget split: forget05, forget10, forget20 (default: forget10)")
    p.add_argument("--steps", type=int, default=40, help="unlearning steps per adapter (train.max_steps, default: 40)")
    p.add_argument("--goals", default="same", help="Goal models (upper bound rows): 'same' (one per --targets, default), "
                                                   "'none', or comma-separated targets")
    p.add_argument("--skip-eval", action="store_true", help="stop after the adapters (no lmms-eval run)")
    p.add_argument("--overwrite", action="store_true", help="delete DIR first (only if it is a demo folder)")
    p.add_argument("--dry-run", action="store_true", help="print the planned stage commands and exit (nothing is written)")
    p.set_defaults(func=_demo)


def _parse_list(value: str, known, what: str) -> list[str]:
    items = list(dict.fromkeys(x.strip() for x in value.split(",") if x.strip()))  # dedupe, keep order
    if not items:
        raise UserError(f"--{what}s is empty; known: {', '.join(known)}")
    for x in items:
        if x not in known:
            raise UserError(f"unknown {what} {x!r}; known: {', '.join(known)}")
    return items


def _check_args(args, root: Path) -> tuple[list[str], list[str]]:
    # imported here, not at the top: it imports torch (~1 s), which `pebench --help` should not pay for
    from unlearn.methods import known_methods

    methods = _parse_list(args.methods, known_methods(), "method")
    targets = _parse_list(args.targets, TARGETS, "target")
    if args.forget not in FORGETS:
        raise UserError(f"unknown forget split {args.forget!r}; known: {', '.join(FORGETS)}")
    if args.steps < 1:
        raise UserError(f"--steps must be >= 1, got {args.steps}")
    bgd = [m for m in methods if m.endswith("_bgd")]
    if bgd and targets != ["both"]:
        raise UserError(f"{bgd[0]} needs --targets both (BGD balances persons and events forgotten together)")
    # Refuse (and never delete) a folder that holds anything the demo did not make.
    if root.exists():
        if not root.is_dir():
            raise UserError(f"{root}: exists and is not a folder; choose another --out")
        foreign = sorted(p.name for p in root.iterdir() if p.name.lstrip(".").split(".")[0] not in LAYOUT)
        if foreign:
            raise UserError(f"{root}: exists and is not a demo folder (it holds {foreign[0]!r}); choose another --out")
    return methods, targets


def _goal_targets(args, targets: list[str]) -> list[str]:
    value = getattr(args, "goals", "same")
    if value == "same":
        return list(targets)
    if value == "none":
        return []
    return _parse_list(value, TARGETS, "goal")


def _check_existing(args, root: Path, adapters: list[Path]) -> None:
    """Completed stages are only re-used if they match this command (else the demo would mix runs)."""
    meta = root / "data" / "meta.json"
    if meta.exists():
        seed = json.loads(meta.read_text(encoding="utf-8")).get("seed")
        if seed != args.seed:
            raise UserError(f"{root}: was built with --seed {seed}; pass --seed {seed} or --overwrite")
    for a in adapters:
        info = AdapterMeta.read_optional(a) if a.exists() else None
        if info is not None:
            steps = info.hyperparameters["train"]["max_steps"]
            if steps != args.steps:
                raise UserError(f"{a}: was trained with --steps {steps}; pass --steps {steps} or delete that folder")


def plan(args, root: Path, methods: list[str], targets: list[str]) -> list[P.Stage]:
    """The stage commands in order, each with its identity and whether its completion record
    matches (pure: reads the folder, writes nothing)."""
    pebench, unlearn, seed = P.script("pebench"), P.script("unlearn"), ["--seed", str(args.seed)]
    data, tiny, ft, adapters = root / "data", root / "tiny-qwen2-vl", root / "finetuned", root / "adapters"
    goals = _goal_targets(args, targets)
    threads = ["train.threads=1"] if goals else []     # side by side: one thread each
    specs = [
        ("data", data, pebench, ["data", "build", "--scale", "mini", "--out", str(data), *seed], [], True),
        ("tiny model", tiny, pebench, ["model", "tiny", "--arch", "qwen2_vl", "--data", str(data), "--out", str(tiny), *seed],
         ["data"], True),
        ("finetune", ft, unlearn, ["finetune", "--model", str(tiny), "--data", str(data), "--split", "finetune_train",
                                   "--out", str(ft), *seed, *threads], ["data", "tiny model"], True),
    ]
    goal_dirs = []
    for t in goals:
        out = root / "goals" / f"goal-{t}_{args.forget}"
        goal_dirs.append(out)
        specs.append((f"goal {t}_{args.forget}", out, unlearn, [
            "finetune", "--model", str(tiny), "--data", str(data), "--split", "goal_train", "--setting",
            f"{t}_{args.forget}", "--out", str(out), *seed, *threads], ["data", "tiny model"], True))
    for m in methods:
        for t in targets:
            out = adapters / f"{m}-{t}_{args.forget}"
            specs.append((f"unlearn {out.name}", out, unlearn, [
                "run", "--method", m, "--target", t, "--forget", args.forget, "--model", str(ft), "--data", str(data),
                "--out", str(out), *seed, f"train.max_steps={args.steps}"], ["data", "finetune"], True))
    if not args.skip_eval:
        # No --forget/--setting here: that would force one setting on every adapter; without it each adapter is
        # scored on the target and forget split recorded in its pebench_unlearn.json (docs/scoring.md).
        specs.append(("eval", root / "eval" / "summary.md", pebench, [
            "eval", "--model", "vllm_lora", "--model-args", f"model={ft}", "--adapters", str(adapters),
            "--include-base", *(["--full-models", ",".join(map(str, goal_dirs))] if goal_dirs else []),
            "--data", str(data), "--output", str(root / "eval"), *seed],
            ["data", "finetune", *[sp[0] for sp in specs[3:]]], False))
    stages = P.resolve(root, [
        P.StageSpec(label, out, script, cmd, tuple(upstream), atomic,
                    PARALLEL if goals and (label == "finetune" or label.startswith("goal ")) else "")
        for label, out, script, cmd, upstream, atomic in specs], overwrite=args.overwrite)
    if not args.overwrite:
        _check_existing(args, root, [s.out for s in stages if s.label.startswith("unlearn ")])
    return stages


def _demo(args) -> int:
    root = Path(args.out).expanduser().resolve()
    methods, targets = _check_args(args, root)
    if args.overwrite and root.exists() and not args.dry_run:
        shutil.rmtree(root)
        print(f"removed {root} (--overwrite)", flush=True)
    stages = plan(args, root, methods, targets)
    n = len(stages)
    if args.dry_run:
        P.print_plan(stages)
        return 0

    t_all = time.time()
    built = P.run(root, stages)

    print(f"\ndemo folder {root} ({time.time() - t_all:.1f} s):")
    for s in stages:
        print(f"  {s.label:<28} {'built  ' if s.label in built else 'reused '} {s.out}")
    if not args.skip_eval:
        print(f"\n{(root / 'eval' / 'summary.md').read_text(encoding='utf-8')}")
    return 0
