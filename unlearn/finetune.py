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

from . import common, steps
from .lora import LoraSettings, wrap_lora
from .settings import AuxSettings, ConsolidateSettings, EvalSettings, FinetuneDataSettings, SpeedSettings
from pebench_core import config as C
from pebench_core import hashing
from pebench_core.names import FINETUNE_META_FILE
from pebench_data.dataset import SETTINGS, open_dataset
from pebench_core.atomic import atomic_dir

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
    mode = cfg.get("mode")
    if mode not in ("full", "lora"):
        raise UserError(f"config mode: 'full' or 'lora', got {mode!r}")
    from .data import AugmentConfig

    # every typed block builds (a missing, unknown or mistyped key is one line), before anything runs
    for kind in (common.TrainSettings, SpeedSettings, FinetuneDataSettings, EvalSettings, AuxSettings, LoraSettings,
                 AugmentConfig, ConsolidateSettings):
        kind.from_cfg(cfg)
    return cfg


def finetune(model: str, data: str, split: str, out: str, seed: int = 0, setting: str | None = None,
             config_file: str | None = None, overrides=(), resume: bool = False, overwrite: bool = False,
             dry_run: bool = False) -> dict | None:
    """Train the Finetune model (``finetune_train``) or a Goal model (``goal_train`` of ``setting``)."""
    setting = _check_split(split, setting)
    model_dir, out_path = steps.model_folder(model), Path(out)
    cfg = resolve_config(model_dir, config_file, overrides)
    run = {"command": "finetune", "model": str(model_dir.resolve()), "data": str(Path(data).resolve()), "split": split,
           "setting": setting, "seed": seed, "config": cfg}
    if steps.dry_run(run, dry_run):
        return None
    ds_meta = open_dataset(data)   # validates the folder before anything heavy
    work, ckpt = steps.start(out_path, run, cfg, seed, resume, overwrite)
    # bf16 weights only under LoRA (frozen base); a full fine-tune keeps fp32 master weights (+ autocast)
    model, processor, encoder = steps.load_model(model_dir, SpeedSettings.from_cfg(cfg), FinetuneDataSettings.from_cfg(cfg).fast_encoding,
                                                 common.TrainSettings.from_cfg(cfg).bf16 and cfg["mode"] == "lora")
    if cfg["mode"] == "lora":
        model = wrap_lora(model, LoraSettings.from_cfg(cfg))
    evals = _Evals(cfg, ds_meta, setting, split, encoder, seed)
    trainer, guard, curve, round_trainer = _trainer(cfg, model, ds_meta, setting, split, encoder, seed, work, evals)
    train_seconds = steps.train(trainer, ckpt)
    if train_seconds is None:
        return None
    rounds = {}
    if split == "finetune_train":     # the Goal models have no forget targets
        from .consolidate import KnownCheck, consolidate     # torch-heavy (greedy decoding): not for --dry-run

        rounds = consolidate(trainer, cfg, lambda: KnownCheck(ds_meta, encoder, evals.settings, seed), round_trainer,
                             work, seed)
    from .trainers.aux_heads import detach

    detach(trainer.model)
    model = trainer.model.merge_and_unload() if cfg["mode"] == "lora" else trainer.model
    model.eval()
    final = evals.final(model, curve, trainer.state.global_step) if EvalSettings.from_cfg(cfg).final else {}
    meta = {
        "format": "pebench-finetune/1", "stage": "finetune" if split == "finetune_train" else "goal",
        "split": split, "setting": setting, "seed": seed,
        "base_model": {"path": str(model_dir.resolve()), **hashing.model_hash(model_dir)},
        "data": {"path": str(Path(data).resolve()),
                 **hashing.data_hashes(data, [f"splits/{setting or 'common'}/{split}.parquet"])},
        "config": cfg, "steps": trainer.state.global_step + rounds.get("steps", 0),
        "train_seconds": round(train_seconds, 1), "consolidate": rounds,
        "speed": steps.speed(trainer),
        "scores": final, "curve": curve.curve if curve else [],
        "stop_reason": guard.stop_reason, "versions": common.versions(), "log_history": trainer.state.log_history,
    }
    _save(model, processor, model_dir, out_path, meta, overwrite)
    steps.finish(work, cfg, out_path, f"{meta['steps']} steps, {train_seconds:.0f}s training; "
                                      f"{steps.speed_line(meta['speed'])}")
    return meta


def _check_split(split: str, setting: str | None) -> str | None:
    if split not in SPLITS:
        raise UserError(f"--split {split!r}: one of {', '.join(SPLITS)}")
    if split == "goal_train" and not setting:
        raise UserError("--split goal_train needs --setting (e.g. person_forget10): the goal set depends on it")
    if split == "finetune_train":
        return None
    if setting not in SETTINGS:
        raise UserError(f"--setting {setting!r}: one of {', '.join(SETTINGS)}")
    return setting


