"""Benchmark (not a test): build the `full` synthetic data set into a temporary folder and print
images/s and total seconds.

    python scripts/bench_data_build.py [--scale full] [--workers 2] [--image-size 112] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pebench_data.build import build_tables
from pebench_data.profiles import SCALES
from pebench_data.writer import write_pebench


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=list(SCALES), default="full")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--image-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default=None, help="write the folder here instead of a deleted temp dir")
    args = ap.parse_args()
    size = args.image_size or SCALES[args.scale]["image_size"]
    tmp = Path(tempfile.mkdtemp(prefix="pebench-bench-"))
    out = Path(args.keep) if args.keep else tmp / "data"
    def cpu():  # this process + finished workers: a load-independent figure on a shared machine
        return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
                   for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

    try:
        c0, t0 = cpu(), time.perf_counter()
        people, events, images, qa, meta = build_tables(args.scale, args.seed, size, args.workers, progress=True)
        c1, t1 = cpu(), time.perf_counter()
        write_pebench(out, people=people, events=events, images=images, qa=qa, meta=meta, seed=args.seed,
                      overwrite=bool(args.keep))
        c2, t2 = cpu(), time.perf_counter()
        mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
        print(f"scale={args.scale} image_size={size} workers={args.workers}: {len(images)} images, {len(qa)} QA rows")
        print(f"draw {t1 - t0:.1f} s ({len(images) / (t1 - t0):.0f} images/s), write {t2 - t1:.1f} s, "
              f"total {t2 - t0:.1f} s ({len(images) / (t2 - t0):.0f} images/s overall), {mb:.0f} MB")
        print(f"CPU time: draw {c1 - c0:.1f} s ({(c1 - c0) / len(images) * 1e3:.2f} ms/image), write {c2 - c1:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
