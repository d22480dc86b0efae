"""``pebench eval --adapters``: many LoRA adapters, one vLLM engine, one lmms-eval run per adapter.

1. Find and check every adapter (folder, rank, base model) before the engine starts.
2. Skip adapters whose results exist (resume), start ONE engine for the rest.
3. Per adapter, run lmms-eval's own evaluation (task YAMLs, prompts, ``process_results``,
   aggregation, results/samples files) with the ``vllm_lora`` backend bound to the shared engine.
   The first adapter's run generates for all pending adapters in one batched pass
   (``engine.SweepStore``), so vLLM batches requests of different adapters together.
4. Results land in ``<output>/<adapter>/`` atomically (temporary folder, then rename);
   ``summary.csv`` / ``summary.md`` hold one row per adapter.

The forget setting an adapter is scored on comes from its ``pebench_unlearn.json`` (target and
forget size, e.g. ``both_forget20``) unless ``PEBENCH_SETTING``/``PEBENCH_FORGET`` are set;
adapters are scored in groups of the same setting.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pebench_core.errors import UserError
from . import adapters as A
from . import engine as E

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


def results_file(folder: Path) -> Path | None:
    files = sorted(glob.glob(str(folder / "**" / "*_results.json"), recursive=True))
    return Path(files[-1]) if files else None


def _setting_of(adapter: A.Adapter | None, env=os.environ) -> tuple[str, str] | None:
    """(PEBENCH_SETTING, PEBENCH_FORGET) this adapter is scored on (None: the environment's choice).
    person_forget10 and event_forget10 are one selection (single, forget10): one group."""
    if adapter is None or env.get("PEBENCH_SETTING") or env.get("PEBENCH_FORGET"):
        return None
    m = adapter.meta
    if m.get("target") in ("person", "event", "both") and m.get("forget"):
        from ..data_resolve import _parse_setting

        try:
            return _parse_setting(f"{m['target']}_{m['forget']}", m["forget"])
        except UserError:
            return None
    return None


def _groups(adapters: list[A.Adapter], include_base: bool) -> list[tuple[str | None, list]]:
    """[(setting, [adapter or None for the base row])] in first-seen order."""
    groups: dict = {}
    for a in adapters:
        groups.setdefault(_setting_of(a), []).append(a)
    if include_base:
        if not groups:
            groups[None] = []
        settings = list(groups)
        for s in settings:
            groups[s].insert(0, None)
    return list(groups.items())


def _row_name(adapter: A.Adapter | None, setting: str | None, n_groups: int) -> str:
    if adapter is not None:
        return adapter.name
    return A.BASE_NAME if n_groups == 1 or setting is None else f"{A.BASE_NAME}-{'_'.join(setting)}"


@contextlib.contextmanager
def _env(setting: tuple[str, str] | None):
    keys = ("PEBENCH_SETTING", "PEBENCH_FORGET")
    old = {k: os.environ.get(k) for k in keys}
    if setting is not None:
        os.environ.update(dict(zip(keys, setting)))
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_sweep(args, model_args: dict, adapters: list[A.Adapter], include_base: bool, evaluate_one) -> SweepReport:
    """``evaluate_one(argv, output_dir, task_manager) -> (results, problems)`` runs one lmms-eval
    evaluation (pebench_tasks.eval_cli); ``model_args`` are the user's ``--model-args``."""
    t_all = time.perf_counter()
    model = model_args.pop("model", None) or model_args.pop("pretrained", None)
    if not model:
        raise UserError("--model-args needs model=BASE_MODEL_DIR (the model the adapters were trained on)")
    if "lora" in model_args:
        raise UserError("--model-args lora=... and --adapters both given; list every adapter in --adapters")
    output = Path(args.output)
    rank = A.check(adapters, model, model_args.pop("max_lora_rank", None))
    report = SweepReport()
    groups = _groups(adapters, include_base)

    todo = []                                         # (setting, [(row name, adapter)])
    for setting, members in groups:
        pending = []
        for a in members:
            name = _row_name(a, setting, len(groups))
            if results_file(output / name) is not None:
                report.skipped.append(name)
            else:
                pending.append((name, a))
        if pending:
            todo.append((setting, pending))
    if report.skipped:
        print(f"resume: {len(report.skipped)} adapter(s) already have results: {', '.join(report.skipped)}", file=sys.stderr)

    if todo:
        from lmms_eval.tasks import TaskManager

        from ..tasks import TASKS_DIR

        max_loras = int(model_args.pop("max_loras", 0) or max(len(p) for _, p in todo))
        chunk_size = int(model_args.get("chunk_size", 4096))
        t0 = time.perf_counter()
        served = [a for _, p in todo for _, a in p if a is not None]
        engine = E.LoRAEngine(model, served, max_lora_rank=rank, max_loras=max_loras, seed=_seed(args),
                              **_llm_kwargs(model_args))
        report.engine_seconds = time.perf_counter() - t0
        tm = TaskManager(args.verbosity, include_path=str(TASKS_DIR), model_name="vllm_lora")
        work = output / WORK
        for setting, pending in todo:
            sid = uuid.uuid4().hex[:12]
            store = E.SweepStore(engine, [a.name if a else None for _, a in pending],
                                 {(a.name if a else None): work / name for name, a in pending},
                                 chunk_size=chunk_size, chat_template=model_args.get("chat_template"))
            E.register_store(sid, store)
            try:
                with _env(setting):
                    for name, a in pending:
                        extra = {"model": model, "shared_engine": sid, "adapter_name": a.name if a else A.BASE_NAME,
                                 **({"lora": str(a.path)} if a else {}), **_lm_args(model_args)}
                        problems = _evaluate_atomic(evaluate_one, extra, output / name, tm)
                        report.problems += [f"{name}: {p}" for p in problems]
                        store.done(a.name if a else None)
                        shutil.rmtree(work / name, ignore_errors=True)
            finally:
                E.unregister_store(sid)
                report.generation_seconds += store.seconds
                report.generated += store.generated
        with contextlib.suppress(OSError):
            work.rmdir()

    report.rows = collect_rows(output, groups)
    from .summary import write_summary

    write_summary(output, report.rows)
    report.total_seconds = time.perf_counter() - t_all
    return report


def _evaluate_atomic(evaluate_one, model_args: dict, out: Path, tm) -> list[str]:
    """One adapter's evaluation into a temporary sibling folder, renamed to ``out`` on success."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        problems = evaluate_one(",".join(f"{k}={v}" for k, v in model_args.items()), tmp, tm)
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


# model args: which go to the lmms-eval backend, which to vllm.LLM
_LM_KEYS = ("max_new_tokens", "chunk_size", "chat_template")


def _lm_args(model_args: dict) -> dict:
    return {k: v for k, v in model_args.items() if k in _LM_KEYS}


def _llm_kwargs(model_args: dict) -> dict:
    from .vllm_lora import _parse_json_args

    return _parse_json_args({k: v for k, v in model_args.items() if k not in _LM_KEYS and k != "seed"})


def _seed(args) -> int:
    try:
        return int(str(args.seed).split(",")[0])
    except ValueError:
        return 0


def collect_rows(output: Path, groups) -> list[dict]:
    from .summary import summary_row

    rows = []
    for setting, members in groups:
        for a in members:
            name = _row_name(a, setting, len(groups))
            f = results_file(output / name)
            if f is not None:
                rows.append(summary_row(name, a, f))
    return rows
