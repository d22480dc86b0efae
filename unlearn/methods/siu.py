"""SIU: Single Image Unlearning's Dual Masked KL (Li et al., arXiv 2405.12523), on its own targets.

L = mean_i nll(θ; x_i, q_i, a_i) + α · L_r + γ · DMK
a_i = the row's answer with the forgotten concept replaced by an unseen one (unlearn/data/unseen.py:
      "This is Marta Lindqvist, a trainer from Lagos."), SIU's "aligning with unseen concepts"
DMK = mean over KEPT positions t of a_i of
      sum_{v ∉ C_i} p_ref(v | x, q, a<t) · (log p_ref(v | x, q, a<t) − log p_θ(v | x, q, a<t))
- token mask: the positions whose target token belongs to the unseen name N_i (the tokens that
  contradict the old knowledge) are dropped; every other answer token (the rest of the answer, end
  of turn) is kept, so the model keeps what it said around the name;
- vocabulary mask: the forgotten concept's tokens C_i (the person's full name or the event's name)
  get p_ref(v) = 0, with NO renormalisation (SIU zeroes them; p_θ stays the full softmax).
(Before 2026-12-06 the targets were PO's refusals and a position was kept only where the Finetune
model's greedy token equalled the refusal's, which almost never happened: DMK ~0, SIU = PO.)
Deviation we keep (docs/unlearn.md): of SIU's multifaceted data we build the unseen-concept answers;
the retain NLL plays the role of its preserved data.
"""
from __future__ import annotations

import torch


from .base import Method, _shift, register, seq_nll


def concept_masks(labels: torch.Tensor, concept_ids: torch.Tensor, vocab: int):
    """(B, T-1) keep-mask of positions whose next token is not a concept token; (B, V) vocab drop."""
    nxt = labels[:, 1:]
    valid = concept_ids >= 0
    is_concept = ((nxt.unsqueeze(-1) == concept_ids.unsqueeze(1)) & valid.unsqueeze(1)).any(-1)
    drop = torch.zeros(labels.shape[0], vocab, dtype=torch.bool, device=labels.device)
    ids = concept_ids.clamp(min=0)
    drop.scatter_(1, ids, valid)
    return ~is_concept, drop


def dual_masked_kl(logits: torch.Tensor, ref_logits: torch.Tensor, labels: torch.Tensor,
                   concept_ids: torch.Tensor, new_ids: torch.Tensor) -> torch.Tensor:
    """SIU's DMK on the fine-tuning targets ``labels`` (see the module doc); ``new_ids`` (B, K) the
    unseen name's token ids, ``concept_ids`` (B, K') the forgotten name's, -1 padded. Returns 0
    (with a graph) when no position is kept."""
    lg, lb, mask = _shift(logits, labels)
    rl = ref_logits[:, :-1, :]
    is_new = ((lb.unsqueeze(-1) == new_ids.unsqueeze(1)) & (new_ids >= 0).unsqueeze(1)).any(-1)
    keep = mask & ~is_new                                        # token mask
    if not keep.any():
        return logits.sum() * 0.0
    _, drop = concept_masks(labels, concept_ids, logits.shape[-1])
    drop_rows = drop.unsqueeze(1).expand(-1, keep.shape[1], -1)[keep]
    lp_ref = rl[keep].float().log_softmax(-1)
    p_ref = lp_ref.exp().masked_fill(drop_rows, 0.0)           # vocabulary mask, not renormalised
    lp_theta = lg[keep].float().log_softmax(-1)
    terms = torch.where(p_ref > 0, p_ref * (lp_ref - lp_theta), torch.zeros_like(p_ref))
    return terms.sum(-1).mean()


@register
class SIU(Method):
    name = "siu"
    needs_alt = True
    needs_ref = True
    needs_concept_ids = True
    alt_answers = "unseen"
    params = ("retain_weight", "dmk_weight")   # values: task_configs/unlearn/siu.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        a = inputs["forget_alt"]
        lg_a = ctx.logits(a)
        nll_alt = seq_nll(lg_a, a["labels"]).mean()
        logs["unseen_nll"] = nll_alt.detach()
        dmk = dual_masked_kl(lg_a, ctx.ref_logits(a), a["labels"], a["concept_ids"], a["new_ids"])
        logs["dmk"] = dmk.detach()
        self.monitor_forget(ctx, inputs, logs)                   # the true answers: monitoring only
        loss = nll_alt + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs) + self.hp("dmk_weight") * dmk
        return loss, logs
