"""Typed config blocks: one frozen dataclass per YAML block (TRL-style, every field documented where
it is declared), built from the merged config by :func:`from_block`.

No field has a default in code: the YAML under ``task_configs/`` is the one place a value is set,
so a missing key, a key the block does not know, or a value of the wrong type is one error line
naming ``block.key`` and the file that documents it.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from .errors import UserError

_NULLS = (None, "null", "none", "None")


def from_block(cls, cfg: dict, block: str, documented_in: str, **given):
    """``cls`` (a dataclass) from ``cfg[block]``: every field not in ``given`` must be set there, no
    other key may be."""
    node = cfg.get(block) if isinstance(cfg, dict) else None
    if not isinstance(node, dict):
        raise UserError(f"config: no {block} block ({documented_in} documents it)")
    names = [f.name for f in dataclasses.fields(cls) if f.name not in given]
    unknown = sorted(set(node) - set(names))
    if unknown:
        raise UserError(f"config: {block}.{unknown[0]} is not a known key; known: {', '.join(names)} ({documented_in})")
    missing = [n for n in names if n not in node]
    if missing:
        raise UserError(f"config: {block}.{missing[0]} is not set ({documented_in} documents it)")
    hints = typing.get_type_hints(cls)
    return cls(**{n: convert(node[n], hints[n], f"{block}.{n}") for n in names}, **given)


def convert(value: Any, kind, key: str):
    """``value`` as the annotated type ``kind`` (int, float, bool, str, X | None, list[X],
    tuple[X, ...], dict[str, X]); a mismatch is a UserError naming ``key``."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value in _NULLS and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        errors = []
        for a in rest:
            try:
                return convert(value, a, key)
            except UserError as e:
                errors.append(e)
        raise errors[0]
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise UserError(f"config key {key}: expected a list, got {value!r}")
        return [convert(v, args[0], key) for v in value]
    if origin is tuple:
        kinds = [args[0]] * len(value) if isinstance(value, (list, tuple)) and args[-1] is Ellipsis else list(args)
        if not isinstance(value, (list, tuple)) or len(value) != len(kinds):
            raise UserError(f"config key {key}: expected {len(kinds)} values, got {value!r}")
        return tuple(convert(v, k, key) for v, k in zip(value, kinds))
    if origin is dict:
        if not isinstance(value, dict):
            raise UserError(f"config key {key}: expected a mapping, got {value!r}")
        return {str(k): convert(v, args[1], f"{key}.{k}") for k, v in value.items()}
    if kind is bool:
        if not isinstance(value, bool):
            raise UserError(f"config key {key}: expected true or false, got {value!r}")
        return value
    if kind is int:
        try:
            f = float(value)
        except (TypeError, ValueError):
            f = None
        if isinstance(value, bool) or f is None or f != int(f):
            raise UserError(f"config key {key}: expected an integer, got {value!r}")
        return int(f)
    if kind is float:
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise UserError(f"config key {key}: expected a number, got {value!r}") from None
    if kind is str:
        if isinstance(value, (dict, list)) or value is None:
            raise UserError(f"config key {key}: expected a string, got {value!r}")
        return str(value)
    raise TypeError(f"{key}: unsupported field type {kind!r}")
