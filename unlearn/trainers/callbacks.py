"""Training callbacks: a greedy-generation learning curve and a status file for progress/resume."""
from __future__ import annotations

import json
import time
from pathlib import Path

from transformers import TrainerCallback


class CurveCallback(TrainerCallback):
    """Every ``every`` optimizer steps, greedy-decode a few fixed prompt sets and record the scores
    with the elapsed training time (evaluation time excluded). ``sets``: name -> encoded prompt rows."""

    def __init__(self, evaluate_fn, every: int, sets: dict, out_file: str | Path | None = None):
        self.evaluate_fn, self.every, self.sets = evaluate_fn, int(every), sets
        self.out_file = Path(out_file) if out_file else None
        self.curve: list[dict] = []
        self._t0 = None
        self._eval_time = 0.0

    def on_train_begin(self, args, state, control, **kw):
        self._t0 = time.time()

    def run(self, model, step: int) -> dict:
        t = time.time()
        point = {"step": step, "train_seconds": round(t - self._t0 - self._eval_time, 1)}
        for name, rows in self.sets.items():
            point[name] = self.evaluate_fn(model, rows)
        self._eval_time += time.time() - t
        self.curve.append(point)
        brief = "  ".join(f"{n}: name {v['name_precision']:.1f} event {v['event_accuracy']:.1f}"
                          for n, v in point.items() if isinstance(v, dict))
        print(f"[curve] step {step} ({point['train_seconds']:.0f}s train): {brief}", flush=True)
        if self.out_file:
            self.out_file.write_text(json.dumps(self.curve, indent=1))
        return point

    def on_step_end(self, args, state, control, model=None, **kw):
        if self.every > 0 and state.global_step % self.every == 0 and state.global_step < state.max_steps:
            self.run(model, state.global_step)


class StatusFileCallback(TrainerCallback):
    """Write ``status.json`` (step, max_steps, last logs) next to the checkpoints at every log."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_log(self, args, state, control, logs=None, **kw):
        if not state.is_world_process_zero:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"step": state.global_step, "max_steps": state.max_steps,
                                         "logs": logs or {}, "time": time.time()}, indent=1))


class StepTimer(TrainerCallback):
    """Wall time per optimizer step (median after ``warmup`` steps: the first ones compile kernels,
    encode rows and fill caches) and, on a GPU, the peak memory the run allocated; written to the
    run's metadata as ``speed`` (what scripts/gpu_smoke.sh prints)."""

    def __init__(self, warmup: int = 2):
        self.warmup = warmup
        self.ends: list[float] = []

    def on_step_end(self, args, state, control, **kw):
        self.ends.append(time.perf_counter())

    def summary(self, model=None) -> dict:
        import statistics

        import torch

        gaps = [b - a for a, b in zip(self.ends, self.ends[1:])][max(0, self.warmup - 1):]
        out = {"seconds_per_step": round(statistics.median(gaps), 4) if gaps else None, "timed_steps": len(gaps)}
        dev = next((p.device for p in model.parameters()), None) if model is not None else None
        out["device"] = str(dev) if dev is not None else None
        if dev is not None and dev.type == "cuda":
            out["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated(dev) / 2**30, 3)
        return out
