"""Tiny random-initialised VLMs (Qwen2-VL, LLaVA) for tests and the synthetic benchmark, plus the
shared loading and prompting helpers. Heavy imports are lazy (``pebench --help`` stays fast).

    build_tiny_model(arch, data_dir, out, seed=0, overrides=None, overwrite=False, config=None) -> Path
    load_model_and_processor(path, dtype=torch.float32, device=None) -> (model, processor)
    chat_messages(image, question, system=None) -> list[dict]          # for vllm.LLM.chat
    to_vllm_layout(folder) -> int                                     # LLaVA key layout for vLLM
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "build_tiny_model": "tiny",
    "resolve_config": "tiny",
    "ARCHS": "tiny",
    "VLLM_CPU_HEAD_DIMS": "tiny",
    "load_model_and_processor": "loading",
    "chat_messages": "prompting",
    "prompt_text": "prompting",
    "to_vllm_layout": "vllm_layout",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
