"""NPO — negative preference optimisation (Zhang et al. 2024), reference = frozen fine-tuned model.
L = -(2/β) · mean_i log σ(-β · (logp_θ(y_i) - logp_ref(y_i))) + α · L_r   (y_i: true forget answer)."""
from __future__ import annotations

import torch.nn.functional as F

from .base import NO_BGD, Method, forget_ascent, register, seq_logp, seq_nll


@register
class NPO(Method):
    name = "npo"
    needs_ref = True
    params = ("beta", "retain_weight")   # values: task_configs/unlearn/npo.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        f = inputs["forget"]
        beta = self.hp("beta")
        lg = ctx.logits(f)
        log_ratio = seq_logp(lg, f["labels"]) - seq_logp(ctx.ref_logits(f), f["labels"])
        npo = -(2.0 / beta) * F.logsigmoid(-beta * log_ratio).mean()
        logs["npo_loss"] = npo.detach()
        forget_ascent(seq_nll(lg.detach(), f["labels"]), f["concept"], NO_BGD, logs)  # monitoring only
        loss = npo + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs)
        return loss, logs
