"""`pebench eval`: run PEBench task groups for one model through lmms-eval's own CLI entry
function (``lmms_eval.__main__.cli_evaluate_single``), and exit non-zero when anything failed.

The plain ``lmms-eval`` CLI logs exceptions and exits 0; here an exception, a missing results
file, a task without results, a metric missing from the results or a failed judge request makes the
command fail (exit 1; bad input: one line on stderr, exit 2).
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path

from pebench_core.errors import UserError

DEFAULT_TASKS = "pebench"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval",
        help="evaluate one model on PEBench tasks with lmms-eval (non-zero exit on any failure)",
        description=(
            "Run lmms-eval on PEBench task groups for one model (any lmms-eval backend: vllm, qwen2_vl, llava_hf, ...). "
            "Writes lmms-eval's results JSON and per-sample logs under --output. Data and setting: --data/--setting/--forget "
            "or PEBENCH_DATA/PEBENCH_SETTING/PEBENCH_FORGET (unset: the embedded mini set). Judge: --judge-base-url or "
            "PEBENCH_JUDGE_BASE_URL (unset: G-Eval metrics are NaN, the offline event score is reported)."
        ),
    )
    p.add_argument("--model", default=None,
                   help="lmms-eval model backend, e.g. vllm_lora, vllm, qwen2_vl, llava_hf (default with --adapters: vllm_lora)")
    p.add_argument("--model-args", default="", help="lmms-eval --model_args, e.g. model=DIR,max_new_tokens=64")
    p.add_argument("--tasks", default=DEFAULT_TASKS, help=f"comma-separated tasks/groups (default: {DEFAULT_TASKS})")
    p.add_argument("--output", required=True, metavar="DIR", help="lmms-eval --output_path")
    p.add_argument("--data", metavar="DIR", help="PEBench data folder (sets PEBENCH_DATA)")
    p.add_argument("--setting", help="single | both | a setting name such as both_forget20 (sets PEBENCH_SETTING)")
    p.add_argument("--forget", help="forget05 | forget10 | forget20 (sets PEBENCH_FORGET)")
    p.add_argument("--judge-base-url", help="OpenAI-compatible judge endpoint (sets PEBENCH_JUDGE_BASE_URL)")
    p.add_argument("--judge-model", help="judge model name (sets PEBENCH_JUDGE_MODEL; default: the endpoint's first model)")
    p.add_argument("--judge-api-key", help="judge API key (sets PEBENCH_JUDGE_API_KEY; default EMPTY)")
    p.add_argument("--batch-size", default="1", help="lmms-eval --batch_size (default 1)")
    p.add_argument("--limit", type=float, help="lmms-eval --limit (testing only)")
    p.add_argument("--seed", default="0,1234,1234,1234", help="lmms-eval --seed (default 0,1234,1234,1234)")
    p.add_argument("--no-log-samples", action="store_true", help="do not write per-sample logs (they are needed for bootstrapping)")
    p.add_argument("--verbosity", default="WARNING", help="lmms-eval log level (default WARNING)")
    p.add_argument("--lmms-eval-args", default="", metavar="ARGS", help="extra lmms-eval CLI arguments, one string")
    p.add_argument("--adapters", metavar="DIRS",
                   help="LoRA adapters to score on ONE vLLM engine (--model vllm_lora): comma-separated adapter folders "
                        "and/or sweep folders (every sub-folder with adapter_config.json); results per adapter in "
                        "OUTPUT/<adapter>/, table in OUTPUT/summary.{csv,md}; adapters with results are skipped (resume)")
    p.add_argument("--include-base", action="store_true", help="with --adapters: also score the base model (row 'base')")
    p.set_defaults(func=_run)


_ENV_FLAGS = [
    ("data", "PEBENCH_DATA"), ("setting", "PEBENCH_SETTING"), ("forget", "PEBENCH_FORGET"),
    ("judge_base_url", "PEBENCH_JUDGE_BASE_URL"), ("judge_model", "PEBENCH_JUDGE_MODEL"), ("judge_api_key", "PEBENCH_JUDGE_API_KEY"),
]


def _preflight() -> None:
    """Check the data selection before a model is loaded (one-line errors, exit 2)."""
    from . import data_resolve

    data_resolve.resolve()
    data = data_resolve.open_data()
    sel = data_resolve.resolve()
    for fam in data_resolve.FAMILIES:
        setting = sel.setting_for(fam)
        if setting not in data.meta.get("forget_ids", {}):
            raise UserError(f"{data.root}: no setting {setting} in this data folder")


def lmms_eval_argv(args) -> list[str]:
    import shlex

    from .tasks import TASKS_DIR

    argv = ["--model", args.model, "--tasks", args.tasks, "--output_path", str(args.output),
            "--batch_size", str(args.batch_size), "--verbosity", args.verbosity, "--seed", args.seed,
            "--include_path", str(TASKS_DIR)]
    if args.model_args:
        argv += ["--model_args", args.model_args]
    if args.limit is not None:
        argv += ["--limit", str(int(args.limit) if float(args.limit).is_integer() else args.limit)]
    if not args.no_log_samples:
        argv.append("--log_samples")
    return argv + shlex.split(args.lmms_eval_args)


def _results_file(output: Path, since: float) -> Path | None:
    files = [Path(f) for f in glob.glob(str(output / "**" / "*_results.json"), recursive=True)]
    files = [f for f in files if f.stat().st_mtime >= since - 1]
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


def _parse_ns(argv: list[str]):
    """lmms-eval's own argument parser (defaults included) for ``argv``."""
    saved_argv = sys.argv
    sys.argv = ["lmms-eval", *argv]
    try:
        from lmms_eval.__main__ import parse_eval_args

        _, ns = parse_eval_args()
    finally:
        sys.argv = saved_argv
    return ns


