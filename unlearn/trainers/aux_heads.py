"""Auxiliary identity heads for training a tiny VLM from scratch (our decision, docs/unlearn.md).

A real MLLM starts from a pretrained vision encoder; the tiny model's is random, and its names sit
at chance for hundreds of steps until the vision features learn to tell the people apart. During
the fine-tune only, linear heads on the mean-pooled image tokens (what the language model reads)
predict the image's person and event (cross-entropy, weighted by ``aux.person`` / ``aux.event``):
a direct signal to the vision tower. The heads are removed before the model is saved, so the saved
model is a plain Qwen2-VL/LLaVA. A Goal model's heads never see its forget targets (their images
are not in its split); the class list is the data set's, so both models share one layout.
"""
from __future__ import annotations

import torch
from torch import nn

from pebench_core.names import IGNORE_INDEX

ATTR = "pebench_aux_heads"        # attribute on the model while training (so the optimizer sees the heads)
LABEL_KEYS = {"person": "aux_person", "event": "aux_event"}   # batch keys, IGNORE_INDEX = no label


class AuxHeads(nn.Module):
    def __init__(self, hidden: int, classes: dict[str, int], weights: dict[str, float]):
        super().__init__()
        self.weights = {k: float(w) for k, w in weights.items() if w}
        self.heads = nn.ModuleDict({k: nn.Linear(hidden, classes[k]) for k in self.weights})
        self._pooled: torch.Tensor | None = None

    def capture(self, module, args, output) -> None:
        """Forward hook on the image-feature module: keep each image's mean token feature."""
        feats = getattr(output, "pooler_output", output)   # Qwen2-VL: merged tokens (N*T, H); LLaVA: (N, T, H)
        self._pooled = feats.mean(1) if feats.dim() == 3 else feats

    def loss(self, batch: dict, n_images: int) -> tuple[torch.Tensor, dict]:
        feats, self._pooled = self._pooled, None
        if feats.dim() == 2:                             # (N*T, H) in image order, T tokens each
            feats = feats.reshape(n_images, -1, feats.shape[-1]).mean(1)
        total, logs = feats.new_zeros(()), {}
        for k, w in self.weights.items():
            ce = nn.functional.cross_entropy(self.heads[k](feats.float()), batch[LABEL_KEYS[k]], ignore_index=IGNORE_INDEX)
            total = total + w * ce
            logs[f"aux_{k}"] = ce.detach()
        return total, logs


def feature_module(model) -> nn.Module:
    """The module whose output is the language model's image tokens."""
    inner = getattr(model, "model", model)
    for name in ("visual", "multi_modal_projector"):
        if hasattr(inner, name):
            return getattr(inner, name)
    raise ValueError(f"{type(model).__name__}: no image-feature module for the aux heads (aux.person/aux.event: 0)")


def attach(model, classes: dict[str, int], weights: dict[str, float]) -> AuxHeads | None:
    if not any(weights.values()):
        return None
    hidden = model.config.get_text_config().hidden_size
    heads = AuxHeads(hidden, classes, weights)
    setattr(model, ATTR, heads)
    heads.hook = feature_module(model).register_forward_hook(heads.capture)
    return heads


def detach(model) -> None:
    """Drop the heads (and their hook) before saving: the saved model has only its own weights."""
    heads = getattr(model, ATTR, None)
    if heads is not None:
        heads.hook.remove()
        delattr(model, ATTR)
