"""Benchmark: how soon an unlearning run starts training, and its peak memory, mini vs full scale.

For each scale (mini: 20 x 8, full: the paper's 200 x 40) it builds the synthetic set and an
untrained tiny Qwen2-VL on it (cached in --work), then runs `unlearn run --method gd` (the retain
set is the largest input: 201,600 rows at full scale) for ONE step and prints the time from the
process start to the first step (the "ready" line: model load, forget rows encoded, retain pool
opened), the whole process wall time and its peak RSS, side by side.

    .venv/bin/python scripts/bench_unlearn_start.py [--work runs/bench-unlearn-start]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import BIN, run  # noqa: E402

ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="runs/bench-unlearn-start")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = []
    for scale in ("mini", "full"):
        work = Path(args.work) / scale
        data, model = work / "data", work / "tiny"
        if not data.exists():
            print(f"building the {scale} set (once) ...", flush=True)
            run([BIN / "pebench", "data", "build", "--scale", scale, "--seed", args.seed, "--out", data, "--quiet"], ENV)
        if not model.exists():
            run([BIN / "pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", data, "--out", model, "--seed", args.seed], ENV)
        print(f"{scale}: unlearn run --method gd, 1 step ...", flush=True)
        ran = run([BIN / "unlearn", "run", "--method", "gd", "--target", "person", "--forget", "forget10", "--model", model,
                   "--data", data, "--out", work / "adapter", "--seed", args.seed, "--overwrite", "train.max_steps=1",
                   "train.progress=false", "train.threads=2"], ENV)
        text = (ran.stdout or "") + (ran.stderr or "")
        m = re.search(r": (\d+) forget rows, (\d+) retain rows \(ready in ([\d.]+)s", text)
        rows.append((scale, int(m.group(1)), int(m.group(2)), float(m.group(3)), ran.wall, ran.rss_mib))
    print(f"\nunlearning start-up, {os.cpu_count()} CPU(s)")
    print(f"{'scale':<6}{'forget rows':>12}{'retain rows':>13}{'rows ready s':>14}{'process wall s':>16}{'peak RSS MiB':>14}")
    for scale, nf, nr, ready, wall, rss in rows:
        print(f"{scale:<6}{nf:>12,}{nr:>13,}{ready:>14.1f}{wall:>16.1f}{rss:>14.0f}")
    print("(process wall = start-up + 1 training step + saving the adapter: an upper bound on the time to the first step)")


if __name__ == "__main__":
    main()
