"""PO — preference optimisation with refusals as targets (the paper's PO; "IdkNLL" in peers).
L = mean_i nll(θ; x_i, q_i, refusal_i) + α · L_r."""
from __future__ import annotations

from .base import Method, register, seq_nll


@register
class PO(Method):
    name = "po"
    needs_alt = True
    params = ("retain_weight", "monitor_forget")   # values: task_configs/unlearn/po.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        a = inputs["forget_alt"]
        nll_alt = seq_nll(ctx.logits(a), a["labels"]).mean()
        logs["refusal_nll"] = nll_alt.detach()
        loss = nll_alt + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs)
        if self.cfg.get("monitor_forget", True):
            self.monitor_forget(ctx, inputs, logs)   # true-answer NLL, no gradient (forget-loss target)
        return loss, logs
