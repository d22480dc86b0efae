"""The named steps that ``unlearn finetune`` and ``unlearn run`` share (the skeleton of both):
check/dry-run -> prepare the work folder and seed -> load the model -> train -> save atomically
-> clean up. Each entry point only wires its own data, trainer and metadata through these."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from pebench_core import config as C
from pebench_core.errors import UserError

from . import common
from .settings import SpeedSettings
from pebench_core.seeding import seed_everything


def model_folder(model: str | Path) -> Path:
    model_dir = Path(model)
    if not (model_dir / "config.json").is_file():
        raise UserError(f"--model {model_dir}: not a model folder (no config.json)")
    return model_dir


def dry_run(run: dict, enabled: bool) -> bool:
    """Print the resolved run record and say whether to stop here."""
    if enabled:
        print(C.to_yaml(run), end="")
    return enabled


def start(out: Path, run: dict, cfg: dict, seed: int, resume: bool, overwrite: bool) -> tuple[Path, str | None]:
    """Work folder (checkpoints, resume), threads and seeds. Returns (work dir, checkpoint or None)."""

    work, ckpt = common.prepare_work_dir(out, run, resume, overwrite)
    common.set_threads(cfg)
    seed_everything(seed)
    return work, ckpt


def load_model(model_dir: Path, speed: SpeedSettings, fast_encoding: bool, bf16: bool):
    """(model, processor, encoder) with the training speed patches applied."""
    import torch

    from unlearn.models import load_model_and_processor

    from .data import Encoder
    from .trainers.speed import patch_qwen2_vl_vision_attention

    if speed.batched_vision_attention:
        patch_qwen2_vl_vision_attention()
    # on the CPU: the Trainer places it (on the GPU, or on the CPU under use_cpu)
    model, processor = load_model_and_processor(model_dir, dtype=torch.bfloat16 if bf16 else None, device="cpu")
    return model, processor, Encoder(processor, fast=fast_encoding)


def callbacks(guard, work: Path) -> list:
    from .trainers import GuardCallback, StatusFileCallback, StepTimer

    return [GuardCallback(guard), StatusFileCallback(work / "status.json"), StepTimer(), *common.test_hook_callbacks()]


def speed(trainer) -> dict:
    """The run's seconds per step, device and peak GPU memory (StepTimer), for its metadata."""
    from .trainers import StepTimer

    timer = next((c for c in trainer.callback_handler.callbacks if isinstance(c, StepTimer)), None)
    return timer.summary(trainer.model) if timer is not None else {}


def train(trainer, ckpt: str | None) -> float | None:
    """Train (resuming from ``ckpt``); the seconds it took on the main process, None on the others."""
    t0 = time.time()
    trainer.train(resume_from_checkpoint=ckpt)
    seconds = time.time() - t0
    trainer.accelerator.wait_for_everyone()
    return seconds if trainer.is_world_process_zero() else None


def finish(work: Path, cfg: dict, out: Path, message: str) -> None:
    if not common.TrainSettings.from_cfg(cfg).keep_checkpoints:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out} ({message})", flush=True)


def speed_line(sp: dict) -> str:
    """``speed`` as one line: what a person reads after a run (and scripts/gpu_smoke.sh greps)."""
    if not sp or sp.get("seconds_per_step") is None:
        return "speed: too few steps to time"
    mem = f", peak GPU memory {sp['peak_gpu_memory_gib']:.2f} GiB" if "peak_gpu_memory_gib" in sp else ""
    return f"speed: {sp['seconds_per_step']:.3f} s/step on {sp['device']}{mem}"
