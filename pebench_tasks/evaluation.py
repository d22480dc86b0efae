"""One lmms-eval evaluation through its Python API (``lmms_eval.evaluator.simple_evaluate``), with
lmms-eval's own results and sample files, our sidecar, and a list of problems that make it a failure.

The model is either an lmms-eval backend name plus the user's ``--model_args`` string (exactly what
``lmms-eval --model X --model_args ...`` would do) or an ``lmms`` INSTANCE: the sweep passes a
``VLLMLoRA`` bound to its shared engine, so no id, name or path of ours goes through lmms-eval's
arg-string parser (which turns ``1e3`` or ``true`` into numbers and bools).

The plain ``lmms-eval`` CLI logs exceptions and exits 0; here an exception, a missing results file,
a task without results, a metric missing from the results or a failed judge request is a problem.
"""
from __future__ import annotations

import functools
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pebench_core.atomic import atomic_write_json
from pebench_core.errors import UserError
from pebench_core.names import RESULTS_GLOB, SIDECAR_SUFFIX, RESULTS_SUFFIX
from pebench_data import resolve as data_resolve

from .metrics.judge import JudgeConfig
from .tasks import TASKS_DIR
from .tasks.impl import with_selection


@dataclass(frozen=True)
class EvalOptions:
    """What lmms-eval's CLI flags would set, as one object."""
    tasks: str = "pebench"
    batch_size: int | str = 1
    limit: float | None = None
    seeds: tuple[int, int, int, int] = (0, 1234, 1234, 1234)   # random, numpy, torch, fewshot
    log_samples: bool = True
    verbosity: str = "WARNING"
    gen_kwargs: str = ""
    extra: dict = field(default_factory=dict)                  # other simple_evaluate keywords


def parse_seeds(text: str) -> tuple[int, int, int, int]:
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) == 1:
        parts *= 4
    try:
        seeds = tuple(int(p) for p in parts)
    except ValueError:
        raise UserError(f"--seed {text!r}: one integer or four comma-separated integers") from None
    if len(seeds) != 4:
        raise UserError(f"--seed {text!r}: one integer or four comma-separated integers")
    return seeds  # type: ignore[return-value]


def configure_logging(level: str) -> None:
    from loguru import logger as eval_logger

    eval_logger.remove()
    eval_logger.add(sys.stderr, level=level)
    os.environ["VERBOSITY"] = level


def cli_args(model, opts: EvalOptions, output: Path):
    """The namespace the ``lmms-eval`` CLI hands ``simple_evaluate``: lmms-eval's own parser defaults
    with our values. Without it lmms-eval scores differently from its CLI: the CLI's default
    ``--reasoning_tags`` strip every answer (found 2026-12-06: ' Renata ...' vs 'Renata ...' in the
    logged samples) and the CLI scores documents without re-decoding their images."""
    from lmms_eval.__main__ import parse_eval_args

    # lmms-eval 0.7.3 has no parser factory: parse_eval_args reads sys.argv, so give it none of ours
    argv, sys.argv = sys.argv, [sys.argv[0]]
    try:
        _, ns = parse_eval_args()
    finally:
        sys.argv = argv
    ns.model = model if isinstance(model, str) else getattr(model, "backend_name", type(model).__name__)
    ns.tasks, ns.limit, ns.log_samples, ns.gen_kwargs = opts.tasks, opts.limit, opts.log_samples, opts.gen_kwargs
    ns.output_path, ns.verbosity = str(output), opts.verbosity
    return ns


@functools.cache
def _selecting_task_manager():
    from lmms_eval.tasks import TaskManager

    class SelectingTaskManager(TaskManager):
        """lmms-eval's TaskManager whose PEBench tasks read the rows of ``self.selection`` (an object:
        data folder and setting), set by :func:`run` for each evaluation, instead of ``PEBENCH_*``:
        one manager scores adapters of different settings in one process (the sweep)."""

        selection: data_resolve.Selection | None = None

        def _get_config(self, name):
            config = super()._get_config(name)
            return config if self.selection is None else with_selection(config, self.selection)

    return SelectingTaskManager


def task_manager(verbosity: str = "WARNING", model_name: str | None = None):
    return _selecting_task_manager()(verbosity, include_path=str(TASKS_DIR), model_name=model_name)


