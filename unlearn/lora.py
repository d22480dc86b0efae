"""peft LoRA on the language model, restricted to the ranks vLLM serves (so every adapter we write
can be scored on one vLLM engine)."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields

from pebench_core.errors import UserError
from pebench_core.names import VLLM_LORA_RANKS


@dataclass(frozen=True)
class LoraSettings:
    """The ``lora:`` block of an unlearning or fine-tune config (task_configs/unlearn/_base.yaml,
    task_configs/finetune/*.yaml). Every field comes from the YAML: none has a default in code."""

    r: int                              # rank; one of vLLM's LoRA ranks (VLLM_LORA_RANKS)
    alpha: int                          # scaling numerator: the update is (alpha / r) * B @ A
    dropout: float                      # dropout on the LoRA branch's input
    target_modules: str | list[str]     # a regex over module names (full match), or module-name suffixes

    @classmethod
    def from_cfg(cls, cfg: dict) -> "LoraSettings":
        block = cfg.get("lora")
        if not isinstance(block, dict):
            raise UserError("config: no lora block (r, alpha, dropout, target_modules; task_configs/unlearn/_base.yaml)")
        missing = [f.name for f in fields(cls) if block.get(f.name) is None]
        if missing:
            raise UserError(f"config: lora.{missing[0]} is not set (task_configs/unlearn/_base.yaml documents it)")
        target = block["target_modules"]
        return cls(int(block["r"]), int(block["alpha"]), float(block["dropout"]),
                   target if isinstance(target, str) else list(target))


def lora_rank_check(r: int) -> None:
    if r not in VLLM_LORA_RANKS:
        up = next((x for x in VLLM_LORA_RANKS if x >= r), None)
        raise UserError(f"lora.r={r}: vLLM serves LoRA ranks {', '.join(map(str, VLLM_LORA_RANKS))} only"
                        + (f"; use lora.r={up}" if up else ""))


def wrap_lora(model, lora: LoraSettings):
    """peft LoRA on the modules matching ``lora.target_modules`` (a regex over module names,
    matched in full, or a list of names). Clear error when nothing matches."""
    from peft import LoraConfig, get_peft_model

    r, target = lora.r, lora.target_modules
    lora_rank_check(r)
    if not target:
        raise UserError("lora.target_modules is empty")
    names = [n for n, _ in model.named_modules()]
    if isinstance(target, str):
        try:
            rx = re.compile(target)
        except re.error as e:
            raise UserError(f"lora.target_modules {target!r}: not a valid regex ({e})") from None
        matched = [n for n in names if rx.fullmatch(n)]
    else:
        matched = [n for n in names if any(n == t or n.endswith("." + t) for t in target)]
    import torch

    linear = [n for n in matched if isinstance(model.get_submodule(n), torch.nn.Linear)]
    if not linear:
        sample = [n for n in names if isinstance(model.get_submodule(n), torch.nn.Linear)][:6]
        raise UserError(f"lora.target_modules {target!r} matches no linear layer of the model; "
                        f"linear layers look like: {', '.join(sample)}")
    cfg = LoraConfig(r=r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=target, bias="none")
    try:
        return get_peft_model(model, cfg)
    except ValueError as e:
        raise UserError(f"lora.target_modules {target!r}: {str(e).splitlines()[0]}") from None
