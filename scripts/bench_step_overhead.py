"""Benchmark: where a training step's time goes, the model's own work against everything around it.

Runs `unlearn run` (default: GD on persons) and the first steps of `unlearn finetune` (the tiny
recipe) in this process, with timers around each part of the step, and prints per part the mean
milliseconds per step over the timed steps (after ``--warmup``) and its share:

  data         dataset items (rows, image augmentation) + collation (patchify, padding)
  to device    moving the batch to the model's device (Trainer._prepare_inputs)
  forward      the model's forward passes and the method's loss on their logits
  backward     the backward pass
  log + guard  reading the logged values and the loss (one device sync per micro-batch) and the guard's checks
  clip         gradient-norm clipping and the guard's gradient check
  optimizer    AdamW step and zero_grad
  snapshot     the guard's copy of the trainable weights at every step
  other        the rest of the Trainer loop (scheduler, callbacks, progress)

The model's share is forward + backward; the rest is the non-model share (target <= 10 %). On a GPU
(``--sync``, default there) every timer synchronises the device so that time lands where it is
spent; the printed s/step beside it is the unsynchronised one of a separate run with the same
settings. Timers are wrappers around the real methods; nothing is replaced.

    .venv/bin/python scripts/bench_step_overhead.py [--model DIR --data DIR] [--steps 30] [--what unlearn finetune]
        [--config task_configs/unlearn/real_model.yaml] [--set key=value ...]
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import BIN, run  # noqa: E402

PARTS = ["data", "to device", "forward", "backward", "log + guard", "clip", "optimizer", "snapshot", "other"]
MODEL_PARTS = ("forward", "backward")


class Profiler:
    """Exclusive time per part per step: a part's time excludes the parts timed inside it."""

    def __init__(self, sync: bool):
        self.sync = sync
        self.step = 0
        self.per_step: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.stack: list[list] = []
        self.step_ends: list[float] = []

    def _sync(self):
        if self.sync:
            import torch

            torch.cuda.synchronize()

    def wrap(self, owner, name: str, part: str):
        orig = getattr(owner, name)

        @functools.wraps(orig)
        def timed(*a, **kw):
            self._sync()
            self.stack.append([time.perf_counter(), 0.0])
            try:
                return orig(*a, **kw)
            finally:
                self._sync()
                t0, inner = self.stack.pop()
                spent = time.perf_counter() - t0
                self.per_step[self.step][part] += spent - inner
                if self.stack:
                    self.stack[-1][1] += spent
        setattr(owner, name, timed)
        return orig

    def step_end(self):
        self._sync()
        self.step_ends.append(time.perf_counter())
        self.step += 1

    def table(self, warmup: int) -> tuple[dict[str, float], float]:
        """Mean seconds per step of each part over steps [warmup, last), and the mean step time."""
        ends = self.step_ends
        steps = range(warmup, len(ends) - 1)
        # step k's parts were recorded while step counter == k+1 ... ends[k] closes step k
        walls = [ends[k + 1] - ends[k] for k in steps]
        n = max(1, len(walls))
        mean = {p: sum(self.per_step[k + 1].get(p, 0.0) for k in steps) / n for p in PARTS if p != "other"}
        wall = sum(walls) / n
        mean["other"] = max(0.0, wall - sum(mean.values()))
        return mean, wall


def instrument(prof: Profiler) -> None:
    import accelerate
    import accelerate.optimizer
    import transformers

    from unlearn.data import datasets as D
    from unlearn.trainers import callbacks as CB
    from unlearn.trainers import guard as G
    from unlearn.trainers import trainers as T

    prof.wrap(D.UnlearnDataset, "__getitem__", "data")
    prof.wrap(D.FinetuneDataset, "__getitem__", "data")
    prof.wrap(D.Collator, "__call__", "data")
    prof.wrap(transformers.Trainer, "_prepare_inputs", "to device")
    prof.wrap(T.UnlearnTrainer, "compute_loss", "forward")
    prof.wrap(T.FinetuneTrainer, "compute_loss", "forward")
    prof.wrap(T._Base, "_record", "log + guard")
    prof.wrap(accelerate.Accelerator, "backward", "backward")
    prof.wrap(T._Base, "_clip_grad_norm", "clip")
    prof.wrap(accelerate.optimizer.AcceleratedOptimizer, "step", "optimizer")
    prof.wrap(accelerate.optimizer.AcceleratedOptimizer, "zero_grad", "optimizer")
    prof.wrap(G.GuardCallback, "on_step_begin", "snapshot")
    orig_end = CB.StepTimer.on_step_end

    def on_step_end(self, *a, **kw):
        prof.step_end()
        return orig_end(self, *a, **kw)
    CB.StepTimer.on_step_end = on_step_end


