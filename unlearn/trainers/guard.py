"""Blow-up guard and early stop for gradient-ascent style training.

Gradient ascent has no minimum: the forget NLL grows without bound and, long before it overflows,
the model forgets everything else (env notes: other people's names at 3-19% after 40 steps). The
guard watches three things at every optimizer step:

* a NaN/inf loss or gradient norm  -> :class:`TrainingDiverged` (non-zero exit, nothing saved);
* the forget NLL reaching ``stop.forget_loss_target`` (every forgotten concept, see
  ``forget_nll_min``) -> stop: "target reached";
* the forget NLL above ``guard.max_forget_loss``, |loss| above ``guard.max_loss`` or the pre-clip
  gradient norm above ``guard.max_grad_norm`` -> blow-up: stop with a clear message
  (``guard.on_blowup: stop``, the default) or fail (``error``).

Both stops keep the weights the offending loss was measured at: trainable parameters are
snapshotted at the start of every optimizer step (LoRA: a few MB; skipped above
``guard.snapshot_max_params``) and restored if the guard trips during that step, so the update
computed from the offending batch is never kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from transformers import TrainerCallback

from pebench_core.errors import UserError
from pebench_core.settings import from_block


class TrainingDiverged(UserError):
    """NaN/inf loss or gradients: nothing is saved."""


class GuardTripped(UserError):
    """Blow-up with ``guard.on_blowup: error``."""


@dataclass(frozen=True)
class GuardConfig:
    """The ``guard:`` block of an unlearning config, plus ``stop.forget_loss_target``
    (task_configs/unlearn/_base.yaml documents both)."""

    max_forget_loss: float | None     # forget NLL above this = gradient-ascent blow-up
    max_loss: float | None            # |total loss| bound
    max_grad_norm: float | None       # pre-clip gradient norm bound
    on_blowup: str                    # stop (save, with the reason) | error (save nothing)
    snapshot_max_params: int          # trainable parameters kept in memory to save the last good step
    forget_loss_target: float | None  # early stop when every forgotten concept's forget NLL reaches this

    @classmethod
    def from_cfg(cls, cfg: dict) -> "GuardConfig":
        doc = "task_configs/unlearn/_base.yaml"
        stop = from_block(StopSettings, cfg, "stop", doc)
        out = from_block(cls, cfg, "guard", doc, forget_loss_target=stop.forget_loss_target)
        if out.on_blowup not in ("stop", "error"):
            raise UserError(f"guard.on_blowup: 'stop' or 'error', got {out.on_blowup!r}")
        return out

    @classmethod
    def nan_only(cls) -> "GuardConfig":
        """Only the NaN/inf check (fine-tuning: no forget loss to watch)."""
        return cls(max_forget_loss=None, max_loss=None, max_grad_norm=None, on_blowup="stop", snapshot_max_params=0,
                   forget_loss_target=None)


@dataclass(frozen=True)
class StopSettings:
    """The ``stop:`` block of an unlearning config."""

    forget_loss_target: float | None


class Guard:
    """State shared by the trainer (which reports losses and grad norms) and :class:`GuardCallback`."""

    def __init__(self, cfg: GuardConfig):
        self.cfg = cfg
        self.trip: tuple[str, str] | None = None   # (kind: target|blowup, message)
        self.stop_reason: dict | None = None

    def check_loss(self, loss: float | torch.Tensor, logs: dict, step: int) -> None:
        """``loss`` and ``logs`` values as floats (tensors are read here, one sync each)."""
        loss = float(loss)
        logs = {k: float(v) for k, v in logs.items()}
        if not math.isfinite(loss):
            detail = ", ".join(f"{k}={v:.4g}" for k, v in logs.items())
            raise TrainingDiverged(f"loss became {loss} at step {step + 1} ({detail}); nothing was saved. "
                                   f"Lower train.lr, or set stop.forget_loss_target / guard.max_forget_loss to stop "
                                   f"gradient ascent earlier")
        if self.trip is not None:
            return
        c = self.cfg
        fmin = logs.get("forget_nll_min", logs.get("forget_nll"))
        fmax = logs.get("forget_nll")
        if c.forget_loss_target is not None and fmin is not None and fmin >= c.forget_loss_target:
            self.trip = ("target", f"forget loss {fmin:.3f} reached the target {c.forget_loss_target:g} at step {step + 1}")
        elif c.max_forget_loss is not None and fmax is not None and fmax > c.max_forget_loss:
            self.trip = ("blowup", f"forget loss {fmax:.3f} exceeded guard.max_forget_loss={c.max_forget_loss:g} at step {step + 1}")
        elif c.max_loss is not None and abs(loss) > c.max_loss:
            self.trip = ("blowup", f"|loss| {abs(loss):.3f} exceeded guard.max_loss={c.max_loss:g} at step {step + 1}")

    def check_grad_norm(self, norm, step: int) -> None:
        v = float(norm) if norm is not None else None
        if v is None:
            return
        if not math.isfinite(v):
            raise TrainingDiverged(f"gradient norm became {v} at step {step + 1}; nothing was saved. Lower train.lr")
        if self.trip is None and self.cfg.max_grad_norm is not None and v > self.cfg.max_grad_norm:
            self.trip = ("blowup", f"gradient norm {v:.4g} exceeded guard.max_grad_norm={self.cfg.max_grad_norm:g} at step {step + 1}")


def _sync_trip(guard: Guard) -> None:
    """All processes must stop together (DDP): share the first trip."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    # NCCL reduces only GPU tensors; gloo only CPU ones
    dev = (torch.device("cuda", torch.cuda.current_device()) if torch.distributed.get_backend() == "nccl"
           else torch.device("cpu"))
    code = torch.tensor([0 if guard.trip is None else (1 if guard.trip[0] == "target" else 2)], device=dev)
    torch.distributed.all_reduce(code, op=torch.distributed.ReduceOp.MAX)
    if guard.trip is None and int(code) > 0:
        guard.trip = ("target" if int(code) == 1 else "blowup", "stopped by another process's guard")


