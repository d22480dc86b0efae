"""``pebench eval --adapters``: many LoRA adapters, one vLLM engine, one lmms-eval run per adapter.

1. Find and check every adapter (folder, rank, base model) before the engine starts.
2. Skip adapters whose results exist (resume), start ONE engine for the rest.
3. Per adapter, run lmms-eval's own evaluation (task YAMLs, prompts, ``process_results``,
   aggregation, results/samples files) with the ``vllm_lora`` backend bound to the shared engine.
   The first adapter's run generates for all pending adapters in one batched pass
   (``engine.SweepStore``), so vLLM batches requests of different adapters together. Each run gets
   a ``VLLMLoRA`` instance bound to the store: objects, never an id in a model-args string.
4. Results land in ``<output>/<adapter>/`` atomically (temporary folder, then rename);
   ``summary.csv`` / ``summary.md`` hold one row per adapter.
5. Full models (``--full-models``: the Goal models, the upper bound of every table) are scored
   each in its own engine, in a child process (two vLLM engines in one process are not safe on
   CPU), with the same backend and generation settings as the base row; a Goal model on its own
   setting.

The forget setting an adapter is scored on comes from its ``pebench_unlearn.json`` (target and
forget size, e.g. ``both_forget20``) unless ``PEBENCH_SETTING``/``PEBENCH_FORGET`` are set;
adapters are scored in groups of the same setting.

An adapter (or Goal model) of ONE target is scored only on the requested tasks whose columns its row
shows (``registry.concepts``: a person adapter's row has no event column); the base row and joint
adapters on every requested task. Our decision (2026-12-07): those answers were generated and then
dropped by the summary, 37 % of the demo's prompts. ``every_task`` scores everything on every row.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


from pebench_core.atomic import remove_stale_temporaries
from pebench_core.names import CONCEPTS

from pebench_data import resolve as data_resolve
from ..evaluation import EvalOptions, evaluate, newest_results_file, task_manager
from ..metrics import registry as R
from . import adapters as A
from . import engine as E
from .served import ServedEngine
from .summary import summary_row, write_summary

WORK = ".work"          # generations of unfinished adapters (resume inside the generation pass)


@dataclass
class SweepReport:
    rows: list[dict] = field(default_factory=list)        # one per adapter (done or skipped)
    problems: list[str] = field(default_factory=list)
    engine_seconds: float = 0.0                           # engine start
    generation_seconds: float = 0.0
    generated: int = 0                                    # prompts generated (all adapters)
    total_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


@dataclass
class SweepSpec:
    """What ``pebench eval --adapters`` scores, and how."""
    model: str                                   # base model folder (the adapters' base)
    adapters: list[A.Adapter]
    output: Path
    options: EvalOptions
    include_base: bool = False
    llm_kwargs: dict = field(default_factory=dict)   # to vllm.LLM (dtype, tensor_parallel_size, ...)
    max_new_tokens: int | None = None
    chunk_size: int = 4096
    chat_template: str | None = None
    max_lora_rank: int | None = None
    max_loras: int | None = None
    seed: int = 0
    full_models: list[A.FullModel] = field(default_factory=list)
    served_url: str | None = None                # a running `vllm serve --enable-lora` instead of an engine here
    setting: tuple[str, str] | None = None       # (mode, forget) of rows with no setting of their own; None: the environment's
    base_target: str | None = None               # the base row's forget target (a Goal model's); None: it shows every concept
    every_task: bool = False                     # every requested task on every row (default: the tasks its row shows)


def results_file(folder: Path) -> Path | None:
    return newest_results_file(folder)


def _setting_of(adapter: A.Adapter | None, env=os.environ) -> tuple[str, str] | None:
    """(mode, forget) this adapter is scored on (None: the environment's choice).
    person_forget10 and event_forget10 are one selection (single, forget10): one group."""
    if adapter is None or adapter.meta is None or env.get("PEBENCH_SETTING") or env.get("PEBENCH_FORGET"):
        return None
    return data_resolve.choice_of(adapter.meta.setting, adapter.meta.forget)


def _model_setting(model: A.FullModel, env=os.environ) -> tuple[str, str] | None:
    if model.setting is None or env.get("PEBENCH_SETTING") or env.get("PEBENCH_FORGET"):
        return None
    return data_resolve.choice_of(model.setting, model.meta.forget)


def _groups(adapters: list[A.Adapter], include_base: bool) -> list[tuple[tuple | None, list]]:
    """[(setting, [adapter or None for the base row])] in first-seen order."""
    groups: dict = {}
    for a in adapters:
        groups.setdefault(_setting_of(a), []).append(a)
    if include_base:
        if not groups:
            groups[None] = []
        for s in list(groups):
            groups[s].insert(0, None)
    return list(groups.items())


def _row_name(adapter: A.Adapter | None, setting: tuple | None, n_groups: int) -> str:
    if adapter is not None:
        return adapter.name
    return A.BASE_NAME if n_groups == 1 or setting is None else f"{A.BASE_NAME}-{'_'.join(setting)}"


def scored_tasks(requested: str, target: str | None, tm) -> tuple[str, set[str] | None]:
    """The tasks of ``requested`` (comma-separated names) a row of forget ``target`` is scored on, and
    their leaf tasks (None: all of ``requested``): PEBench tasks with a column the row shows
    (``registry.tasks``) and every task that is not PEBench's. A group all of whose tasks stay is kept
    by name (its group row in the results), else its kept tasks are listed. Nothing kept: all."""
    keep, ours = R.tasks(target), R.tasks()
    leaves: set[str] = set()

    def walk(name: str) -> list[str]:
        entry = tm.task_index.get(name, {})
        if entry.get("type") == "group":
            children = tm._get_config(name).get("task") or []
            if all(isinstance(c, str) for c in children):
                kept = [k for c in children for k in walk(c)]
                return [name] if kept == list(children) else kept
        elif name in keep or name not in ours:
            leaves.add(name)
            return [name]
        return []

    kept = ",".join(dict.fromkeys(k for n in requested.split(",") for k in walk(n.strip())))
    if kept in ("", requested) or not leaves:
        return requested, None
    return kept, leaves


def _target(spec: SweepSpec, adapter: A.Adapter | None) -> str | None:
    """The forget target that limits a row's tasks (None: every task)."""
    t = spec.base_target if adapter is None else (adapter.meta.target if adapter.meta is not None else None)
    return None if spec.every_task or t not in CONCEPTS else t


def _selection(setting: tuple | None) -> data_resolve.Selection:
    """What a group's tasks read: its (mode, forget), or the environment's choice (None)."""
    return data_resolve.resolve() if setting is None else data_resolve.select(*setting)


def _pending(spec: SweepSpec, groups, report: "SweepReport") -> list:
    """[(setting, [(row name, adapter)])] of rows without results (the others are resumed)."""
    todo = []
    for setting, members in groups:
        pending = []
        for a in members:
            name = _row_name(a, setting, len(groups))
            if results_file(spec.output / name) is not None:
                report.skipped.append(name)
            else:
                pending.append((name, a))
        if pending:
            todo.append((setting, pending))
    if report.skipped:
        print(f"resume: {len(report.skipped)} adapter(s) already have results: {', '.join(report.skipped)}", file=sys.stderr)
    return todo


def run_sweep(spec: SweepSpec) -> SweepReport:
    """Score every adapter of ``spec`` (and the base model) on one engine; see the module doc."""
    from .vllm_lora import VLLMLoRA

    t_all = time.perf_counter()
    rank = A.check(spec.adapters, spec.model, spec.max_lora_rank)
    report = SweepReport()
    groups = _groups(spec.adapters, spec.include_base)
    todo = _pending(spec, groups, report)
    if todo:
        t0 = time.perf_counter()
        served = [a for _, p in todo for _, a in p if a is not None]
        if spec.served_url:

            engine = ServedEngine(spec.served_url, [a.name for a in served], spec.model)
        else:
            engine = E.LoRAEngine(spec.model, served, max_lora_rank=rank,
                                  max_loras=spec.max_loras or max(len(p) for _, p in todo), seed=spec.seed,
                                  **dict(spec.llm_kwargs))
        report.engine_seconds = time.perf_counter() - t0
        tm = task_manager(spec.options.verbosity, "vllm_lora")
        work = spec.output / WORK
        for setting, pending in todo:
            tasks = {name: scored_tasks(spec.options.tasks, _target(spec, a), tm) for name, a in pending}
            store = E.SweepStore(engine, [a.name if a else None for _, a in pending],
                                 {(a.name if a else None): work / name for name, a in pending},
                                 chunk_size=spec.chunk_size, chat_template=spec.chat_template,
                                 wants={(a.name if a else None): tasks[name][1] for name, a in pending})
            sel = _selection(setting or spec.setting)
            try:
                for name, a in pending:
                    opts = dataclasses.replace(spec.options, tasks=tasks[name][0])
                    lm = VLLMLoRA.on_store(store, a, max_new_tokens=spec.max_new_tokens, chunk_size=spec.chunk_size)
                    # recorded in the results (lmms-eval names its folder after model=), never parsed:
                    # the backend is the object `lm`
                    shown = f"model={spec.model}" + (f",lora={a.path}" if a else "")
                    record = {"model": "vllm_lora", "model_args": shown, "adapter": name}
                    problems = _evaluate_atomic(lm, opts, record, spec.output / name, tm, sel)
                    report.problems += [f"{name}: {p}" for p in problems]
                    store.done(a.name if a else None)
                    shutil.rmtree(work / name, ignore_errors=True)
            finally:
                report.generation_seconds += store.seconds
                report.generated += store.generated
        with contextlib.suppress(OSError):
            work.rmdir()
        if hasattr(engine, "close"):
            engine.close()         # GPU: the full models' engines (child processes) need the memory
    for m in spec.full_models:
        if results_file(spec.output / m.name) is not None:
            report.skipped.append(m.name)
            continue
        report.problems += [f"{m.name}: {p}" for p in _score_full_model(spec, m)]

    report.rows = collect_rows(spec.output, groups) + collect_model_rows(spec.output, spec.full_models)

    write_summary(spec.output, report.rows)
    report.total_seconds = time.perf_counter() - t_all
    return report


def _evaluate_atomic(lm, opts: EvalOptions, record: dict, out: Path, tm, sel: data_resolve.Selection) -> list[str]:
    """One adapter's evaluation into a temporary sibling folder, renamed to ``out`` on success."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)          # what a killed sweep left for this adapter
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        problems = evaluate(lm, tmp, opts, model_args=record["model_args"], tm=tm, record=record, quiet=True, sel=sel)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if problems:
        shutil.rmtree(tmp, ignore_errors=True)
        return problems
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return []


def _score_full_model(spec: SweepSpec, model: A.FullModel) -> list[str]:
    """``model`` as the base row of a one-model sweep in a child process, its results moved to
    ``<output>/<model.name>``. Returns problems ([] on success)."""
    import multiprocessing as mp

    print(f"scoring full model {model.name} ({model.setting or 'sweep setting'}) in its own engine", file=sys.stderr, flush=True)
    spec.output.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(spec.output / model.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{model.name}.tmp-{os.getpid()}-", dir=spec.output))
    child = SweepSpec(model=str(model.path), adapters=[], output=tmp, options=spec.options, include_base=True,
                      llm_kwargs=spec.llm_kwargs, max_new_tokens=spec.max_new_tokens, chunk_size=spec.chunk_size,
                      chat_template=spec.chat_template, seed=spec.seed, setting=_model_setting(model) or spec.setting,
                      base_target=model.meta.target or None, every_task=spec.every_task)
    try:
        proc = mp.get_context("spawn").Process(target=_full_model_child, args=(child,))
        proc.start()
        proc.join()
        base = tmp / A.BASE_NAME
        if proc.exitcode != 0 or results_file(base) is None:
            return [f"scoring failed (exit {proc.exitcode}); see the messages above"]
        base.rename(spec.output / model.name)
        return []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _full_model_child(spec: SweepSpec) -> None:
    report = run_sweep(spec)
    for p in report.problems:
        print(f"error: {p}", file=sys.stderr)
    sys.exit(1 if report.problems else 0)


def collect_model_rows(output: Path, models: list[A.FullModel]) -> list[dict]:
    return [summary_row(m.name, m, f) for m in models if (f := results_file(output / m.name)) is not None]


def collect_rows(output: Path, groups) -> list[dict]:
    rows = []
    for setting, members in groups:
        for a in members:
            name = _row_name(a, setting, len(groups))
            f = results_file(output / name)
            if f is not None:
                rows.append(summary_row(name, a, f))
    return rows
