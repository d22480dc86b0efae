"""The one config system: YAML files under ``task_configs/`` (shipped inside the wheel), merged with
a user file and ``key.sub=value`` command-line overrides by OmegaConf.

- ``config_path("unlearn", "gd.yaml")`` is the only way code finds a packaged config: it reads
  ``task_configs`` through ``importlib.resources``, so an editable checkout and an installed wheel
  give the same files, from any working directory.
- A file may start with ``defaults: [a.yaml, b.yaml]`` (relative to itself), merged first in
  order; the file's own keys win.
- Overrides are OmegaConf dotlists (``train.lr=1e-4 lora.r=16``). They must name a key that exists
  (a typo is an error, not a silently ignored key); ``+key=value`` adds a new key on purpose.
- Results are plain ``dict``s: configs cross module boundaries as data, never as OmegaConf nodes.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from .errors import UserError

CONFIG_PACKAGE = "task_configs"


def config_path(*parts: str) -> Path:
    """A packaged config file, e.g. ``config_path("model", "tiny_qwen2_vl.yaml")``."""
    path = Path(str(resources.files(CONFIG_PACKAGE).joinpath(*parts)))
    if not path.is_file():
        raise UserError(f"{path}: packaged config not found (reinstall pebench: `pip install .`)")
    return path


def _omegaconf():
    from omegaconf import OmegaConf

    return OmegaConf


def load_yaml(path: str | Path, _seen: tuple = ()) -> dict:
    """One YAML config with its ``defaults:`` chain resolved, as a plain dict."""
    from omegaconf.errors import OmegaConfBaseException
    from yaml import YAMLError

    OmegaConf = _omegaconf()
    path = Path(path).resolve()
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    if path in _seen:
        raise UserError(f"{path}: circular `defaults:` chain")
    try:
        node = OmegaConf.load(path)
    except (YAMLError, OmegaConfBaseException) as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not OmegaConf.is_dict(node):
        raise UserError(f"{path}: a config must be a YAML mapping")
    data = OmegaConf.to_container(node, resolve=False)
    defaults = data.pop("defaults", None) or []
    if isinstance(defaults, str):
        defaults = [defaults]
    merged = OmegaConf.create({})
    for d in defaults:
        if not (path.parent / d).is_file():
            raise UserError(f"{path}: defaults entry {d!r} not found beside this file ({path.parent / d})")
        merged = OmegaConf.merge(merged, load_yaml(path.parent / d, _seen + (path,)))
    return OmegaConf.to_container(OmegaConf.merge(merged, data), resolve=True)


def merge(base: dict, over: dict, where: str = "config", strict: bool = False) -> dict:
    """``over`` merged into ``base``; with ``strict`` every key of ``over`` must exist in ``base``."""
    from omegaconf.errors import OmegaConfBaseException

    OmegaConf = _omegaconf()
    node = OmegaConf.create(base)
    OmegaConf.set_struct(node, strict)
    try:
        out = OmegaConf.merge(node, over)
    except OmegaConfBaseException as e:
        raise UserError(f"{where}: {_first_line(e)}; known keys: {_keys(base)}") from None
    return OmegaConf.to_container(out, resolve=True)


def apply_overrides(cfg: dict, overrides: Iterable[str], flag: str = "override") -> dict:
    """``key.sub=value`` items (YAML values) over ``cfg``; unknown keys are an error unless ``+``."""
    from omegaconf import open_dict
    from omegaconf.errors import OmegaConfBaseException

    OmegaConf = _omegaconf()
    node = OmegaConf.create(cfg)
    OmegaConf.set_struct(node, True)
    for item in overrides:
        key, sep, value = item.partition("=")
        add = key.startswith("+")
        key = key.lstrip("+").strip()
        if not sep or not key or any(not p for p in key.split(".")):
            raise UserError(f"{flag} {item!r}: expected key.sub=value (e.g. train.lr=1e-4)")
        try:
            dot = OmegaConf.from_dotlist([f"{key}={value}"])
            if add:
                with open_dict(node):
                    node = OmegaConf.merge(node, dot)
                OmegaConf.set_struct(node, True)
            else:
                parent = key.rsplit(".", 1)[0] if "." in key else None
                if parent is not None and not OmegaConf.is_dict(OmegaConf.select(node, parent)):
                    raise UserError(f"{flag} {item!r}: {parent!r} is not a section")
                if OmegaConf.select(node, key, default="__missing__") == "__missing__":
                    section = OmegaConf.select(node, parent) if parent else node
                    known = sorted(section.keys()) if OmegaConf.is_dict(section) else []
                    raise UserError(f"{flag} {item!r}: unknown key {key!r}; known in this section: {known} "
                                    f"(prefix with + to add a new key)")
                node = OmegaConf.merge(node, dot)
        except OmegaConfBaseException as e:
            raise UserError(f"{flag} {item!r}: {_first_line(e)}") from None
    return OmegaConf.to_container(node, resolve=True)


def resolve(default_file: str | Path, config_file: str | Path | None = None, overrides: Iterable[str] = (),
            strict_file: bool = False, flag: str = "override") -> dict:
    """default file <- optional user file <- overrides, as a plain dict."""
    cfg = load_yaml(default_file)
    if config_file:
        cfg = merge(cfg, load_yaml(config_file), where=str(config_file), strict=strict_file)
    return apply_overrides(cfg, overrides, flag=flag)


def to_yaml(cfg: dict) -> str:
    import yaml

    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=110)


def get(cfg: dict, dotted: str) -> Any:
    """The value at ``a.b.c`` (None where absent). Typed blocks use pebench_core.settings instead:
    a lookup here never carries a default (the YAML is the one place a value is set)."""
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _keys(d: dict) -> str:
    return ", ".join(sorted(d)) if isinstance(d, dict) else ""
