"""Shared pieces of the unlearning losses.

Notation (docs/unlearn.md has the full definitions):
* a batch row is (image x, question q, answer y); only answer tokens (and the end-of-turn token)
  carry labels; ``nll(θ; x, q, y)`` is the MEAN negative log-likelihood over the row's answer
  tokens, ``logp(θ; x, q, y)`` the SUM of their log-probabilities;
* set-level losses are means over rows (each QA row weighs the same, whatever its length);
* ``ref`` is the frozen fine-tuned model: the LoRA model with its adapter disabled (no copy).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from pebench_core.errors import UserError
from pebench_core.names import IGNORE_INDEX
from pebench_core.settings import from_block

from ..data.datasets import model_inputs

IGNORE = IGNORE_INDEX


# --------------------------------------------------------------------------- token-level helpers
def _shift(logits: torch.Tensor, labels: torch.Tensor):
    logits = logits[:, :-1, :]
    labels = labels[:, 1:]
    mask = labels != IGNORE
    return logits, labels, mask


def token_logp(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token log p(label) (B, T-1) and the answer mask (B, T-1), computed only at answer
    positions (memory: no full log-softmax over every prompt position)."""
    lg, lb, mask = _shift(logits, labels)
    out = torch.zeros(lb.shape, dtype=torch.float32, device=logits.device)
    sel = lg[mask].float()
    out[mask] = sel.log_softmax(-1).gather(-1, lb[mask].unsqueeze(-1)).squeeze(-1)
    return out, mask


def seq_nll(logits, labels) -> torch.Tensor:
    """(B,) mean answer-token NLL per row."""
    lp, mask = token_logp(logits, labels)
    return -(lp.sum(1) / mask.sum(1).clamp(min=1))


def seq_logp(logits, labels) -> torch.Tensor:
    """(B,) summed answer-token log-probability per row."""
    lp, _ = token_logp(logits, labels)
    return lp.sum(1)


