"""Checkpoint key layout that vLLM expects (and transformers still loads).

transformers 5.19 saves LLaVA's CLIP tower flattened (``vision_tower.embeddings...``); vLLM's
LLaVA loads ``vision_tower.vision_model.embeddings...`` (the layout of the released llava-hf
checkpoints), and transformers maps that layout back when loading (``CLIPVisionModel`` prefix
rule). Qwen2-VL needs no change. Any LLaVA checkpoint written for vLLM (tiny models, merged LoRA
models) should go through :func:`to_vllm_layout`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

# transformers 5.19 saves LLaVA in the legacy layout (``vision_tower.embeddings...``); a state dict
# taken from a loaded model has the ``model.`` prefix. Both get the ``vision_model.`` level.
_PREFIXES = ("vision_tower.", "model.vision_tower.")


def llava_key_to_vllm(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix) and not key.startswith(prefix + "vision_model."):
            return prefix + "vision_model." + key[len(prefix):]
    return key


def to_vllm_layout(folder: str | os.PathLike) -> int:
    """Rewrite the safetensors file(s) of a saved model folder in place, if it is a LLaVA model, so
    that vLLM loads it. Returns the number of renamed tensors (0 for other archs or if done)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "llava":
        return 0
    renamed = 0
    index_path = folder / "model.safetensors.index.json"
    files = sorted(folder.glob("*.safetensors"))
    for f in files:
        with safe_open(str(f), framework="pt") as sf:
            meta = sf.metadata() or {"format": "pt"}
            tensors = {k: sf.get_tensor(k) for k in sf.keys()}
        new = {llava_key_to_vllm(k): v for k, v in tensors.items()}
        n = sum(1 for k in tensors if llava_key_to_vllm(k) != k)
        if n:
            tmp = f.with_name(f.name + ".tmp")
            save_file(dict(sorted(new.items())), str(tmp), metadata=meta)
            os.replace(tmp, f)
            renamed += n
    if index_path.exists() and renamed:
        index = json.loads(index_path.read_text())
        index["weight_map"] = {llava_key_to_vllm(k): v for k, v in sorted(index["weight_map"].items())}
        index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return renamed
