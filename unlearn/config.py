"""YAML configs with `defaults:` inheritance and `key.sub=value` command-line overrides.

A config file is a YAML mapping. An optional top-level ``defaults: [a.yaml, b.yaml]`` lists files
(relative to the file itself) merged first, in order; the file's own keys win. Command-line
overrides ``train.lr=1e-4 lora.r=16 bgd.enabled=true`` are parsed as YAML scalars and must name a
key that exists in the resolved config (typos are an error, not a silently ignored key); a key can
be added on purpose with a ``+`` prefix (``+method.extra=1``).
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from pebench_tasks.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_ROOT = REPO_ROOT / "task_configs"


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)$")


def _numbers(node):
    """PyYAML (YAML 1.1) reads 1e-4 / 1.5e-3 as strings: make them floats."""
    if isinstance(node, dict):
        return {k: _numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_numbers(v) for v in node]
    if isinstance(node, str) and _FLOAT.match(node):
        return float(node)
    return node


def load_yaml(path: str | Path, _seen: tuple = ()) -> dict:
    path = Path(path).resolve()
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    if path in _seen:
        raise UserError(f"{path}: circular `defaults:` chain")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: a config must be a YAML mapping")
    defaults = data.pop("defaults", []) or []
    if isinstance(defaults, str):
        defaults = [defaults]
    merged: dict = {}
    for d in defaults:
        merged = deep_merge(merged, load_yaml(path.parent / d, _seen + (path,)))
    return deep_merge(merged, _numbers(data))


def parse_override(item: str) -> tuple[str, Any, bool]:
    if "=" not in item:
        raise UserError(f"{item!r}: overrides must look like key.sub=value (e.g. train.lr=1e-4)")
    key, raw = item.split("=", 1)
    add = key.startswith("+")
    key = key.lstrip("+").strip()
    if not key or any(not part for part in key.split(".")):
        raise UserError(f"{item!r}: empty key in override")
    try:
        value = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError:
        value = raw
    return key, _numbers(value), add


def apply_overrides(cfg: dict, overrides: Iterable[str]) -> dict:
    cfg = copy.deepcopy(cfg)
    for item in overrides:
        key, value, add = parse_override(item)
        node = cfg
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            if part not in node:
                if not add:
                    raise UserError(f"override {item!r}: unknown key {'.'.join(parts[:i + 1])!r}; known: {sorted(node)}")
                node[part] = {}
            if not isinstance(node[part], dict):
                raise UserError(f"override {item!r}: {'.'.join(parts[:i + 1])!r} is not a section")
            node = node[part]
        last = parts[-1]
        if last not in node and not add:
            raise UserError(f"override {item!r}: unknown key {key!r}; known in this section: {sorted(node)} "
                            f"(prefix with + to add a new key)")
        node[last] = value
    return cfg


def resolve(default_file: str | Path, config_file: str | Path | None, overrides: Iterable[str]) -> dict:
    """default file (from task_configs) <- optional user file <- overrides."""
    cfg = load_yaml(default_file)
    if config_file:
        cfg = deep_merge(cfg, load_yaml(config_file))
    return apply_overrides(cfg, overrides)


def to_yaml(cfg: dict) -> str:
    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=110)


def get(cfg: dict, dotted: str, default: Any = None) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def as_float(cfg: dict, dotted: str, default: float | None = None) -> float | None:
    v = get(cfg, dotted, default)
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise UserError(f"config key {dotted}: expected a number, got {v!r}") from None


def as_int(cfg: dict, dotted: str, default: int | None = None) -> int | None:
    v = get(cfg, dotted, default)
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise UserError(f"config key {dotted}: expected an integer, got {v!r}") from None
    if f != int(f):
        raise UserError(f"config key {dotted}: expected an integer, got {v!r}")
    return int(f)
