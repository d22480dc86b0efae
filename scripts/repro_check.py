"""Reproducibility check: do two runs of the embedded study reach the same conclusions?

Runs (or reuses) two studies and prints, cell by cell, whether each run's value lies inside the
other's 95 % interval, and whether every verdict agrees (pebench_cli/study/repro.py; targets:
>= 95 % of Table 1/2 cells inside, no finding "held" in one run and "not held" in the other).

    .venv/bin/python scripts/repro_check.py --a runs/demo --b runs/demo-seed1 [--seed-b 1] [--config demo.yaml]
        [--label-a "AMD EPYC, seed 0"] [--label-b "..."] [--out docs/reproducibility.md]

A folder without a finished study is run first: ``pebench study CONFIG --out DIR --seed N`` (A with
--seed-a, B with --seed-b; each resumes if interrupted). For two machines, run each study on its own
machine, copy one folder (with its eval/ logs) to the other, and pass both.
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="study folder A")
    ap.add_argument("--b", required=True, help="study folder B")
    ap.add_argument("--config", default="demo.yaml")
    ap.add_argument("--seed-a", type=int, default=0)
    ap.add_argument("--seed-b", type=int, default=1)
    ap.add_argument("--label-a")
    ap.add_argument("--label-b")
    ap.add_argument("--out", help="also write the printout to this file")
    args = ap.parse_args()
    from pebench_cli.study import plan, repro

    for folder, seed in ((args.a, args.seed_a), (args.b, args.seed_b)):
        if not (plan.layout(Path(folder))["report"] / "report.md").is_file():
            print(f"running the study into {folder} (seed {seed})", flush=True)
            subprocess.run([str(BIN / "pebench"), "study", args.config, "--out", folder, "--seed", str(seed)], check=True)
    cells, verdicts = repro.compare(plan.summaries(Path(args.a)), plan.summaries(Path(args.b)))
    text = repro.render(cells, verdicts, args.label_a or f"{args.a} (seed {args.seed_a}, {_cpu()})",
                        args.label_b or f"{args.b} (seed {args.seed_b}, {_cpu()})")
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
