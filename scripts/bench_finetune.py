"""Benchmark: the tiny model's fine-tune recipes measured side by side in one run.

  (old) the recipe before 2026-12-02: batch 32, 1,600 steps, no auxiliary identity loss
  (new) task_configs/finetune/tiny.yaml as shipped (batch 16, auxiliary identity heads)
  (bf16) the same with bfloat16 autocast (fp32 master weights); measured 1.02x on AVX512-BF16 (README)

All on the same mini data and untrained tiny Qwen2-VL, one after the other, 2 threads each.
Default: ``--steps 100`` of each to measure seconds per step and project each recipe's whole
training time (its own max_steps); ``--full`` trains each recipe to the end and prints their
final greedy name/event scores (train and held-out views) beside the wall times (~25 min here).

    .venv/bin/python scripts/bench_finetune.py [--full] [--work runs/bench-finetune]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import BIN, run  # noqa: E402

OLD = ["train.batch_size=32", "train.max_steps=1600", "aux.person=0", "aux.event=0"]
RECIPES = {"old": OLD, "new": [], "bf16": ["train.bf16=true"]}
ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}


def sh(cmd: list) -> float:
    return run(cmd, ENV).wall


def recipe_steps(extra: list[str]) -> int:
    from pebench_core import config as C

    cfg = C.resolve(C.config_path("finetune", "tiny.yaml"), None, extra)
    return int(C.get(cfg, "train.max_steps"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="runs/bench-finetune")
    ap.add_argument("--steps", type=int, default=100, help="steps per recipe for the seconds-per-step figure")
    ap.add_argument("--full", action="store_true", help="train each recipe to the end (scores + wall time)")
    ap.add_argument("--recipes", nargs="+", choices=sorted(RECIPES), default=["old", "new", "bf16"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    work = Path(args.work)
    data, model = work / "data", work / "tiny"
    if not data.exists():
        sh([BIN / "pebench", "data", "build", "--scale", "mini", "--seed", args.seed, "--out", data])
    if not model.exists():
        sh([BIN / "pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", data, "--out", model, "--seed", args.seed])
    rows = []
    for name in args.recipes:
        extra = RECIPES[name]
        out = work / f"{name}-{'full' if args.full else args.steps}"
        steps = recipe_steps(extra)
        short = [] if args.full else [f"train.max_steps={args.steps}", "eval.final=false", "consolidate.known=0"]
        cmd = [BIN / "unlearn", "finetune", "--model", model, "--data", data, "--split", "finetune_train", "--out", out,
               "--seed", args.seed, "--overwrite", "train.progress=false", "train.threads=2", *extra, *short]
        ran = run(cmd, ENV)
        wall = ran.wall
        meta = json.loads((out / "pebench_finetune.json").read_text())
        per_step = meta["train_seconds"] / meta["steps"]
        rows.append((name, steps, per_step, steps * per_step, wall, meta.get("scores") or {}, ran.rss_mib))
    print(f"\nfine-tune recipes, {os.cpu_count()} CPU(s)")
    print(f"{'recipe':<6} {'steps':>6} {'s/step':>7} {'train min':>10} {'wall s':>7} {'peak RSS MiB':>13}  scores (names train/held-out, events)")
    for name, steps, per_step, train_s, wall, sc, rss in rows:
        tv, hv = sc.get("train_views", {}), sc.get("heldout_views", {})
        score = (f"{tv.get('name_precision', float('nan')):.1f} / {hv.get('name_precision', float('nan')):.1f}, "
                 f"{tv.get('event_accuracy', float('nan')):.1f}") if sc else "(not trained to the end: --full)"
        print(f"{name:<6} {steps:>6} {per_step:>7.3f} {train_s / 60:>10.1f} {wall:>7.0f} {rss:>13.0f}  {score}")
    ref = rows[0]
    for row in rows[1:]:
        print(f"{ref[0]}/{row[0]} training time: {ref[3] / row[3]:.2f}x"
              f"{' (projected from ' + str(args.steps) + ' measured steps each)' if not args.full else ''}")


if __name__ == "__main__":
    main()
