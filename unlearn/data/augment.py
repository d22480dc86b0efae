"""Cheap per-step image augmentation on raw pixel tensors (C, H, W) in [0, 1].

Applied after the image was resized/patchified once (see :mod:`unlearn.data.encode`), before
normalisation: random shift with edge padding, brightness factor and Gaussian noise. Every draw
comes from the generator passed in, so that a (seed, sample index) pair always gives the same image
(deterministic runs and exact resume).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from pebench_core.settings import from_block


@dataclass(frozen=True)
class AugmentConfig:
    """The ``augment:`` block of an unlearning or fine-tune config (task_configs/unlearn/_base.yaml)."""

    enabled: bool
    shift_px: int               # max shift in pixels, each axis
    brightness: float           # factor drawn from [1 - b, 1 + b]
    noise: float                # std of additive Gaussian noise (raw [0, 1] scale)

    @classmethod
    def from_cfg(cls, cfg: dict) -> "AugmentConfig":
        return from_block(cls, cfg, "augment", "task_configs/unlearn/_base.yaml")


def augment(raw: torch.Tensor, rng: np.random.Generator, cfg: AugmentConfig) -> torch.Tensor:
    """Return an augmented copy of ``raw`` (C, H, W) float in [0, 1]."""
    if not cfg.enabled:
        return raw
    x = raw.float()
    c, h, w = x.shape
    s = int(cfg.shift_px)
    if s > 0:
        dx, dy = (int(v) for v in rng.integers(-s, s + 1, size=2))
        x = F.pad(x.unsqueeze(0), (s, s, s, s), mode="replicate").squeeze(0)
        x = x[:, s + dy: s + dy + h, s + dx: s + dx + w]
    if cfg.brightness > 0:
        x = x * float(rng.uniform(1 - cfg.brightness, 1 + cfg.brightness))
    if cfg.noise > 0:
        g = torch.Generator().manual_seed(int(rng.integers(0, 2**31 - 1)))
        x = x + torch.randn(x.shape, generator=g) * cfg.noise
    return x.clamp_(0.0, 1.0)
