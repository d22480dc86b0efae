"""Faster multi-LoRA matmuls for vLLM's CPU backend (applied by ``LoRAEngine`` on CPU only).

vLLM's PyTorch-native punica ops (``vllm.lora.ops.torch_ops``, used on CPU) gather one LoRA matrix
PER TOKEN (``weights[token_indices]``: a tokens x out x in tensor) and contract it with an einsum.
In a sweep most tokens of a batch share one of a few adapters, so the same result is a handful of
plain matmuls, one per adapter present in the batch. Profiling a K=8 sweep on the tiny model put
~64% of generation time in those ops. This module replaces only the three ``bgmv_*`` functions
(the ``sgmv_*`` ones call them), keeping their argument handling and output writes as they are;
the arithmetic is the same matrix product, grouped by adapter index.

It also fixes a correctness bug of those ops (vLLM 0.32, CPU): a token of a request WITHOUT LoRA
has index -1, which ``weights[-1]`` reads as the LAST adapter slot, so in a batch that mixes the
base model with adapters the base rows silently got an adapter (found 2026-12-03: base-row answer
log-probs equal to the adapter's). vLLM's GPU kernels skip index -1; here those rows get zero, as
there. ``tests/test_scoring.py`` checks both against the original functions.
"""
from __future__ import annotations

import torch

_PATCHED = False


def _grouped(inputs: torch.Tensor, weights: torch.Tensor, indices: torch.Tensor, dtype) -> torch.Tensor:
    """Row b of the result = weights[indices[b]] @ inputs[b] (weights: L x [1 x] out x in); zero
    where indices[b] < 0 (no LoRA for that token)."""
    if weights.dim() == 4:
        weights = weights.squeeze(1)
    x = inputs.to(dtype=dtype)
    n = min(x.shape[0], indices.shape[0])
    if n == 0:
        return x.new_zeros((0, weights.shape[1]))
    x, indices = x[:n], indices[:n]
    uniq = torch.unique(indices)
    if uniq.numel() == 1 and int(uniq[0]) >= 0:
        return x @ weights[int(uniq[0])].to(dtype=dtype).T
    out = x.new_zeros((n, weights.shape[1]))
    for u in uniq.tolist():
        if u < 0:
            continue
        rows = (indices == u).nonzero(as_tuple=True)[0]
        out[rows] = x[rows] @ weights[u].to(dtype=dtype).T
    return out


def bgmv_shrink(inputs, lora_b_weights, output_tensor, lora_indices_tensor, scaling: float = 1.0):
    outputs = _grouped(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    output_tensor[:, : outputs.shape[1]] = scaling * outputs[:]


def bgmv_expand(inputs, lora_b_weights, output_tensor, lora_indices_tensor, add_inputs: bool = True):
    outputs = _grouped(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    limit = output_tensor.shape[0]
    if outputs.shape[0] == 1 and output_tensor.shape[0] != 1:
        limit = 1
    common_len = min(outputs.shape[1], output_tensor.shape[1])
    if add_inputs:
        output_tensor[:, :common_len] += outputs[:limit, :common_len]
    else:
        output_tensor[:, :common_len] = outputs[:limit, :common_len]


def bgmv_expand_slice(inputs, lora_b_weights, output_tensor, lora_indices_tensor, slice_offset: int,
                      slice_size: int, add_inputs: bool = True):
    outputs = _grouped(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    if add_inputs:
        output_tensor[:, slice_offset: slice_offset + slice_size] += outputs[:]
    else:
        output_tensor[:, slice_offset: slice_offset + slice_size] = outputs[:]


def patched() -> bool:
    return _PATCHED


def patch() -> bool:
    """Install the grouped ops into vLLM's torch-native LoRA ops (idempotent). Returns True if patched now."""
    global _PATCHED
    if _PATCHED:
        return False
    from vllm.lora.ops.torch_ops import lora_ops
    from vllm.lora.punica_wrapper import punica_cpu

    for name, fn in (("bgmv_shrink", bgmv_shrink), ("bgmv_expand", bgmv_expand), ("bgmv_expand_slice", bgmv_expand_slice)):
        setattr(lora_ops, name, fn)      # sgmv_* look these up here
        setattr(punica_cpu, name, fn)    # imported by name into the CPU punica wrapper
    _PATCHED = True
    return True
