"""Where tensors live: the one place a batch is moved to its model's device.

The HF Trainer moves its own batches (``Trainer._prepare_inputs``); everything we run outside it
(greedy evaluation, teacher-forced losses, scoring with transformers) goes through
:func:`to_model`. ``PEBENCH_DEVICE`` (``auto`` | ``cpu`` | ``cuda`` | ``cuda:N``) picks the device of
models we load ourselves; ``auto`` is the first GPU when there is one.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import torch

DEVICE_ENV = "PEBENCH_DEVICE"


def default_device() -> torch.device:
    """The device of models we load outside the Trainer (``PEBENCH_DEVICE``, default auto)."""
    want = os.environ.get(DEVICE_ENV, "auto").strip() or "auto"
    if want == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(want)


def model_device(model) -> torch.device:
    """The device of a model's parameters (its first one: we never split a model across devices
    outside ``device_map`` loading, where the inputs belong on the first)."""
    dev = getattr(model, "device", None)
    if isinstance(dev, torch.device):
        return dev
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def to_device(batch, device: torch.device):
    """A (nested) batch with every tensor on ``device``; pinned host tensors copy asynchronously."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=batch.is_pinned())
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def to_model(batch, model):
    """``batch`` moved to ``model``'s device."""
    return to_device(batch, model_device(model))
