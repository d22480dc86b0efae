"""KL — ascent on forget + KL to the frozen fine-tuned model on retain.
L = -F + α · mean_t KL(p_ref(·|x, q, y<t) || p_θ(·|x, q, y<t)) over retain answer positions."""
from __future__ import annotations

from .base import Method, forget_ascent, kl_ref_theta, register, seq_nll


@register
class KL(Method):
    name = "kl"
    needs_ref = True
    supports_bgd = True
    params = ("retain_weight",)  # values: task_configs/unlearn/kl.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        f, r = inputs["forget"], inputs["retain"]
        ascent = forget_ascent(seq_nll(ctx.logits(f), f["labels"]), f["concept"], self.bgd, logs)
        logits_r = ctx.logits(r)
        kl = kl_ref_theta(logits_r, ctx.ref_logits(r), r["labels"])
        logs["retain_kl"] = kl.detach()
        loss = ascent + self.hp("retain_weight") * kl
        return loss, logs