def measure(args, what: str, out: Path) -> tuple[dict, float]:
    """In this process: one instrumented run of ``what``; (mean part seconds, mean step seconds)."""
    import torch

    sync = args.sync if args.sync is not None else torch.cuda.is_available()
    prof = Profiler(sync)
    instrument(prof)
    common = ["train.progress=false", f"train.max_steps={args.steps}", "train.save_steps=100000", *args.set]
    if what == "unlearn":
        from unlearn.run import run_unlearning

        run_unlearning(args.method, args.target, "forget10", str(args.model), str(args.data), str(out), seed=args.seed,
                       config_file=args.config, overrides=common, overwrite=True)
    else:
        from unlearn.finetune import finetune

        finetune(str(args.model), str(args.data), "finetune_train", str(out), seed=args.seed,
                 config_file=args.finetune_config, overrides=[*common, "eval.final=false", "consolidate.known=0"], overwrite=True)
    return prof.table(args.warmup)


def child(args) -> None:
    """One measurement in a fresh process (the wrappers stay out of the parent); prints JSON."""
    parts, wall = measure(args, args.child, Path(args.work) / f"out-{args.child}")
    print("RESULT " + json.dumps({"parts": parts, "wall": wall}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="runs/bench-step")
    ap.add_argument("--model", help="base model folder (default: a tiny Qwen2-VL built on the mini data in --work)")
    ap.add_argument("--data", help="data folder (default: the mini data built in --work)")
    ap.add_argument("--what", nargs="+", choices=["unlearn", "finetune"], default=["unlearn", "finetune"])
    ap.add_argument("--method", default="gd")
    ap.add_argument("--target", default="person")
    ap.add_argument("--config", help="extra unlearning config (e.g. task_configs/unlearn/real_model.yaml)")
    ap.add_argument("--finetune-config", help="fine-tune recipe (default: tiny.yaml for tiny models, lora.yaml else)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="overrides of both runs' configs")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--sync", type=int, choices=[0, 1], default=None, help="synchronise the GPU at every timer (default: on a GPU)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", choices=["unlearn", "finetune"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = {"VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}
    if not args.data:
        args.data = work / "data"
        if not args.data.exists():
            run([BIN / "pebench", "data", "build", "--scale", "mini", "--seed", str(args.seed), "--out", args.data], env)
    if not args.model:
        args.model = work / "tiny"
        if not args.model.exists():
            run([BIN / "pebench", "model", "tiny", "--arch", "qwen2_vl", "--data", args.data, "--out", args.model,
                 "--seed", str(args.seed)], env)
    print(f"step profile: {args.steps} steps, mean over steps {args.warmup + 1}..{args.steps - 1}; model {args.model}")
    for what in args.what:
        cmd = [sys.executable, __file__, "--child", what, "--work", work, "--model", args.model, "--data", args.data,
               "--method", args.method, "--target", args.target, "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--seed", str(args.seed), *(["--config", args.config] if args.config else []),
               *(["--finetune-config", args.finetune_config] if args.finetune_config else []),
               *(["--sync", str(args.sync)] if args.sync is not None else []), *(["--set", *args.set] if args.set else [])]
        res = run(cmd, env)
        line = next(ln for ln in res.stdout.splitlines() if ln.startswith("RESULT "))
        got = json.loads(line[len("RESULT "):])
        parts, wall = got["parts"], got["wall"]
        label = f"unlearn {args.method} on {args.target}" if what == "unlearn" else "fine-tune"
        print(f"\n{label}: {wall * 1000:.1f} ms/step")
        print(f"  {'part':<12} {'ms/step':>9} {'share':>7}")
        for p in PARTS:
            print(f"  {p:<12} {parts[p] * 1000:9.1f} {parts[p] / wall:7.1%}")
        model = sum(parts[p] for p in MODEL_PARTS)
        print(f"  model share {model / wall:.1%}, non-model share {1 - model / wall:.1%} (target <= 10%)")


if __name__ == "__main__":
    main()
