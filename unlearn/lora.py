"""peft LoRA on the language model, restricted to the ranks vLLM serves (so every adapter we write
can be scored on one vLLM engine)."""
from __future__ import annotations

import re

from pebench_core.errors import UserError
from pebench_core.names import VLLM_LORA_RANKS


def lora_rank_check(r: int) -> None:
    if r not in VLLM_LORA_RANKS:
        up = next((x for x in VLLM_LORA_RANKS if x >= r), None)
        raise UserError(f"lora.r={r}: vLLM serves LoRA ranks {', '.join(map(str, VLLM_LORA_RANKS))} only"
                        + (f"; use lora.r={up}" if up else ""))


def wrap_lora(model, lcfg: dict):
    """peft LoRA on the modules matching ``lcfg['target_modules']`` (a regex over module names,
    matched in full, or a list of names). Clear error when nothing matches."""
    from peft import LoraConfig, get_peft_model

    r = int(lcfg.get("r", 8))
    lora_rank_check(r)
    target = lcfg.get("target_modules")
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
    cfg = LoraConfig(r=r, lora_alpha=int(lcfg.get("alpha", 2 * r)), lora_dropout=float(lcfg.get("dropout", 0.0)),
                     target_modules=target, bias="none")
    try:
        return get_peft_model(model, cfg)
    except ValueError as e:
        raise UserError(f"lora.target_modules {target!r}: {str(e).splitlines()[0]}") from None
