"""`unlearn run`: one method, one target, one forget split -> a LoRA adapter (peft) + metadata.

The adapter sits on the language model only (regex ``lora.target_modules``), with a rank from
vLLM's allowed list, so that vLLM serves it with ``enable_lora=True`` (vision-tower LoRA would be
ignored by vLLM). The output folder holds ``adapter_config.json``, ``adapter_model.safetensors`` and
``pebench_unlearn.json`` (method, resolved config, data and split hashes, base model path + hash,
seed, versions, steps, stop reason, loss history).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from pebench_core.errors import UserError

from . import common, steps
from pebench_core import config as C
from pebench_core import hashing
from pebench_core.adapter_meta import AdapterMeta
from pebench_core.names import ADAPTER_CONFIG_FILE, FORGET_SIZES, TARGETS
from pebench_core.setting import Setting
from pebench_data.dataset import SETTINGS, open_dataset

from .lora import LoraSettings, lora_rank_check, wrap_lora
from .settings import SpeedSettings, UnlearnDataSettings
from pebench_core.atomic import atomic_dir

FORGETS = FORGET_SIZES


def method_config_path(method: str) -> Path:
    from .methods import canonical

    key, bgd = canonical(method)
    name = f"{key}_bgd" if bgd else key
    try:
        return C.config_path("unlearn", f"{name}.yaml")
    except UserError:
        raise UserError(f"no default config for method {method!r}; known: see `unlearn methods`") from None


def resolve_config(method: str, config_file=None, overrides=()) -> dict:
    from .methods import BGDConfig, canonical

    key, bgd = canonical(method)
    path = method_config_path(method)
    cfg = C.resolve(path, config_file, overrides)
    cfg.setdefault("method", {})["name"] = key
    if bgd and not BGDConfig.from_cfg(cfg).enabled:
        raise UserError(f"method {method} means BGD on; drop the bgd.enabled=false override or use --method {key}")
    _check_blocks(cfg)
    return cfg


def _check_blocks(cfg: dict) -> None:
    """Every typed block builds (a missing, unknown or mistyped key is one line), before anything runs."""
    from . import data as D
    from .data import refusals
    from .trainers.guard import GuardConfig

    for kind in (common.TrainSettings, SpeedSettings, UnlearnDataSettings, LoraSettings, D.AugmentConfig, GuardConfig):
        kind.from_cfg(cfg)
    refusals.templates(cfg)


# --------------------------------------------------------------------------------------- run
def _concepts(target: str) -> set[str]:
    return {"person", "event"} if target == "both" else {target}


def run_unlearning(method: str, target: str, forget: str, model: str, data: str, out: str, seed: int = 0,
                   config_file=None, overrides=(), resume: bool = False, overwrite: bool = False,
                   dry_run: bool = False) -> dict | None:
    """One method, one target, one forget split -> a LoRA adapter + pebench_unlearn.json."""
    from .methods import BGDConfig, build_method, canonical

    key, _ = canonical(method)          # unknown method -> error listing the known ones
    if target not in TARGETS:
        raise UserError(f"--target {target!r}: one of {', '.join(TARGETS)}")
    if forget not in FORGETS:
        raise UserError(f"--forget {forget!r}: one of {', '.join(FORGETS)}")
    cfg = resolve_config(method, config_file, overrides)
    setting = str(Setting(target, forget))
    model_dir, out_path = steps.model_folder(model), Path(out)
    meth = build_method(key, cfg.get("method", {}).get("params", {}), BGDConfig.from_cfg(cfg))
    lora = LoraSettings.from_cfg(cfg)
    lora_rank_check(lora.r)
    run = {"command": "run", "method": key, "bgd": meth.bgd.enabled, "target": target, "forget": forget,
           "setting": setting, "model": str(model_dir.resolve()), "data": str(Path(data).resolve()), "seed": seed,
           "config": cfg}
    if steps.dry_run(run, dry_run):
        return None
    dsm = open_dataset(data)
    splits = _check_data(dsm, data, cfg, setting, target, meth)     # fail fast before anything heavy
    work, ckpt = steps.start(out_path, run, cfg, seed, resume, overwrite)
    base, processor, encoder = steps.load_model(model_dir, SpeedSettings.from_cfg(cfg), UnlearnDataSettings.from_cfg(cfg).fast_encoding,
                                                common.TrainSettings.from_cfg(cfg).bf16)
    for p in base.parameters():
        p.requires_grad_(False)
    peft_model = wrap_lora(base, lora)
    f_rows, r_rows, alt_rows = _rows(dsm, data, cfg, setting, target, meth, encoder, seed)
    trainer, guard = _trainer(cfg, peft_model, meth, encoder, f_rows, r_rows, alt_rows, seed, work)
    train_seconds = steps.train(trainer, ckpt)
    if train_seconds is None:
        return None
    meta = AdapterMeta(
        method=key, bgd=meth.bgd.enabled, target=target, forget=forget, seed=seed, hyperparameters=cfg,
        method_params=meth.cfg, base_model={"path": str(model_dir.resolve()), **hashing.model_hash(model_dir)},
        data={"path": str(Path(data).resolve()), "forget_rows": len(f_rows), "retain_rows": len(r_rows or []),
              **hashing.data_hashes(data, [f"splits/{setting}/{sp}.parquet" for sp in splits])},
        steps=trainer.state.global_step, train_seconds=round(train_seconds, 1), speed=steps.speed(trainer),
        stop_reason=guard.stop_reason,
        versions=common.versions(),
        log_history=[h for h in trainer.state.log_history if "loss" in h or "forget_nll" in h],
    )
    _save_adapter(trainer.model, model_dir, out_path, meta, overwrite)
    last = meta.log_history[-1] if meta.log_history else {}
    brief = ", ".join(f"{k}={last[k]}" for k in ("forget_nll", "retain_nll", "retain_kl") if k in last)
    steps.finish(work, cfg, out_path, f"{trainer.state.global_step} steps, {train_seconds:.0f}s; {brief}; "
                                      f"{steps.speed_line(meta.speed)}")
    return meta.to_dict()


def _check_data(dsm, data, cfg, setting: str, target: str, meth) -> tuple[str, str]:
    """(forget split, retain split) after checking there is something to forget."""
    d = UnlearnDataSettings.from_cfg(cfg)
    forget_split, retain_split = d.forget_split, d.retain_split
    concepts = _concepts(target)
    n_forget = sum(1 for c in dsm.qa(setting, forget_split)["concept"] if c in concepts)
    if n_forget == 0:
        raise UserError(f"{data}: split {setting}/{forget_split} has no {'/'.join(sorted(concepts))} rows: nothing to forget")
    if meth.bgd.enabled and target != "both":
        raise UserError("BGD balances person and event forgetting: use --target both (or bgd.enabled=false)")
    return forget_split, retain_split


def _rows(dsm, data, cfg, setting, target, meth, encoder, seed):
    """Encoded (forget, retain or None, refusal-target or None) rows."""
    from . import data as D
    from .data import refusals, unseen

    d = UnlearnDataSettings.from_cfg(cfg)
    forget_split, retain_split = d.forget_split, d.retain_split
    concepts = _concepts(target)
    t0 = time.time()
    f_rows = D.load_rows(dsm.split(setting, forget_split), encoder, keep=lambda r: r["concept"] in concepts)
    retain_concepts = d.retain_concepts or sorted(concepts)
    r_rows = None
    if meth.needs_retain:
        # encoded on first use: a run reads a few thousand of a full-scale split's 201,600 rows
        r_rows = D.LazyRows(dsm.split(setting, retain_split), encoder, keep=lambda r: r["concept"] in retain_concepts)
        if not r_rows:
            raise UserError(f"{data}: retain split {setting}/{retain_split} has no {'/'.join(retain_concepts)} rows")
    alt_rows = None
    if meth.needs_alt and meth.alt_answers == "unseen":
        known = [*dsm.people["name"], *dsm.events["name"]]
        alt_rows = []
        for r in f_rows:
            text, name = unseen.unseen_answer(r.meta.get("answer", ""), r.meta["target"], r.meta["concept"],
                                              r.meta["qa_id"], seed, known)
            alt_rows.append(encoder.encode(r.image_key, r.meta["question"], text, meta={**r.meta, "unseen_name": name}))
    elif meth.needs_alt:
        templates = refusals.templates(cfg)
        alt_rows = [encoder.encode(r.image_key, r.meta["question"],
                                   refusals.pick(templates, r.meta["concept"], r.meta["qa_id"], seed), meta=dict(r.meta))
                    for r in f_rows]
    print(f"{meth.name}{'+bgd' if meth.bgd.enabled else ''} on {setting}: {len(f_rows)} forget rows, "
          f"{len(r_rows) if r_rows else 0} retain rows (ready in {time.time() - t0:.1f}s; retain rows are encoded on first use)",
          flush=True)
    return f_rows, r_rows, alt_rows


def _trainer(cfg, peft_model, meth, encoder, f_rows, r_rows, alt_rows, seed, work):
    from . import data as D
    from .trainers import Guard, GuardConfig, UnlearnTrainer

    train_ds = D.UnlearnDataset(f_rows, r_rows, alt_rows, encoder, common.virtual_length(cfg), seed,
                                D.AugmentConfig.from_cfg(cfg), balanced=meth.bgd.enabled)
    guard = Guard(GuardConfig.from_cfg(cfg))
    args = common.training_arguments(cfg, work, seed)
    if meth.bgd.enabled and args.per_device_train_batch_size % 2:
        raise UserError(f"BGD needs an even train.batch_size (half person, half event rows), got {args.per_device_train_batch_size}")
    trainer = UnlearnTrainer(model=peft_model, args=args, train_dataset=train_ds, guard=guard, method=meth,
                             data_collator=D.Collator(encoder, concept_ids=meth.needs_concept_ids,
                                                      positions=SpeedSettings.from_cfg(cfg).precompute_positions),
                             callbacks=steps.callbacks(guard, work))
    return trainer, guard


def _save_adapter(model, model_dir: Path, out: Path, meta: AdapterMeta, overwrite: bool) -> None:
    inner = model
    while hasattr(inner, "module") and not hasattr(inner, "save_pretrained"):
        inner = inner.module
    with atomic_dir(out, overwrite=overwrite) as tmp:
        inner.save_pretrained(str(tmp))
        cfg_file = tmp / ADAPTER_CONFIG_FILE
        ac = json.loads(cfg_file.read_text())
        ac["base_model_name_or_path"] = str(model_dir.resolve())
        cfg_file.write_text(json.dumps(ac, indent=2, sort_keys=True))
        meta.write(tmp)


# --------------------------------------------------------------------------------------- loading
def verify_adapter(model: str | Path, adapter: str | Path) -> AdapterMeta:
    """Raise UserError unless ``adapter`` was trained on the model in ``model`` (same weights hash)."""
    if not (Path(adapter) / ADAPTER_CONFIG_FILE).is_file():
        raise UserError(f"{adapter}: not a LoRA adapter folder (no {ADAPTER_CONFIG_FILE})")
    meta = AdapterMeta.read(adapter)
    got = hashing.model_hash(model)
    if got["sha256"] != meta.base_sha256:
        raise UserError(f"adapter {adapter} was trained on {meta.base_path} (sha256 {meta.base_sha256[:12]}), but "
                        f"--model {model} has sha256 {got['sha256'][:12]}: a different base model")
    return meta


def load_unlearned(model: str | Path, adapter: str | Path | None = None, verify: bool = True):
    """(model, processor): the base model with the adapter applied (peft), in eval mode."""
    from unlearn.models import load_model_and_processor

    if adapter is not None and verify:
        verify_adapter(model, adapter)
    base, processor = load_model_and_processor(model)
    if adapter is None:
        return base, processor
    from peft import PeftModel

    try:
        m = PeftModel.from_pretrained(base, str(adapter))
    except (RuntimeError, ValueError, KeyError) as e:
        raise UserError(f"adapter {adapter} does not fit {model}: {str(e).splitlines()[0]}") from None
    m.eval()
    return m, processor


def score_model(model, adapter, data, setting, splits, max_rows=None, batch_size: int = 32) -> dict:
    """Quick greedy scores (transformers) of a model(+adapter) on a setting's eval splits."""
    from .data import Encoder
    from .evaluate import greedy_answers, prompt_rows, score, split_rows

    if setting not in SETTINGS:                  # before the model loads
        raise UserError(f"--setting {setting!r}: one of {', '.join(SETTINGS)}")
    dsm = open_dataset(data)
    m, processor = load_unlearned(model, adapter)
    enc = Encoder(processor)
    res = {}
    for sp in splits:
        rows = prompt_rows(split_rows(dsm, setting, sp), dsm.image, enc, max_rows=max_rows)
        res[sp] = score(rows, greedy_answers(m, enc, rows, batch_size))
    return res
