"""A study config -> the ordered stage commands (pebench_cli.pipeline.StageSpec), pure: nothing runs.

data -> base model -> Finetune + Goal models -> unlearning runs -> scoring -> report. Each stage is
one of the plain sub-commands (`pebench data build`, `pebench model tiny`, `unlearn finetune`,
`unlearn run`, `pebench eval`, `pebench report`), so a study is exactly what a user could type.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pebench_cli.pipeline import StageSpec, script
from pebench_core.names import SUMMARY_FILE

from .config import StudyConfig

TRAINING = "training"          # group of the Finetune and Goal trainings (side by side on CPU, one per core)
UNLEARNING = "unlearning"      # group of the unlearning runs (side by side on CPU, one per core)
DIRS = {"data": "data", "base": "base-model", "finetune": "finetuned", "goals": "goals", "adapters": "adapters",
        "eval": "eval", "quality": "forget-quality", "report": "report", "draws": "data-draws"}


def widths() -> dict[str, int]:
    """How many stages of a group run at once on this machine (local executor): one per core. Measured
    on 2 cores (2026-12-03, 1-thread trainings of the tiny recipe): two side by side ran 1.12 steps/s
    each, four side by side 0.44 each, so four trainings take ~42 min two at a time, ~53 min all at once."""
    cores = max(1, os.cpu_count() or 1)
    return {TRAINING: cores, UNLEARNING: cores}


def layout(root: Path) -> dict[str, Path]:
    return {k: root / v for k, v in DIRS.items()}


def summaries(root: Path) -> list[Path]:
    """The summary.csv files a finished study's report was made from (one per forget-set draw)."""
    ev = layout(Path(root))["eval"]
    return [ev / SUMMARY_FILE] if (ev / SUMMARY_FILE).is_file() else sorted(ev.glob(f"s*/{SUMMARY_FILE}"))


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
    all_draws = draws(cfg, data, d)
    for dw in all_draws:
        specs += _draw_stages(cfg, dw, d, recipe, group, cpu_side, up_data, up_base)
    summaries = [str(dw.eval / SUMMARY_FILE) for dw in all_draws]
    qualities = [str(dw.quality / "forget_quality.csv") for dw in all_draws]
    with_quality = cfg.forget_quality      # the config always names runs
    up_report = tuple(f"{n}{dw.tag}" for dw in all_draws for n in ("scoring", *(("forget quality",) if with_quality else ())))
    specs.append(StageSpec("report", d["report"], pebench, [
        "report", *summaries, "--out", str(d["report"]), "--title", cfg.source.stem,
        *(["--forget-quality", *qualities] if with_quality else []),
        *([] if cfg.paper_reference else ["--no-paper-reference"])], up_report))
    return specs


@dataclass(frozen=True)
class Draw:
    """One draw of the forget sets: its data folder, the unlearning seeds that use it, and where its
    Goal models, scores and forget quality go. Without ``unlearn.redraw_forget`` there is one draw
    (the data folder's own sets, every seed, tag ""); with it one per seed (tag " s<seed>")."""
    tag: str
    data: Path
    seeds: tuple[int, ...]
    goal_seed: int
    goals: Path
    eval: Path
    quality: Path
    stage: str | None            # the redraw stage ("data draw s<seed>"), None: the data as given


def draws(cfg: StudyConfig, data: Path, d: dict[str, Path]) -> list[Draw]:
    if not cfg.redraw_forget:
        return [Draw("", Path(data), cfg.seeds, cfg.seed, d["goals"], d["eval"], d["quality"], None)]
    return [Draw(f" s{s}", d["draws"] / f"s{s}", (s,), s, d["goals"] / f"s{s}", d["eval"] / f"s{s}",
                 d["quality"] / f"s{s}", f"data draw s{s}") for s in cfg.seeds]


def _draw_stages(cfg: StudyConfig, dw: Draw, d: dict[str, Path], recipe: list[str], group: str, cpu_side: bool,
                 up_data: tuple, up_base: tuple) -> list[StageSpec]:
    """The stages of one draw: its data (when redrawn), Goal models, unlearning runs, scoring."""
    pebench, unlearn, specs = script("pebench"), script("unlearn"), []
    up_draw = up_data + ((dw.stage,) if dw.stage else ())
    if dw.stage:
        specs.append(StageSpec(dw.stage, dw.data, pebench, [
            "data", "redraw", str(d["data"] if cfg.data_path is None else cfg.data_path), "--forget-seed",
            str(dw.seeds[0]), "--out", str(dw.data)], up_data))
    goal_dirs, goal_names = [], []
    for setting in cfg.goal_settings:
        out = dw.goals / f"goal-{setting}"
        goal_dirs.append(out)
        goal_names.append(f"goal {setting}{dw.tag}")
        specs.append(StageSpec(goal_names[-1], out, unlearn, [
            "finetune", "--model", str(cfg.model_path or d["base"]), "--data", str(dw.data), "--split", "goal_train",
            "--setting", setting, "--out", str(out), "--seed", str(dw.goal_seed), *recipe],
            up_base + up_draw[len(up_data):], group=group))

    extra = (["--config", str(cfg.unlearn_config)] if cfg.unlearn_config else []) + list(cfg.unlearn_overrides)
    extra += ["train.threads=1"] if cpu_side else []
    mine = [r for r in cfg.runs if r.seed in dw.seeds]
    for r in mine:
        out = d["adapters"] / r.name
        specs.append(StageSpec(f"unlearn {r.name}", out, unlearn, [
            "run", "--method", r.method, "--target", r.target, "--forget", r.forget, "--model", str(d["finetune"]),
            "--data", str(dw.data), "--out", str(out), "--seed", str(r.seed), *extra, f"train.max_steps={cfg.steps}"],
            up_draw + ("finetune",), group=UNLEARNING if cpu_side else ""))
    my_runs = [f"unlearn {r.name}" for r in mine]

    judge = []
    if cfg.judge_base_url:
        judge = ["--judge-base-url", cfg.judge_base_url] + (["--judge-model", cfg.judge_model] if cfg.judge_model else [])
    model_args = ",".join(x for x in (f"model={d['finetune']}", cfg.scoring_model_args) if x)
    adapters = ["--adapters", ",".join(str(d["adapters"] / r.name) for r in mine)] if mine else []
    full = ["--full-models", ",".join(map(str, goal_dirs))] if goal_dirs else []
    seed = ["--seed", str(cfg.seed)]
    # no --setting/--forget: each adapter (and Goal model) is scored on the setting it was trained for,
    # and the Finetune model once per setting group (docs/scoring.md)
    needs = up_draw + ("finetune", *goal_names, *my_runs)
    specs.append(StageSpec(f"scoring{dw.tag}", dw.eval / SUMMARY_FILE, pebench, [
        "eval", "--model", cfg.scoring_model, "--model-args", model_args, *adapters, "--include-base", *full,
        "--data", str(dw.data), "--output", str(dw.eval), *judge, *seed,
        *(["--limit", str(cfg.scoring_limit)] if cfg.scoring_limit else []),
        *(["--served-url", cfg.served_url] if cfg.served_url else [])], needs, atomic=False))
    if cfg.forget_quality:
        specs.append(StageSpec(f"forget quality{dw.tag}", dw.quality, pebench, [
            "forget-quality", "--model-args", model_args, *adapters, *full, "--data", str(dw.data),
            "--output", str(dw.quality), *seed], needs))
    return specs