def kl_ref_theta(logits, ref_logits, labels, token_keep: torch.Tensor | None = None,
                 vocab_drop: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over kept answer positions of KL(p_ref || p_θ).

    token_keep: (B, T-1) bool, positions to keep (default: all answer positions).
    vocab_drop: (B, V) bool, vocabulary entries removed from both distributions before the KL
    (renormalised over the rest) — SIU's vocabulary-level mask."""
    lg, lb, mask = _shift(logits, labels)
    rl = ref_logits[:, :-1, :]
    if token_keep is not None:
        mask = mask & token_keep
    if not mask.any():
        return logits.sum() * 0.0
    a = lg[mask].float()
    b = rl[mask].float()
    if vocab_drop is not None:
        rows = vocab_drop.unsqueeze(1).expand(-1, mask.shape[1], -1)[mask]
        a = a.masked_fill(rows, -1e9)      # finite: p = 0 exactly, no inf - inf
        b = b.masked_fill(rows, -1e9)
    lp_theta = a.log_softmax(-1)
    lp_ref = b.log_softmax(-1)
    p_ref = lp_ref.exp()
    kl = (p_ref * (lp_ref - lp_theta)).sum(-1)
    return kl.mean()


# --------------------------------------------------------------------------- context
@dataclass
class LossContext:
    """What a method's loss may use: the trained model and the frozen reference."""

    model: Any
    ref_model: Any = None                   # a separate frozen model, or None: disable the adapter
    cache: dict = field(default_factory=dict)

    def logits(self, batch: dict) -> torch.Tensor:
        return self.model(**model_inputs(batch), use_cache=False).logits

    @torch.no_grad()
    def ref_logits(self, batch: dict) -> torch.Tensor:
        if self.ref_model is not None:
            self.ref_model.eval()
            return self.ref_model(**model_inputs(batch), use_cache=False).logits
        inner = self.model
        while hasattr(inner, "module") and not hasattr(inner, "disable_adapter"):
            inner = inner.module                        # DDP / accelerate wrappers
        if not hasattr(inner, "disable_adapter"):
            raise RuntimeError("this method needs a reference model: use a LoRA adapter or pass ref_model")
        was_training = inner.training
        inner.eval()                                    # a deterministic reference: no dropout
        try:
            with inner.disable_adapter():
                out = inner(**model_inputs(batch), use_cache=False).logits
        finally:
            inner.train(was_training)
        return out.detach()


# --------------------------------------------------------------------------- the forget term (+ BGD)
@dataclass
class BGDConfig:
    """Balanced Gradient Difference plug-in (see docs/unlearn.md, "BGD")."""

    enabled: bool
    temperature: float              # τ of the adaptive weights; 0 -> equal weights 1/2
    cap: float | None               # per-concept forget-NLL cap γ: no ascent beyond it

    @classmethod
    def from_cfg(cls, cfg: dict) -> "BGDConfig":
        """The ``bgd:`` block of an unlearning config (task_configs/unlearn/_base.yaml)."""
        return from_block(cls, cfg, "bgd", "task_configs/unlearn/_base.yaml")


# the plain ascent of GA/NPO/DPO and of every method with bgd.enabled false (temperature and cap unused)
NO_BGD = BGDConfig(enabled=False, temperature=1.0, cap=None)


CONCEPTS = {0: "person", 1: "event"}


def per_concept_nll(nll_rows: torch.Tensor, concept: torch.Tensor) -> dict[str, torch.Tensor]:
    out = {}
    for code, name in CONCEPTS.items():
        sel = concept == code
        if sel.any():
            out[name] = nll_rows[sel].mean()
    return out


def forget_ascent(nll_rows: torch.Tensor, concept: torch.Tensor, bgd: BGDConfig, logs: dict) -> torch.Tensor:
    """The gradient-ascent term on the forget rows, to be MINIMISED: -L_f (plain) or the BGD sum.

    plain: -mean_i nll_i
    BGD:   -sum_c w_c * min(L_c, γ),  L_c = mean of nll_i over rows of concept c,
           w = stopgrad(softmax_c(-L_c / τ))  (τ = 0: w_c = 1/|C|)
    """
    parts = per_concept_nll(nll_rows, concept)
    for name, v in parts.items():
        logs[f"forget_nll_{name}"] = v.detach()
    logs["forget_nll"] = nll_rows.detach().mean()
    # what the forget-loss target watches: every forgotten concept must reach it
    logs["forget_nll_min"] = torch.stack(list(parts.values())).detach().min() if parts else logs["forget_nll"]
    if not bgd.enabled:
        return -nll_rows.mean()
    if len(parts) < 2:
        # BGD balances persons against events; one concept in the batch is plain ascent
        (only,) = parts.values() if parts else (nll_rows.mean(),)
        capped = only.clamp(max=bgd.cap) if bgd.cap is not None else only
        return -capped
    names = list(parts)
    L = torch.stack([parts[n] for n in names])
    if bgd.temperature > 0:
        w = torch.softmax(-L.detach() / bgd.temperature, dim=0)
    else:
        w = torch.full_like(L, 1.0 / len(names))
    capped = L.clamp(max=bgd.cap) if bgd.cap is not None else L
    for n, wi in zip(names, w):
        logs[f"bgd_w_{n}"] = wi
    return -(w * capped).sum()


# --------------------------------------------------------------------------- method base class
class Method:
    """One unlearning method. Subclasses set the flags and implement :meth:`loss`."""

    name: str = ""
    needs_retain: bool = True       # items carry a retain row
    needs_alt: bool = False         # items carry the forget row with another answer (alt_answers)
    alt_answers: str = "refusal"    # that answer: "refusal" (refusals.py) or "unseen" (unseen.py, SIU)
    needs_ref: bool = False         # uses the frozen fine-tuned model
    needs_concept_ids: bool = False # SIU's masks (the forgotten name's and the unseen name's token ids)
    supports_bgd: bool = False
    params: tuple = ()             # hyper-parameters it reads; their values live in its YAML only

    def __init__(self, cfg: dict | None = None, bgd: BGDConfig | None = None):
        self.cfg = dict(cfg or {})
        missing = [k for k in self.params if k not in self.cfg]
        if missing:
            raise UserError(f"method {self.name}: method.params.{missing[0]} is not set; it belongs in "
                            f"task_configs/unlearn/{self.name}.yaml (or pass +method.params.{missing[0]}=VALUE)")
        self.bgd = bgd or NO_BGD
        if self.bgd.enabled and not self.supports_bgd:
            raise UserError(f"BGD is a plug-in for gd and kl only (got method {self.name}); set bgd.enabled=false")

    def hp(self, key: str) -> float:
        return float(self.cfg[key])

    def loss(self, ctx: LossContext, inputs: dict) -> tuple[torch.Tensor, dict]:
        """(loss, logs): logs hold detached 0-dim tensors (the trainer reads them all with one
        device sync per micro-batch, not one per value)."""
        raise NotImplementedError

    # helpers used by several methods
    def retain_nll(self, ctx: LossContext, inputs: dict, logs: dict) -> torch.Tensor:
        r = inputs["retain"]
        nll = seq_nll(ctx.logits(r), r["labels"]).mean()
        logs["retain_nll"] = nll.detach()
        return nll

    @torch.no_grad()
    def monitor_forget(self, ctx: LossContext, inputs: dict, logs: dict) -> None:
        f = inputs["forget"]
        nll_rows = seq_nll(ctx.logits(f), f["labels"])
        forget_ascent(nll_rows, f["concept"], NO_BGD, logs)


REGISTRY: dict[str, type[Method]] = {}


def register(cls: type[Method]) -> type[Method]:
    REGISTRY[cls.name] = cls
    return cls