class _Evals:
    """Greedy scores on training views (first paraphrase) and held-out views: the learning curve
    and the final scores written to pebench_finetune.json."""

    def __init__(self, cfg, ds_meta, setting, split, encoder, seed):
        self.ds, self.setting, self.split, self.encoder, self.seed = ds_meta, setting, split, encoder, seed
        self.settings = EvalSettings.from_cfg(cfg)

    def sets(self, max_rows):
        from .evaluate import heldout_rows, prompt_rows, split_rows

        train_rows = split_rows(self.ds, self.setting, self.split, template0=True)
        held = heldout_rows(self.ds, exclude_setting=self.setting)
        return {"train_views": prompt_rows(train_rows, self.ds.image, self.encoder, max_rows=max_rows, seed=self.seed),
                "heldout_views": prompt_rows(held, self.ds.image, self.encoder, max_rows=max_rows, seed=self.seed)}

    def score(self, model, prompts):
        from .evaluate import greedy_answers, score

        return score(prompts, greedy_answers(model, self.encoder, prompts, self.settings.batch_size, self.settings.max_new_tokens))

    def final(self, model, curve, step: int) -> dict:
        t = time.time()
        if curve is not None:
            curve.run(model, step)     # last point of the curve (same prompt sample)
        final = {name: self.score(model, prompts) for name, prompts in self.sets(self.settings.final_rows).items()}
        print(f"final greedy scores ({time.time() - t:.0f}s): " + "; ".join(
            f"{n}: name {v['name_precision']:.1f}% event {v['event_accuracy']:.1f}% (n={v['n_person']}+{v['n_event']})"
            for n, v in final.items()), flush=True)
        return final


def forget_targets(ds_meta) -> dict[str, set[str]]:
    """The person and event ids that are a forget target of any setting (data.target_repeat)."""
    f = ds_meta.meta.get("forget_ids", {}).values()
    return {"person": {p for s in f for p in s["person"]}, "event": {e for s in f for e in s["event"]}}


def _trainer(cfg, model, ds_meta, setting, split, encoder, seed, work, evals: _Evals):
    """(FinetuneTrainer, guard, learning-curve callback or None, round_trainer): ``round_trainer(train,
    args, target_repeat, seed)`` is a trainer on the same model and rows for a consolidation round."""
    from .data import AugmentConfig, Collator, FinetuneDataset, load_rows
    import torch

    from .trainers import CurveCallback, FinetuneTrainer, Guard, GuardConfig, aux_heads

    data = FinetuneDataSettings.from_cfg(cfg)
    concepts = set(data.concepts)
    t0 = time.time()
    rows = load_rows(ds_meta.split(setting, split), encoder, keep=lambda r: r["concept"] in concepts)
    print(f"encoded {len(rows)} rows of {split} ({len({r.image_key for r in rows})} images) in {time.time() - t0:.1f}s",
          flush=True)
    def dataset(length: int, target_repeat: int, data_seed: int):
        return FinetuneDataset(rows, encoder, length, data_seed, AugmentConfig.from_cfg(cfg), repeat=data.repeat,
                               targets=forget_targets(ds_meta), target_repeat=target_repeat)

    train_ds = dataset(common.virtual_length(cfg), data.target_repeat, seed)
    aux = AuxSettings.from_cfg(cfg)
    weights = {k: getattr(aux, k) for k in aux_heads.LABEL_KEYS}
    # one class per person / event of the whole data set (Finetune and Goal models share the layout)
    classes = {"person": list(ds_meta.people["person_id"]), "event": list(ds_meta.events["event_id"])}
    aux_labels = {k: {x: i for i, x in enumerate(classes[k])} for k, w in weights.items() if w}
    with torch.random.fork_rng():          # the heads' init must not move the data/model random streams
        torch.manual_seed(seed)
        aux_heads.attach(model, {k: len(v) for k, v in classes.items()}, weights)
    guard = Guard(GuardConfig.nan_only())
    callbacks = steps.callbacks(guard, work)
    curve = None
    every = evals.settings.every_steps
    if every > 0:
        curve = CurveCallback(evals.score, every, evals.sets(evals.settings.curve_rows), work / "curve.json")
        callbacks.append(curve)
    collator = Collator(encoder, flat_key="main", aux_labels=aux_labels,
                        positions=SpeedSettings.from_cfg(cfg).precompute_positions)
    trainer = FinetuneTrainer(model=model, args=common.training_arguments(cfg, work, seed), train_dataset=train_ds,
                              data_collator=collator, guard=guard, callbacks=callbacks)

    def round_trainer(train, args, target_repeat: int, round_seed: int):
        g = Guard(GuardConfig.nan_only())
        ds = dataset(common.virtual_length(cfg, train), target_repeat, round_seed)
        return FinetuneTrainer(model=trainer.model, args=args, train_dataset=ds,
                               data_collator=collator, guard=g, callbacks=steps.callbacks(g, work))

    return trainer, guard, curve, round_trainer


def _save(model, processor, model_dir: Path, out: Path, meta: dict, overwrite: bool) -> None:
    from unlearn.models import to_vllm_layout

    with atomic_dir(out, overwrite=overwrite) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
        processor.save_pretrained(str(tmp))
        if (model_dir / "model_card.json").is_file():
            (tmp / "model_card.json").write_text((model_dir / "model_card.json").read_text())
        to_vllm_layout(tmp)
        (tmp / FINETUNE_META_FILE).write_text(json.dumps(meta, indent=1, default=str))
