"""A study config (``task_configs/study/*.yaml``), checked before anything runs.

Loaded by the one config system (pebench_core.config): ``_base.yaml`` holds every key with its
default, a study file names what it changes (an unknown key is an error), ``--set key=value``
overrides either. Every error is one line naming the file or key and the fix.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pebench_core import config as C
from pebench_core.errors import UserError
from pebench_core.names import FORGET_SIZES, TARGETS
from pebench_core.setting import Setting

STUDY_CONFIGS = "study"
BASE_FILE = "_base.yaml"
TINY_ARCHES = ("qwen2_vl", "llava")
SCALES = ("mini", "full")


@dataclass(frozen=True)
class Run:
    """One unlearning run: a method on a target and forget size with a seed."""
    method: str
    target: str
    forget: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.method}-{self.target}_{self.forget}-s{self.seed}"


@dataclass(frozen=True)
class StudyConfig:
    source: Path                        # the study file
    raw: dict                           # the merged config (written beside the report)
    seed: int
    data_scale: str | None              # None: data_path is used
    data_path: Path | None
    tiny_arch: str | None               # None: model_path is used
    model_path: Path | None
    finetune_config: Path | None
    finetune_overrides: tuple[str, ...]
    side_by_side: bool                  # applies on the CPU only (device == "cpu")
    device: str                         # "cpu" or "cuda": where trainings and scoring run (resolved from auto)
    forget: tuple[str, ...]
    goals: tuple[str, ...]
    steps: int
    seeds: tuple[int, ...]
    redraw_forget: bool                 # seed s draws its own forget sets (own data folder, Goal models, scoring)
    unlearn_config: Path | None
    unlearn_overrides: tuple[str, ...]
    runs: tuple[Run, ...]
    scoring_model: str
    scoring_model_args: str
    judge_base_url: str | None
    judge_model: str | None
    scoring_limit: int | None
    forget_quality: bool
    served_url: str | None
    paper_reference: bool

    @property
    def goal_settings(self) -> list[str]:
        return [str(Setting(t, f)) for f in self.forget for t in self.goals]


def resolve_file(path: str | Path) -> Path:
    """A study file by path, or by name from the packaged task_configs/study/ (e.g. ``demo.yaml``)."""
    p = Path(path).expanduser()
    if p.is_file():
        return p.resolve()
    if p.parent == Path(".") and p.suffix in (".yaml", ".yml"):
        try:
            return C.config_path(STUDY_CONFIGS, p.name)
        except UserError:
            pass
    raise UserError(f"{path}: study config not found (a YAML file, or a name from task_configs/study/ such as demo.yaml)")


def _packaged_or_file(value, section: str, where: str) -> Path | None:
    if value in (None, ""):
        return None
    p = Path(str(value)).expanduser()
    if p.is_file():
        return p.resolve()
    if p.parent == Path("."):
        try:
            return C.config_path(section, p.name)
        except UserError:
            pass
    raise UserError(f"{where}: {value!r} is neither a file nor a config of task_configs/{section}/")


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(value, where) -> str:
    """``device`` -> "cpu" or "cuda" (auto: the GPU when torch sees one)."""
    import torch

    if value not in DEVICES:
        raise UserError(f"{where}: device must be one of {', '.join(DEVICES)}, got {value!r}")
    if value == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if value == "cuda" and not torch.cuda.is_available():
        raise UserError(f"{where}: device is cuda but torch sees no GPU (torch {torch.__version__}); "
                        f"install the GPU stack (bash scripts/setup.sh --gpu) or set device=auto")
    return value


def _list(cfg: dict, key: str, where: Path) -> list:
    v = C.get(cfg, key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise UserError(f"{where}: {key} must be a list, got {v!r}")
    return v


def load(path: str | Path, overrides=()) -> StudyConfig:
    from unlearn.methods import known_methods

    src = resolve_file(path)
    raw = C.resolve(C.config_path(STUDY_CONFIGS, BASE_FILE), src, overrides, strict_file=True, flag="--set")
    where = src

    def need_int(key: str, low: int) -> int:
        v = C.get(raw, key)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise UserError(f"{where}: {key} must be an integer >= {low}, got {v!r}")
        return v

    seed = need_int("seed", 0)
    steps = need_int("unlearn.steps", 1)
    data_path = C.get(raw, "data.path")
    scale = None if data_path else C.get(raw, "data.scale")
    if scale is not None and scale not in SCALES:
        raise UserError(f"{where}: data.scale {scale!r}: one of {', '.join(SCALES)} (or set data.path)")
    if data_path and not Path(data_path).expanduser().is_dir():
        raise UserError(f"{where}: data.path {data_path}: no such folder (build or import it first, or unset data.path)")
    model_path = C.get(raw, "model.path")
    arch = None if model_path else C.get(raw, "model.tiny")
    if arch is not None and arch not in TINY_ARCHES:
        raise UserError(f"{where}: model.tiny {arch!r}: one of {', '.join(TINY_ARCHES)} (or set model.path)")
    if model_path and not (Path(model_path).expanduser() / "config.json").is_file():
        raise UserError(f"{where}: model.path {model_path}: not a model folder (no config.json)")
    if arch is None and not model_path:
        raise UserError(f"{where}: set model.tiny or model.path")
    if scale is None and not data_path:
        raise UserError(f"{where}: set data.scale or data.path")

    forget = tuple(dict.fromkeys(_list(raw, "forget", where)))
    if not forget:
        raise UserError(f"{where}: forget is empty; one or more of {', '.join(FORGET_SIZES)}")
    for f in forget:
        if f not in FORGET_SIZES:
            raise UserError(f"{where}: forget {f!r}: one of {', '.join(FORGET_SIZES)}")
    goals = tuple(dict.fromkeys(_list(raw, "goals", where)))
    for t in goals:
        if t not in TARGETS:
            raise UserError(f"{where}: goals {t!r}: a Goal model needs a forget target, one of {', '.join(TARGETS)}")
    seeds = tuple(dict.fromkeys(_list(raw, "unlearn.seeds", where)))
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise UserError(f"{where}: unlearn.seeds must be a non-empty list of integers >= 0, got {list(seeds)!r}")
    runs_cfg = C.get(raw, "unlearn.runs") or {}
    if not isinstance(runs_cfg, dict):
        raise UserError(f"{where}: unlearn.runs must map targets to method lists")
    known = known_methods()
    runs = []
    for target, methods in runs_cfg.items():
        if target not in TARGETS:
            raise UserError(f"{where}: unlearn.runs.{target}: unknown target; one of {', '.join(TARGETS)}")
        if not isinstance(methods, list):
            raise UserError(f"{where}: unlearn.runs.{target} must be a list of methods")
        for m in dict.fromkeys(methods or []):
            if m not in known:
                raise UserError(f"{where}: unlearn.runs.{target}: unknown method {m!r}; known: {', '.join(known)}")
            if m.endswith("_bgd") and target != "both":
                raise UserError(f"{where}: unlearn.runs.{target}: {m} balances persons and events: only under both")
            runs += [Run(m, target, f, s) for f in forget for s in seeds]
    if not runs:
        raise UserError(f"{where}: unlearn.runs names no method; list methods per target, e.g. unlearn.runs.person=[ga,gd]")
    for key in ("finetune.overrides", "unlearn.overrides"):
        for item in _list(raw, key, where):
            if not isinstance(item, str) or "=" not in item:
                raise UserError(f"{where}: {key}: {item!r} is not key=value")
    limit = C.get(raw, "scoring.limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise UserError(f"{where}: scoring.limit must be null or an integer >= 1, got {limit!r}")
    side = C.get(raw, "side_by_side")
    if not isinstance(side, bool):
        raise UserError(f"{where}: side_by_side must be true or false, got {side!r}")
    device = resolve_device(C.get(raw, "device"), where)
    quality, redraw = C.get(raw, "scoring.forget_quality"), C.get(raw, "unlearn.redraw_forget")
    for key, v in (("scoring.forget_quality", quality), ("unlearn.redraw_forget", redraw)):
        if not isinstance(v, bool):
            raise UserError(f"{where}: {key} must be true or false, got {v!r}")
    return StudyConfig(
        source=src, raw=raw, seed=seed, data_scale=scale, data_path=Path(data_path).expanduser().resolve() if data_path else None,
        tiny_arch=arch, model_path=Path(model_path).expanduser().resolve() if model_path else None,
        finetune_config=_packaged_or_file(C.get(raw, "finetune.config"), "finetune", f"{where}: finetune.config"),
        finetune_overrides=tuple(_list(raw, "finetune.overrides", where)), side_by_side=side, device=device,
        forget=forget, goals=goals, steps=steps, seeds=seeds, redraw_forget=redraw,
        unlearn_config=_packaged_or_file(C.get(raw, "unlearn.config"), "unlearn", f"{where}: unlearn.config"),
        unlearn_overrides=tuple(_list(raw, "unlearn.overrides", where)), runs=tuple(runs),
        scoring_model=str(C.get(raw, "scoring.model")), scoring_model_args=str(C.get(raw, "scoring.model_args") or ""),
        judge_base_url=C.get(raw, "scoring.judge_base_url"), judge_model=C.get(raw, "scoring.judge_model"), scoring_limit=limit,
        forget_quality=quality, served_url=C.get(raw, "scoring.served_url") or None,
        paper_reference=bool(C.get(raw, "report.paper_reference")))
