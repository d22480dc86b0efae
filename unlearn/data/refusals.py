"""Refusal answers used as targets by PO and as the preferred answer by DPO: the ``refusals:`` block
of task_configs/unlearn/_base.yaml (one list per concept; the one place they are written). Each
forget row gets one, chosen by (seed, qa_id)."""
from __future__ import annotations

import hashlib

from pebench_core.errors import UserError

CONCEPTS = ("person", "event")


def templates(cfg: dict) -> dict[str, list[str]]:
    """The ``refusals:`` block, checked: a non-empty list of strings per concept."""
    block = cfg.get("refusals") if isinstance(cfg, dict) else None
    out = {}
    for c in CONCEPTS:
        items = (block or {}).get(c) if isinstance(block, dict) else None
        if not items or not all(isinstance(t, str) and t.strip() for t in items):
            raise UserError(f"config: refusals.{c} must be a non-empty list of answers (task_configs/unlearn/_base.yaml)")
        out[c] = list(items)
    return out


def pick(options: dict[str, list[str]], concept: str, qa_id: str, seed: int) -> str:
    choices = options[concept]
    h = int.from_bytes(hashlib.sha256(f"{seed}:{qa_id}".encode()).digest()[:4], "little")
    return choices[h % len(choices)]
