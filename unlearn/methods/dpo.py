"""DPO — refusal preferred (w) over the true answer (l), reference = frozen fine-tuned model.
L = -(2/β) · mean_i log σ(β[(logp_θ(w_i) - logp_ref(w_i)) - (logp_θ(l_i) - logp_ref(l_i))]) + α · L_r."""
from __future__ import annotations

import torch.nn.functional as F

from .base import NO_BGD, Method, forget_ascent, register, seq_logp, seq_nll


@register
class DPO(Method):
    name = "dpo"
    needs_alt = True
    needs_ref = True
    params = ("beta", "retain_weight")   # values: task_configs/unlearn/dpo.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        w, l = inputs["forget_alt"], inputs["forget"]
        beta = self.hp("beta")
        lg_w, lg_l = ctx.logits(w), ctx.logits(l)
        win = seq_logp(lg_w, w["labels"]) - seq_logp(ctx.ref_logits(w), w["labels"])
        lose = seq_logp(lg_l, l["labels"]) - seq_logp(ctx.ref_logits(l), l["labels"])
        pref = -(2.0 / beta) * F.logsigmoid(beta * (win - lose)).mean()
        logs["dpo_loss"] = pref.detach()
        forget_ascent(seq_nll(lg_l.detach(), l["labels"]), l["concept"], NO_BGD, logs)  # monitoring only
        loss = pref + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs)
        return loss, logs
