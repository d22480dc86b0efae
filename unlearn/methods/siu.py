"""SIU-style dual masked KL (after Li et al. 2024, "Single Image Unlearning").

L = mean_i nll(θ; x_i, q_i, refusal_i) + α · L_r + γ · DMK
DMK = mean over answer positions t of the forget rows' TRUE answers with y_t ∉ C_i (token mask) of
      KL( p̃_ref(·|x, q, y<t) || p̃_θ(·|x, q, y<t) ),  p̃ = softmax over V \\ C_i (vocabulary mask),
C_i = token ids of the row's target (the person's full name or the event's name).
The KL keeps the model's behaviour on the forget images equal to the fine-tuned model's everywhere
except the forgotten name, which it neither predicts (token mask) nor counts (vocabulary mask).
"""
from __future__ import annotations

import torch

from .base import BGDConfig, Method, forget_ascent, kl_ref_theta, register, seq_nll


def concept_masks(labels: torch.Tensor, concept_ids: torch.Tensor, vocab: int):
    """(B, T-1) keep-mask of positions whose next token is not a concept token; (B, V) vocab drop."""
    nxt = labels[:, 1:]
    valid = concept_ids >= 0
    is_concept = ((nxt.unsqueeze(-1) == concept_ids.unsqueeze(1)) & valid.unsqueeze(1)).any(-1)
    drop = torch.zeros(labels.shape[0], vocab, dtype=torch.bool, device=labels.device)
    ids = concept_ids.clamp(min=0)
    drop.scatter_(1, ids, valid)
    return ~is_concept, drop


@register
class SIU(Method):
    name = "siu"
    needs_alt = True
    needs_ref = True
    needs_concept_ids = True
    defaults = {"retain_weight": 1.0, "dmk_weight": 1.0}

    def loss(self, ctx, inputs):
        logs: dict = {}
        a, f = inputs["forget_alt"], inputs["forget"]
        nll_alt = seq_nll(ctx.logits(a), a["labels"]).mean()
        logs["refusal_nll"] = float(nll_alt.detach())
        lg_f = ctx.logits(f)
        keep, drop = concept_masks(f["labels"], f["concept_ids"], lg_f.shape[-1])
        dmk = kl_ref_theta(lg_f, ctx.ref_logits(f), f["labels"], token_keep=keep, vocab_drop=drop)
        logs["dmk"] = float(dmk.detach())
        forget_ascent(seq_nll(lg_f.detach(), f["labels"]), f["concept"], BGDConfig(), logs)  # monitoring only
        loss = nll_alt + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs) + self.hp("dmk_weight") * dmk
        return loss, logs
