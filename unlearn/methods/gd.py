"""GD — gradient difference: ascent on forget, descent on retain.
L = -F + α · L_r,  F = L_f (plain) or the BGD forget term,  L_r = mean nll over retain rows."""
from __future__ import annotations

from .base import Method, forget_ascent, register, seq_nll


@register
class GD(Method):
    name = "gd"
    supports_bgd = True
    params = ("retain_weight",)  # values: task_configs/unlearn/gd.yaml

    def loss(self, ctx, inputs):
        logs: dict = {}
        f = inputs["forget"]
        ascent = forget_ascent(seq_nll(ctx.logits(f), f["labels"]), f["concept"], self.bgd, logs)
        loss = ascent + self.hp("retain_weight") * self.retain_nll(ctx, inputs, logs)
        return loss, logs