def _configure_logging(level: str) -> None:
    from loguru import logger as eval_logger

    eval_logger.remove()
    eval_logger.add(sys.stderr, level=level)
    os.environ["VERBOSITY"] = level


def _evaluate(ns, task_manager=None):
    """One lmms-eval evaluation; with ``task_manager`` the CLI's steps are replayed on a shared
    TaskManager (``cli_evaluate_single`` builds a new one, ~3 s, per call)."""
    from lmms_eval.__main__ import cli_evaluate_single

    if task_manager is None:
        return cli_evaluate_single(ns)
    from lmms_eval import evaluator
    from lmms_eval.loggers import EvaluationTracker
    from lmms_eval.utils import get_datetime_str, simple_parse_args_string

    tracker = EvaluationTracker(**simple_parse_args_string(f"output_path={ns.output_path}"))
    datetime_str = get_datetime_str(timezone=ns.timezone)
    results = evaluator.simple_evaluate(
        model=ns.model, model_args=ns.model_args, tasks=task_manager.match_tasks(ns.tasks.split(",")),
        batch_size=ns.batch_size, limit=ns.limit, offset=ns.offset, log_samples=ns.log_samples,
        evaluation_tracker=tracker, gen_kwargs=ns.gen_kwargs, task_manager=task_manager, verbosity=ns.verbosity,
        random_seed=ns.seed[0], numpy_random_seed=ns.seed[1], torch_random_seed=ns.seed[2],
        fewshot_random_seed=ns.seed[3], cli_args=ns, datetime_str=datetime_str,
    )
    if results is None:
        return None, None
    samples = results.pop("samples") if ns.log_samples else None
    tracker.save_results_aggregated(results=results, samples=samples, datetime_str=datetime_str)
    if ns.log_samples:
        for task_name in results["configs"]:
            tracker.save_results_samples(task_name=task_name, samples=samples[task_name])
    return results, samples


