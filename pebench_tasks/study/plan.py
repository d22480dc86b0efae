"""A study config -> the ordered stage commands (pebench_tasks.pipeline.StageSpec), pure: nothing runs.

data -> base model -> Finetune + Goal models -> unlearning runs -> scoring -> report. Each stage is
one of the plain sub-commands (`pebench data build`, `pebench model tiny`, `unlearn finetune`,
`unlearn run`, `pebench eval`, `pebench report`), so a study is exactly what a user could type.
"""
from __future__ import annotations

import os
from pathlib import Path

from pebench_tasks.pipeline import StageSpec, script

from .config import StudyConfig

TRAINING = "training"          # group of the Finetune and Goal trainings (side by side on CPU, one per core)
UNLEARNING = "unlearning"      # group of the unlearning runs (side by side on CPU, one per core)
DIRS = {"data": "data", "base": "base-model", "finetune": "finetuned", "goals": "goals", "adapters": "adapters",
        "eval": "eval", "quality": "forget-quality", "report": "report"}


def widths() -> dict[str, int]:
    """How many stages of a group run at once on this machine (local executor): one per core. Measured
    on 2 cores (2026-12-03, 1-thread trainings of the tiny recipe): two side by side ran 1.12 steps/s
    each, four side by side 0.44 each, so four trainings take ~42 min two at a time, ~53 min all at once."""
    cores = max(1, os.cpu_count() or 1)
    return {TRAINING: cores, UNLEARNING: cores}


def layout(root: Path) -> dict[str, Path]:
    return {k: root / v for k, v in DIRS.items()}


def plan(cfg: StudyConfig, root: Path) -> list[StageSpec]:
    pebench, unlearn, seed = script("pebench"), script("unlearn"), ["--seed", str(cfg.seed)]
    d = layout(root)
    specs: list[StageSpec] = []
    data = cfg.data_path or d["data"]
    if cfg.data_path is None:
        specs.append(StageSpec("data", d["data"], pebench,
                               ["data", "build", "--scale", cfg.data_scale, "--out", str(d["data"]), *seed]))
    up_data = ("data",) if cfg.data_path is None else ()
    base = cfg.model_path or d["base"]
    if cfg.model_path is None:
        specs.append(StageSpec("base model", d["base"], pebench, [
            "model", "tiny", "--arch", cfg.tiny_arch, "--data", str(data), "--out", str(d["base"]), *seed], up_data))
    up_base = up_data + (("base model",) if cfg.model_path is None else ())

    # side by side, one thread each: a CPU setting (on a GPU the stages take the GPU one at a time)
    cpu_side = cfg.side_by_side and cfg.device == "cpu"
    side = cpu_side and bool(cfg.goals)
    threads = ["train.threads=1"] if side else []
    recipe = (["--config", str(cfg.finetune_config)] if cfg.finetune_config else []) + list(cfg.finetune_overrides) + threads
    group = TRAINING if side else ""
    specs.append(StageSpec("finetune", d["finetune"], unlearn, [
        "finetune", "--model", str(base), "--data", str(data), "--split", "finetune_train",
        "--out", str(d["finetune"]), *seed, *recipe], up_base, group=group))
    goal_dirs = []
    for setting in cfg.goal_settings:
        out = d["goals"] / f"goal-{setting}"
        goal_dirs.append(out)
        specs.append(StageSpec(f"goal {setting}", out, unlearn, [
            "finetune", "--model", str(base), "--data", str(data), "--split", "goal_train", "--setting", setting,
            "--out", str(out), *seed, *recipe], up_base, group=group))

    extra = (["--config", str(cfg.unlearn_config)] if cfg.unlearn_config else []) + list(cfg.unlearn_overrides)
    extra += ["train.threads=1"] if cpu_side else []
    runs = []
    for r in cfg.runs:
        out = d["adapters"] / r.name
        runs.append(f"unlearn {r.name}")
        specs.append(StageSpec(runs[-1], out, unlearn, [
            "run", "--method", r.method, "--target", r.target, "--forget", r.forget, "--model", str(d["finetune"]),
            "--data", str(data), "--out", str(out), "--seed", str(r.seed), *extra, f"train.max_steps={cfg.steps}"],
            up_data + ("finetune",), group=UNLEARNING if cpu_side else ""))

    judge = []
    if cfg.judge_base_url:
        judge = ["--judge-base-url", cfg.judge_base_url] + (["--judge-model", cfg.judge_model] if cfg.judge_model else [])
    model_args = ",".join(x for x in (f"model={d['finetune']}", cfg.scoring_model_args) if x)
    adapters = ["--adapters", ",".join(str(d["adapters"] / r.name) for r in cfg.runs)] if cfg.runs else []
    full = ["--full-models", ",".join(map(str, goal_dirs))] if goal_dirs else []
    # no --setting/--forget: each adapter (and Goal model) is scored on the setting it was trained for,
    # and the Finetune model once per setting group (docs/scoring.md)
    specs.append(StageSpec("scoring", d["eval"] / "summary.csv", pebench, [
        "eval", "--model", cfg.scoring_model, "--model-args", model_args, *adapters, "--include-base", *full,
        "--data", str(data), "--output", str(d["eval"]), *judge, *seed,
        *(["--limit", str(cfg.scoring_limit)] if cfg.scoring_limit else []),
        *(["--served-url", cfg.served_url] if cfg.served_url else [])],
        up_data + ("finetune", *[f"goal {s}" for s in cfg.goal_settings], *runs), atomic=False))
    quality, up_report = [], ("scoring",)
    if cfg.forget_quality and (cfg.runs or goal_dirs):
        specs.append(StageSpec("forget quality", d["quality"], pebench, [
            "forget-quality", "--model-args", model_args, *adapters, *full, "--data", str(data),
            "--output", str(d["quality"]), *seed], up_data + ("finetune", *[f"goal {s}" for s in cfg.goal_settings], *runs)))
        quality, up_report = ["--forget-quality", str(d["quality"] / "forget_quality.csv")], ("scoring", "forget quality")
    specs.append(StageSpec("report", d["report"], pebench, [
        "report", str(d["eval"] / "summary.csv"), "--out", str(d["report"]), "--title", cfg.source.stem, *quality,
        *([] if cfg.paper_reference else ["--no-paper-reference"])], up_report))
    return specs
