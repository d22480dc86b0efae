"""`pebench study CONFIG`: the paper's whole protocol from one config; `pebench demo`: the study of
the embedded default (task_configs/study/demo.yaml), the same planner; `pebench report`: the report of
one scoring folder (the study's last stage, usable on any `pebench eval --adapters` output)."""
from __future__ import annotations

import os
import time
from pathlib import Path

from pebench_core.atomic import atomic_write_text
from pebench_core.errors import UserError
from pebench_cli.study import config as SC
from pebench_cli.study import executors, plan
from pebench_cli import pipeline as P
from pebench_core import config as C

CONFIG_COPY = "study.yaml"        # the resolved config, written first: marks the folder as a study's
DEMO_CONFIG = "demo.yaml"         # `pebench demo` = `pebench study demo.yaml`


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "study", help="run a whole study from one config: data, models, unlearning, scoring, report (resumable)",
        description="Run the stages of a study config (task_configs/study/*.yaml or a file): data -> base model -> "
                    "Finetune + Goal models -> unlearning runs -> scoring -> report. A re-run skips finished stages; a "
                    "changed config re-runs what it touches.")
    p.add_argument("config", help="study YAML file, or a name from task_configs/study/ (demo.yaml, paper.yaml, ...)")
    _run_options(p, "study folder (default: runs/<config name>)")

    d = subparsers.add_parser(
        "demo", help=f"the embedded default's study (pebench study {DEMO_CONFIG}): mini data, tiny model, every method",
        description=f"The study of task_configs/study/{DEMO_CONFIG} (the embedded default: mini data, a tiny Qwen2-VL, "
                    "its Finetune and Goal models, every method, one-engine scoring, the report); the same stages, "
                    "folder and options as `pebench study demo.yaml`.")
    _run_options(d, "study folder (default: runs/demo)")
    d.set_defaults(config=DEMO_CONFIG)

    r = subparsers.add_parser("report", help="write report.md/report.html (tables, figures, findings) from a summary.csv",
                              description="The study report from a scoring folder's summary.csv (pebench eval --adapters).")
    r.add_argument("summary", nargs="+", help="summary.csv of `pebench eval --adapters ... --include-base` (several: "
                                               "one report over all their rows, e.g. one per forget-set draw)")
    r.add_argument("--out", required=True, metavar="DIR", help="report folder (written atomically)")
    r.add_argument("--title", default="PEBench study")
    r.add_argument("--no-paper-reference", action="store_true", help="leave out the paper's numbers")
    r.add_argument("--forget-quality", nargs="+", metavar="CSV",
                   help="forget_quality.csv of `pebench forget-quality` (adds that table; several: all their rows)")
    r.set_defaults(func=_report)


def _run_options(p, out_help: str) -> None:
    p.add_argument("--out", metavar="DIR", help=out_help)
    p.add_argument("--seed", type=int, help="seed of every stage (default: the config's `seed`)")
    p.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="KEY=VALUE",
                   help="override config keys, e.g. --set unlearn.steps=20 forget=[forget05]")
    p.add_argument("--executor", default="local", help="local (default) or ray (pip install 'pebench[ray]')")
    p.add_argument("--dry-run", action="store_true", help="print the plan, with what is already done, and exit")
    p.set_defaults(func=_study)


def _study(args) -> int:
    if args.executor not in executors.EXECUTORS:
        raise UserError(f"--executor {args.executor!r}: one of {', '.join(executors.EXECUTORS)}")
    overrides = list(args.overrides) + ([f"seed={args.seed}"] if args.seed is not None else [])
    cfg = SC.load(args.config, overrides)
    root = Path(args.out or Path("runs") / cfg.source.stem).expanduser().resolve()
    _check_folder(root)
    stages = P.resolve(root, plan.plan(cfg, root))
    if args.dry_run:
        print(f"study {cfg.source} -> {root}: {len(stages)} stages, {sum(s.done for s in stages)} done, device {cfg.device}")
        P.print_plan(stages)
        return 0
    root.mkdir(parents=True, exist_ok=True)

    atomic_write_text(root / CONFIG_COPY, C.to_yaml(cfg.raw))
    if cfg.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""      # every stage (a child process) on the CPU, GPU or not
    print(f"study device: {cfg.device}", flush=True)
    t0 = time.time()
    executors.run(root, stages, args.executor, plan.widths())
    report = plan.layout(root)["report"]
    print(f"\nstudy folder {root} ({(time.time() - t0) / 60:.1f} min); report: {report / 'report.md'}, {report / 'report.html'}\n")
    print((report / "report.md").read_text(encoding="utf-8"))
    return 0


def _check_folder(root: Path) -> None:
    """Never write into (or delete from) a folder that is not a study's."""
    if not root.exists():
        return
    if not root.is_dir():
        raise UserError(f"{root}: exists and is not a folder; choose another --out")
    if any(root.iterdir()) and not (root / CONFIG_COPY).is_file():
        raise UserError(f"{root}: exists and is not a study folder (no {CONFIG_COPY}); choose another --out")


def _report(args) -> int:
    from pebench_cli.study.report import write_report

    summaries = [Path(p) for p in args.summary]
    for summary in summaries:
        if not summary.is_file():
            raise UserError(f"{summary}: no such summary.csv; run `pebench eval --adapters ... --include-base` first")
    quality = [Path(p) for p in args.forget_quality or []]
    for q in quality:
        if not q.is_file():
            raise UserError(f"--forget-quality {q}: no such file; run `pebench forget-quality` first")
    out = write_report(Path(args.out), summaries, title=args.title, paper_reference=not args.no_paper_reference,
                       quality_csv=quality)
    print(f"report: {out.get('md')} {out.get('html')}")
    return 0