def evaluate_and_check(argv: list[str], output: Path, task_manager=None, quiet: bool = False) -> list[str]:
    """Run one evaluation and return its problems (empty: success); writes the sidecar file."""
    ns = _parse_ns(argv)
    _configure_logging(ns.verbosity)
    started = time.time()
    try:
        results, _samples = _evaluate(ns, task_manager)
    except UserError:
        raise
    except Exception as e:
        traceback.print_exc()
        return [f"evaluation failed: {type(e).__name__}: {e}"]
    if results is None:
        return ["evaluation returned no results"]
    path = _results_file(output, started)
    if not quiet:
        try:
            from lmms_eval.utils import make_table

            print(make_table(results))
            if "groups" in results:
                print(make_table(results, "groups"))
        except Exception:  # the table is a convenience
            pass
    problems = check_results(results, path)
    if path is not None:
        _write_sidecar(path, argv, problems)
        if not quiet:
            print(f"results: {path}")
    return problems


def _apply_env(args) -> None:
    for attr, env in _ENV_FLAGS:
        value = getattr(args, attr)
        if value:
            os.environ[env] = str(Path(value).expanduser().resolve()) if attr == "data" else value


def _run(args) -> int:
    if args.model is None:
        if not (args.adapters or args.include_base):
            raise UserError("--model is required (an lmms-eval backend such as vllm_lora, vllm, qwen2_vl)")
        args.model = "vllm_lora"
    _apply_env(args)
    _preflight()
    output = Path(args.output).expanduser().resolve()
    args.output = output
    if args.adapters or args.include_base:
        return _run_sweep(args)
    problems = evaluate_and_check(lmms_eval_argv(args), output)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if problems else 0


def _run_sweep(args) -> int:
    from lmms_eval.utils import simple_parse_args_string

    from .scoring import adapters as A
    from .scoring.sweep import run_sweep

    if args.model != "vllm_lora":
        raise UserError(f"--adapters needs --model vllm_lora (got --model {args.model}): one vLLM engine serves every adapter")
    found = A.discover(args.adapters) if args.adapters else []
    model_args = simple_parse_args_string(args.model_args or "")

    def evaluate_one(margs: str, out: Path, tm) -> list[str]:
        sub = argparse.Namespace(**{**vars(args), "model_args": margs, "output": out})
        return evaluate_and_check(lmms_eval_argv(sub), out, task_manager=tm, quiet=True)

    rep = run_sweep(args, model_args, found, args.include_base, evaluate_one)
    summary = Path(args.output) / "summary.md"
    print(summary.read_text(encoding="utf-8"), end="")
    n = len(rep.rows) - len(rep.skipped)
    rate = f", {rep.generated / rep.generation_seconds:.1f} prompts/s" if rep.generation_seconds > 0 else ""
    print(f"scored {n} model(s) ({len(rep.skipped)} resumed) in {rep.total_seconds:.1f} s: engine start "
          f"{rep.engine_seconds:.1f} s, generation {rep.generation_seconds:.1f} s for {rep.generated} prompts{rate}; "
          f"table: {summary}", file=sys.stderr)
    for p in rep.problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if rep.problems else 0


def _write_sidecar(results_path: Path, argv: list[str], problems: list[str]) -> None:
    """``<stem>_pebench.json`` beside lmms-eval's results: which data, setting and judge were used."""
    from . import data_resolve
    from pebench_core.atomic import atomic_write_json
    from .metrics.judge import JudgeConfig

    sel = data_resolve.resolve()
    data = data_resolve.open_data()
    judge = JudgeConfig.from_env()
    side = {
        "data_dir": str(data.root), "data_meta": {k: data.meta.get(k) for k in ("schema_version", "source", "scale", "seed")},
        "mode": sel.mode, "forget": sel.forget, "settings": {f: sel.setting_for(f) for f in data_resolve.FAMILIES},
        "judge": None if judge is None else {"base_url": judge.base_url, "model": judge.model},
        "lmms_eval_argv": argv, "problems": problems, "exit_code": 1 if problems else 0,
    }
    atomic_write_json(results_path.with_name(results_path.name.replace("_results.json", "_pebench.json")), side)


def load_results(path) -> dict:
    """Read an lmms-eval results JSON (NaN allowed)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
