"""Find and check the LoRA adapters of a sweep before any engine starts.

An adapter is a peft folder (``adapter_config.json`` + weights), e.g. one written by ``unlearn
run``. ``--adapters`` takes a comma-separated list of such folders, or sweep folders whose
sub-folders (at any depth) are adapters. Every check here fails with one clear line, so that a bad
adapter stops the sweep before the (slow) engine start, not in the middle of scoring.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pebench_core import names
from pebench_core.adapter_meta import AdapterMeta
from pebench_core.errors import UserError
from pebench_core.hashing import model_hash
from pebench_core.names import VLLM_LORA_RANKS

BASE_NAME = "base"                      # the row of the model without adapter (--include-base)


@dataclass(frozen=True)
class Adapter:
    name: str                           # unique, file-system safe: the results sub-folder
    path: Path
    rank: int
    meta: AdapterMeta | None = field(default=None, compare=False, hash=False)   # None: not from `unlearn run`


@dataclass(frozen=True)
class RowMeta:
    """What a summary row says about a full model (the fields it shares with AdapterMeta)."""
    method: str                         # "goal" | "finetune" | "model"
    target: str                         # person | event | both | "" (knows everything)
    forget: str
    seed: int | str


@dataclass(frozen=True)
class FullModel:
    """A complete model scored beside the adapters in its own engine (the Goal models, a Finetune
    model that is not the adapters' base, any other checkpoint)."""
    name: str
    path: Path
    meta: RowMeta
    setting: str | None                 # e.g. person_forget10 for a Goal model; None: the sweep's choice


def _items(spec: str | os.PathLike | list) -> list[str]:
    """The folders of a comma-separated flag value (or a list)."""
    return [s for s in (spec.split(",") if isinstance(spec, str) else [os.fspath(s) for s in spec]) if str(s).strip()]


def full_models(spec: str | list) -> list[FullModel]:
    """Full models from a comma-separated list of model folders. A Goal model (``unlearn finetune
    --split goal_train``) is scored on its own setting, read from its pebench_finetune.json."""
    items = _items(spec)
    out = []
    for item in items:
        given = Path(str(item).strip()).expanduser()
        path = given.resolve()
        if not (path / "config.json").is_file():
            raise UserError(f"--full-models {path}: not a model folder (no config.json)")
        info = {}
        f = path / names.FINETUNE_META_FILE
        if f.is_file():
            try:
                info = json.loads(f.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise UserError(f"{f}: unreadable ({e}); re-run `unlearn finetune` for this model") from None
        setting = info.get("setting") if info.get("stage") == "goal" else None
        target, _, forget = (setting or "").partition("_")
        if setting and (target not in names.TARGETS or forget not in names.FORGET_SIZES):
            raise UserError(f"{f}: setting {setting!r} is not a forget setting such as person_forget10")
        meta = RowMeta(method=info.get("stage") or "model", target=target, forget=forget, seed=info.get("seed", ""))
        out.append(FullModel(_name(given.absolute(), None), path, meta, setting))   # row name: as given (a link's name)
    return out


def check_names(adapters: list, models: list) -> None:
    """Every row has its own results folder; ``base`` is the base model's."""
    all_names = [a.name for a in adapters] + [m.name for m in models]
    dup = sorted({n for n in all_names if all_names.count(n) > 1})
    if dup:
        raise UserError(f"two adapters or models share the name {dup[0]!r} (results go to <output>/<name>); rename one folder")
    if BASE_NAME in all_names:
        raise UserError(f"an adapter or model folder is named {BASE_NAME!r}, which is reserved for the base model row; rename it")


def engine_rank(rank: int) -> int:
    """The smallest ``max_lora_rank`` vLLM accepts that serves ``rank``."""
    try:
        return names.engine_rank(rank)
    except ValueError as e:
        raise UserError(f"{e}; retrain with a smaller lora.r") from None


def _is_adapter(d: Path) -> bool:
    return (d / names.ADAPTER_CONFIG_FILE).is_file()


def _rank(path: Path) -> int:
    try:
        cfg = json.loads((path / names.ADAPTER_CONFIG_FILE).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"{path / 'adapter_config.json'}: unreadable ({e}); re-run `unlearn run` for this adapter") from None
    ranks = [int(cfg.get("r") or 0), *[int(v) for v in (cfg.get("rank_pattern") or {}).values()]]
    if max(ranks) <= 0:
        raise UserError(f"{path / 'adapter_config.json'}: no LoRA rank 'r'; is this a LoRA adapter?")
    return max(ranks)


def _name(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root is not None and path != root else Path(path.name)
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", "__".join(rel.parts)) or path.name


def discover(spec: str | os.PathLike | list) -> list[Adapter]:
    """Adapters from a comma-separated list (or list) of adapter folders and sweep folders."""
    items = _items(spec)
    if not items:
        raise UserError("--adapters is empty; give adapter folders or a sweep folder written by `unlearn run`")
    found: list[Adapter] = []
    for item in items:
        path = Path(str(item).strip()).expanduser().resolve()
        if not path.is_dir():
            raise UserError(f"adapter {path}: no such folder; check --adapters")
        if _is_adapter(path):
            found.append(Adapter(_name(path, None), path, _rank(path), _meta(path)))
            continue
        subs = sorted({p.parent for p in path.rglob(names.ADAPTER_CONFIG_FILE) if not _hidden(p.parent, path)})
        if not subs:
            raise UserError(f"adapter {path}: no adapter_config.json in it or below; is it an `unlearn run` output or sweep folder?")
        found += [Adapter(_name(s, path), s, _rank(s), _meta(s)) for s in subs]
    check_names(found, [])
    return found


def _hidden(d: Path, root: Path) -> bool:
    """Work/checkpoint folders of interrupted runs (``.name.work``, ``.name.tmp-*``) are not adapters."""
    return any(part.startswith(".") or part.startswith("checkpoint-") for part in d.relative_to(root).parts)


def _meta(path: Path) -> AdapterMeta | None:
    return AdapterMeta.read_optional(path)


# ----------------------------------------------------------------------------- base-model checks
def _base_shapes(model_dir: Path) -> dict[str, tuple[int, ...]]:
    from safetensors import safe_open

    shapes = {}
    for f in sorted(model_dir.glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as st:
            for k in st.keys():
                shapes[k] = tuple(st.get_slice(k).get_shape())
    return shapes


_LAYER_RX = re.compile(r"(layers\.\d+\..+)\.lora_([AB])(?:\.[^.]+)?\.weight$")


def _shape_problem(adapter: Adapter, base_shapes: dict) -> str | None:
    """For adapters without our metadata: every LoRA A/B matrix must fit a language-model weight of
    the base model (A: r x in, B: out x r)."""
    from safetensors import safe_open

    files = list(adapter.path.glob("adapter_model.safetensors"))
    if not files:
        return None  # .bin adapters: vLLM reports a mismatch when it loads them
    lm = {k: v for k, v in base_shapes.items() if "vision" not in k and "visual" not in k and len(v) == 2}
    with safe_open(str(files[0]), framework="pt") as st:
        for k in st.keys():
            m = _LAYER_RX.search(k)
            if not m:
                continue
            suffix = m.group(1) + ".weight"
            cands = [v for bk, v in lm.items() if bk.endswith(suffix)]
            if not cands:
                return f"its module {m.group(1)} does not exist in the base model"
            shape = tuple(st.get_slice(k).get_shape())
            out_f, in_f = cands[0]
            if (m.group(2) == "A" and shape[1] != in_f) or (m.group(2) == "B" and shape[0] != out_f):
                return f"its {m.group(1)} LoRA has shape {shape}, the base weight {cands[0]}"
    return None


def check(adapters: list[Adapter], model_dir: str | os.PathLike, max_lora_rank: int | None = None) -> int:
    """Raise UserError unless every adapter fits the base model and the engine's rank limit.
    Returns the ``max_lora_rank`` the engine needs."""
    model_dir = Path(model_dir).expanduser()
    if not (model_dir / "config.json").is_file():
        raise UserError(f"model={model_dir}: not a model folder (no config.json)")
    need = max(a.rank for a in adapters) if adapters else 1
    if max_lora_rank is not None:
        limit = int(max_lora_rank)
        if limit not in VLLM_LORA_RANKS:
            raise UserError(f"max_lora_rank={limit}: vLLM accepts {', '.join(map(str, VLLM_LORA_RANKS))}")
        for a in adapters:
            if a.rank > limit:
                raise UserError(f"adapter {a.path} has LoRA rank {a.rank}, above the engine's max_lora_rank={limit}; "
                                f"raise max_lora_rank to {engine_rank(a.rank)} or drop that adapter")
    else:
        limit = engine_rank(need)

    base_hash = None
    base_shapes = None
    for a in adapters:
        want = a.meta.base_sha256 if a.meta is not None else None
        if want:
            if base_hash is None:
                base_hash = model_hash(model_dir)["sha256"]
            if base_hash != want:
                raise UserError(f"adapter {a.path} was trained on {a.meta.base_path} "
                                f"(sha256 {want[:12]}), not on model={model_dir} (sha256 {base_hash[:12]}); "
                                f"evaluate it with its own base model")
        else:
            base_shapes = _base_shapes(model_dir) if base_shapes is None else base_shapes
            problem = _shape_problem(a, base_shapes)
            if problem:
                raise UserError(f"adapter {a.path} does not fit model={model_dir}: {problem}")
    return limit
