"""GA — gradient ascent on the forget set.  L = -L_f,  L_f = mean_i nll(θ; x_i, q_i, y_i) over forget rows."""
from __future__ import annotations

from .base import NO_BGD, Method, forget_ascent, register, seq_nll


@register
class GA(Method):
    name = "ga"
    needs_retain = False

    def loss(self, ctx, inputs):
        logs: dict = {}
        f = inputs["forget"]
        loss = forget_ascent(seq_nll(ctx.logits(f), f["labels"]), f["concept"], NO_BGD, logs)
        return loss, logs
