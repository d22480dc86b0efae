"""`unlearn finetune`: plant the fictitious knowledge (Finetune model) or train the Goal model.

* tiny models (trained from scratch): full fine-tune with the recipe of env notes, answer tokens only
  (``task_configs/finetune/tiny.yaml``);
* real models (LLaVA-1.5/1.6, Qwen2-VL from a local path): ``mode: lora`` (merged into the saved
  model, so that it is a plain base for the unlearning adapters) or ``mode: full``
  (``task_configs/finetune/lora.yaml``, ``full.yaml``).

The output folder is a complete model (weights in vLLM's key layout, tokenizer, processor) plus
``pebench_finetune.json`` (recipe, data hash, base model hash, seed, versions, quick greedy scores
on training and held-out views, and the learning curve if ``eval.every_steps`` > 0).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from pebench_core.errors import UserError

from . import common
from pebench_core import config as C
from pebench_core import hashing

SPLITS = ("finetune_train", "goal_train")


def default_config(model_dir: str | Path) -> Path:
    """tiny.yaml for models built by `pebench model tiny`, lora.yaml otherwise."""
    card = Path(model_dir) / "model_card.json"
    name = "tiny.yaml" if card.is_file() else "lora.yaml"
    return C.config_path("finetune", name)


def resolve_config(model_dir, config_file=None, overrides=()) -> dict:
    base = default_config(model_dir)
    if config_file and Path(config_file).name in ("tiny.yaml", "lora.yaml", "full.yaml") and not Path(config_file).exists():
        config_file = C.config_path("finetune", Path(config_file).name)
    cfg = C.resolve(base, config_file, overrides)
    mode = cfg.get("mode", "full")
    if mode not in ("full", "lora"):
        raise UserError(f"config mode: 'full' or 'lora', got {mode!r}")
    return cfg


def finetune(model: str, data: str, split: str, out: str, seed: int = 0, setting: str | None = None,
             config_file: str | None = None, overrides=(), resume: bool = False, overwrite: bool = False,
             dry_run: bool = False) -> dict | None:
    if split not in SPLITS:
        raise UserError(f"--split {split!r}: one of {', '.join(SPLITS)}")
    if split == "goal_train" and not setting:
        raise UserError("--split goal_train needs --setting (e.g. person_forget10): the goal set depends on it")
    if split == "finetune_train":
        setting = None
    model_dir, out_path = Path(model), Path(out)
    if not (model_dir / "config.json").is_file():
        raise UserError(f"--model {model_dir}: not a model folder (no config.json)")
    cfg = resolve_config(model_dir, config_file, overrides)
    run = {"command": "finetune", "model": str(model_dir.resolve()), "data": str(Path(data).resolve()), "split": split,
           "setting": setting, "seed": seed, "config": cfg}
    if dry_run:
        print(C.to_yaml(run), end="")
        return None

    from pebench_tasks.data.dataset import SETTINGS, open_dataset
    from pebench_core.seeding import seed_everything

    if setting is not None and setting not in SETTINGS:
        raise UserError(f"--setting {setting!r}: one of {', '.join(SETTINGS)}")
    ds_meta = open_dataset(data)   # validates the folder before anything heavy
    work, ckpt = common.prepare_work_dir(out_path, run, resume, overwrite)
    common.set_threads(cfg)
    seed_everything(seed)

    import torch

    from unlearn.models import load_model_and_processor

    from .data import AugmentConfig, Collator, Encoder, FinetuneDataset, load_rows
    from .evaluate import greedy_answers, heldout_rows, prompt_rows, score, split_rows
    from .trainers import CurveCallback, FinetuneTrainer, Guard, GuardCallback, GuardConfig, StatusFileCallback
    from .trainers.speed import patch_qwen2_vl_vision_attention

    if C.get(cfg, "speed.batched_vision_attention", True):
        patch_qwen2_vl_vision_attention()
    # bf16 weights only under LoRA (frozen base); a full fine-tune keeps fp32 master weights (+ autocast)
    lora_bf16 = C.get(cfg, "train.bf16") and cfg.get("mode") == "lora"
    model, processor = load_model_and_processor(model_dir, dtype=torch.bfloat16 if lora_bf16 else None)
    if cfg.get("mode") == "lora":
        from .run import wrap_lora

        model = wrap_lora(model, cfg["lora"])
    encoder = Encoder(processor, fast=bool(C.get(cfg, "data.fast_encoding", True)))
    concepts = set(C.get(cfg, "data.concepts", ["person", "event", "pope"]))
    hf = ds_meta.split(setting, split)
    t0 = time.time()
    rows = load_rows(hf, encoder, keep=lambda r: r["concept"] in concepts)
    print(f"encoded {len(rows)} rows of {split} ({len({r.image_key for r in rows})} images) in {time.time() - t0:.1f}s",
          flush=True)
    train_ds = FinetuneDataset(rows, encoder, common.virtual_length(cfg), seed,
                               AugmentConfig.from_cfg(cfg.get("augment")), repeat=C.get(cfg, "data.repeat", {}))

    # learning curve / final scores: training views (first paraphrase) and held-out views
    def eval_sets(max_rows):
        train_rows = split_rows(ds_meta, setting, split, template0=True)
        held = heldout_rows(ds_meta, exclude_setting=setting)
        return {"train_views": prompt_rows(train_rows, ds_meta.image, encoder, max_rows=max_rows, seed=seed),
                "heldout_views": prompt_rows(held, ds_meta.image, encoder, max_rows=max_rows, seed=seed)}

    bs_eval = C.as_int(cfg, "eval.batch_size", 32)
    max_new = C.as_int(cfg, "eval.max_new_tokens", 40)

    def evaluate_fn(m, prompts):
        return score(prompts, greedy_answers(m, encoder, prompts, bs_eval, max_new))

    guard = Guard(GuardConfig(max_forget_loss=None, max_grad_norm=None, snapshot_max_params=0))   # NaN/inf check only
    callbacks = [GuardCallback(guard), StatusFileCallback(work / "status.json"), *common.test_hook_callbacks()]
    curve = None
    every = C.as_int(cfg, "eval.every_steps", 0) or 0
    if every > 0:
        curve = CurveCallback(evaluate_fn, every, eval_sets(C.as_int(cfg, "eval.curve_rows", 160)), work / "curve.json")
        callbacks.append(curve)
    args = common.training_arguments(cfg, work, seed)
    trainer = FinetuneTrainer(model=model, args=args, train_dataset=train_ds, data_collator=Collator(encoder, flat_key="main"),
                              guard=guard, callbacks=callbacks)
    t_train = time.time()
    trainer.train(resume_from_checkpoint=ckpt)
    train_seconds = time.time() - t_train
    if not trainer.is_world_process_zero():
        trainer.accelerator.wait_for_everyone()
        return None

    model = trainer.model
    if cfg.get("mode") == "lora":
        model = model.merge_and_unload()
    model.eval()
    final = {}
    if C.get(cfg, "eval.final", True):
        t = time.time()
        if curve is not None:
            curve.run(model, trainer.state.global_step)     # last point of the curve (same prompt sample)
        sets = eval_sets(C.as_int(cfg, "eval.final_rows", None))
        final = {name: evaluate_fn(model, prompts) for name, prompts in sets.items()}
        print(f"final greedy scores ({time.time() - t:.0f}s): " + "; ".join(
            f"{n}: name {v['name_precision']:.1f}% event {v['event_accuracy']:.1f}% (n={v['n_person']}+{v['n_event']})"
            for n, v in final.items()), flush=True)

    from pebench_core.atomic import atomic_dir

    from unlearn.models import to_vllm_layout

    meta = {
        "format": "pebench-finetune/1",
        "stage": "finetune" if split == "finetune_train" else "goal",
        "split": split, "setting": setting, "seed": seed,
        "base_model": {"path": str(model_dir.resolve()), **hashing.model_hash(model_dir)},
        "data": {"path": str(Path(data).resolve()),
                 **hashing.data_hashes(data, [f"splits/{setting or 'common'}/{split}.parquet"])},
        "config": cfg, "steps": trainer.state.global_step, "train_seconds": round(train_seconds, 1),
        "scores": final, "curve": curve.curve if curve else [],
        "stop_reason": guard.stop_reason, "versions": common.versions(),
        "log_history": trainer.state.log_history,
    }
    with atomic_dir(out_path, overwrite=overwrite) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
        processor.save_pretrained(str(tmp))
        for extra in ("model_card.json",):
            if (model_dir / extra).is_file():
                (tmp / extra).write_text((model_dir / extra).read_text())
        to_vllm_layout(tmp)
        (tmp / "pebench_finetune.json").write_text(json.dumps(meta, indent=1, default=str))
    import shutil

    if not C.get(cfg, "train.keep_checkpoints", False):
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out_path} ({trainer.state.global_step} steps, {train_seconds:.0f}s training)", flush=True)
    return meta