class GuardCallback(TrainerCallback):
    def __init__(self, guard: Guard):
        self.guard = guard
        self._params: list[torch.nn.Parameter] | None = None
        self._snap: list[torch.Tensor] | None = None

    def on_step_begin(self, args, state, control, model=None, **kw):
        if model is None:
            return
        if self._params is None:
            # found once: the trainable set does not change during training; the buffers are
            # allocated once and refilled with one multi-tensor copy per step (no per-parameter loop)
            self._params = [p for p in model.parameters() if p.requires_grad]
            if sum(p.numel() for p in self._params) <= self.guard.cfg.snapshot_max_params:
                self._snap = [torch.empty_like(p) for p in self._params]
        if self._snap is not None:
            with torch.no_grad():
                torch._foreach_copy_(self._snap, [p.detach() for p in self._params])

    def on_optimizer_step(self, args, state, control, **kw):
        _sync_trip(self.guard)
        if self.guard.trip is None:
            return
        kind, msg = self.guard.trip
        restored = False
        if self._snap is not None:
            with torch.no_grad():
                torch._foreach_copy_([p.data for p in self._params], self._snap)
            restored = True
        kept = f"weights from before step {state.global_step + 1} kept" if restored else "weights after the step kept"
        self.guard.stop_reason = {"kind": kind, "message": msg, "step": state.global_step + 1,
                                  "weights_restored": restored}
        if kind == "blowup" and self.guard.cfg.on_blowup == "error":
            raise GuardTripped(f"gradient-ascent blow-up guard: {msg}; nothing was saved (guard.on_blowup=error). "
                               f"Lower train.lr or set stop.forget_loss_target")
        if kind == "blowup":
            print(f"WARNING: gradient-ascent blow-up guard: {msg}; training stopped, {kept}. "
                  f"Lower train.lr or set stop.forget_loss_target to stop earlier.", flush=True)
        else:
            print(f"early stop: {msg}; {kept}.", flush=True)
        control.should_training_stop = True
        control.should_save = False