def run(model, output: Path, opts: EvalOptions, sel: data_resolve.Selection, model_args: str | dict | None = None,
        tm=None):
    """``simple_evaluate`` on the rows ``sel`` selects + lmms-eval's EvaluationTracker files under
    ``output``; returns results."""
    from lmms_eval import evaluator
    from lmms_eval.loggers import EvaluationTracker
    from lmms_eval.utils import get_datetime_str

    tm = tm or task_manager(opts.verbosity, model if isinstance(model, str) else None)
    tm.selection = sel
    tracker = EvaluationTracker(output_path=str(output))
    datetime_str = get_datetime_str()
    names = opts.tasks.split(",")
    matched = tm.match_tasks(names)
    unknown = [n for n in names if n not in matched]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)} (see `lmms-eval --tasks list`)")
    limit = None if opts.limit is None else (int(opts.limit) if float(opts.limit).is_integer() else opts.limit)
    results = evaluator.simple_evaluate(
        model=model, model_args=model_args, tasks=matched, batch_size=opts.batch_size,
        limit=limit, log_samples=opts.log_samples, evaluation_tracker=tracker, gen_kwargs=opts.gen_kwargs or None,
        task_manager=tm, verbosity=opts.verbosity, random_seed=opts.seeds[0], numpy_random_seed=opts.seeds[1],
        torch_random_seed=opts.seeds[2], fewshot_random_seed=opts.seeds[3], datetime_str=datetime_str,
        **{"cli_args": cli_args(model, opts, output), **opts.extra},
    )
    if results is None:
        return None
    samples = results.pop("samples") if opts.log_samples else None
    if not isinstance(model, str):
        # the tracker deep-copies its fields into the results file: record the backend by name, not the engine
        tracker.general_config_tracker.model_source = getattr(model, "backend_name", type(model).__name__)
    tracker.save_results_aggregated(results=results, samples=samples, datetime_str=datetime_str)
    if opts.log_samples:
        for task_name in results["configs"]:
            tracker.save_results_samples(task_name=task_name, samples=samples[task_name])
    return results


def evaluate(model, output: Path, opts: EvalOptions, model_args: str | dict | None = None, tm=None,
             record: dict | None = None, quiet: bool = False, sel: data_resolve.Selection | None = None) -> list[str]:
    """Run one evaluation on the rows ``sel`` selects (default: the environment's choice); return its
    problems (empty: success). Writes the sidecar beside the results."""
    configure_logging(opts.verbosity)
    sel = sel or data_resolve.resolve()
    started = time.time()
    try:
        results = run(model, output, opts, sel, model_args, tm)
    except UserError:
        raise
    except Exception as e:
        traceback.print_exc()
        return [f"evaluation failed: {type(e).__name__}: {e}"]
    if results is None:
        return ["evaluation returned no results"]
    path = newest_results_file(output, since=started)
    if not quiet:
        _print_tables(results)
    problems = check_results(results, path)
    if path is not None:
        write_sidecar(path, record or {"model": str(model), "model_args": model_args}, problems, sel)
        if not quiet:
            print(f"results: {path}")
    return problems


def _print_tables(results: dict) -> None:
    try:
        from lmms_eval.utils import make_table

        print(make_table(results))
        if "groups" in results:
            print(make_table(results, "groups"))
    except Exception:  # noqa: BLE001 - the table is a convenience
        pass


def newest_results_file(folder: Path, since: float = 0.0) -> Path | None:
    """The newest lmms-eval results file below ``folder`` (written at or after ``since``)."""
    files = [f for f in Path(folder).glob(RESULTS_GLOB) if f.stat().st_mtime >= since - 1]
    return max(files, key=lambda f: f.stat().st_mtime) if files else None


def check_results(results: dict, results_path: Path | None) -> list[str]:
    """Problems that make the run a failure (empty list: success)."""
    problems = []
    if results_path is None:
        problems.append("lmms-eval wrote no results file")
    configs = results.get("configs", {})
    res = results.get("results", {})
    if not configs:
        problems.append("no task was evaluated")
    for task, cfg in configs.items():
        if task not in res:
            problems.append(f"{task}: no results")
            continue
        for m in cfg.get("metric_list", []):
            name = m["metric"] if isinstance(m, dict) else m
            if not any(k.split(",")[0] == name for k in res[task]):
                problems.append(f"{task}: metric {name} missing from the results")
        errs = res[task].get("judge_errors,none")
        if isinstance(errs, (int, float)) and not math.isnan(errs) and errs > 0:
            problems.append(f"{task}: {int(errs)} judge request(s) failed (see judge.error in the samples)")
    return problems


def sidecar_path(results_path: Path) -> Path:
    return results_path.with_name(results_path.name.replace(RESULTS_SUFFIX, SIDECAR_SUFFIX))


def write_sidecar(results_path: Path, record: dict, problems: list[str], sel: data_resolve.Selection) -> None:
    """``<stem>_pebench.json`` beside lmms-eval's results: which data, setting and judge were used."""
    data = data_resolve.open_data(sel=sel)
    judge = JudgeConfig.from_env()
    side = {
        "data_dir": str(data.root), "data_meta": {k: data.meta.get(k) for k in ("schema_version", "source", "scale", "seed", "forget_seed")},
        "mode": sel.mode, "forget": sel.forget, "settings": {f: sel.setting_for(f) for f in data_resolve.FAMILIES},
        "judge": None if judge is None else {"base_url": judge.base_url, "model": judge.model},
        **{k: (v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v)) for k, v in record.items()},
        "problems": problems, "exit_code": 1 if problems else 0,
    }
    atomic_write_json(sidecar_path(results_path), side)
