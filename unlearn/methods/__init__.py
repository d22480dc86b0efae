"""Unlearning methods: one registry, one small module per method (GA, GD, KL, PO, DPO, NPO, SIU),
BGD as a plug-in of GD and KL (``bgd.enabled=true``; aliases ``gd_bgd`` / ``kl_bgd``)."""
from __future__ import annotations

from pebench_core.errors import UserError

from . import dpo, ga, gd, kl, npo, po, siu  # noqa: F401  (register)
from .base import REGISTRY, BGDConfig, LossContext, Method

ALIASES = {"gd_bgd": ("gd", True), "kl_bgd": ("kl", True), "gd+bgd": ("gd", True), "kl+bgd": ("kl", True),
           "grad_ascent": ("ga", False), "grad_diff": ("gd", False), "idk": ("po", False)}


def known_methods() -> list[str]:
    return sorted(REGISTRY) + ["gd_bgd", "kl_bgd"]


def canonical(name: str) -> tuple[str, bool]:
    """method name -> (registry name, bgd forced on)."""
    key = name.strip().lower()
    if key in REGISTRY:
        return key, False
    if key in ALIASES:
        return ALIASES[key]
    raise UserError(f"unknown method {name!r}; known: {', '.join(known_methods())}")


def build_method(name: str, cfg: dict | None = None, bgd: BGDConfig | None = None) -> Method:
    key, _ = canonical(name)
    return REGISTRY[key](cfg, bgd)


__all__ = ["REGISTRY", "BGDConfig", "LossContext", "Method", "build_method", "canonical", "known_methods"]
