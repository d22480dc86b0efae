"""Load a saved model folder (tiny or any Qwen2-VL / LLaVA checkpoint) with its processor."""
from __future__ import annotations

import os
from pathlib import Path

from pebench_core.errors import UserError


def load_model_and_processor(path: str | os.PathLike, dtype=None, device=None):
    """Return ``(model, processor)``: the HF ``ForConditionalGeneration`` model for the folder's
    arch (``eval()`` mode, ``dtype`` default float32, on ``device``: default
    :func:`unlearn.device.default_device`, the GPU when there is one) and its ``AutoProcessor`` (left padding)."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    path = Path(path)
    if not (path / "config.json").is_file():
        raise UserError(f"{path}: not a model folder (no config.json); build one with `pebench model tiny`")
    dtype = torch.float32 if dtype is None else dtype
    model = AutoModelForImageTextToText.from_pretrained(str(path), dtype=dtype)
    from unlearn.device import default_device

    model.to(default_device() if device is None else device).eval()
    processor = AutoProcessor.from_pretrained(str(path))
    processor.tokenizer.padding_side = "left"
    return model, processor
