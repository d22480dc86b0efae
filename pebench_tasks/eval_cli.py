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

from .errors import UserError

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
    p.add_argument("--model", required=True, help="lmms-eval model backend, e.g. vllm, qwen2_vl, llava_hf")
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


def _run(args) -> int:
    for attr, env in _ENV_FLAGS:
        value = getattr(args, attr)
        if value:
            os.environ[env] = str(Path(value).expanduser().resolve()) if attr == "data" else value
    _preflight()
    output = Path(args.output).expanduser().resolve()
    args.output = output
    argv = lmms_eval_argv(args)

    saved_argv = sys.argv
    sys.argv = ["lmms-eval", *argv]
    try:
        from loguru import logger as eval_logger
        from lmms_eval.__main__ import cli_evaluate_single, parse_eval_args

        _, ns = parse_eval_args()
    finally:
        sys.argv = saved_argv
    eval_logger.remove()
    eval_logger.add(sys.stderr, level=ns.verbosity)
    os.environ["VERBOSITY"] = ns.verbosity

    started = time.time()
    try:
        results, _samples = cli_evaluate_single(ns)
    except UserError:
        raise
    except Exception as e:
        traceback.print_exc()
        print(f"error: evaluation failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if results is None:
        print("error: evaluation returned no results", file=sys.stderr)
        return 1
    path = _results_file(output, started)
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
        print(f"results: {path}")
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1
    return 0


def _write_sidecar(results_path: Path, argv: list[str], problems: list[str]) -> None:
    """``<stem>_pebench.json`` beside lmms-eval's results: which data, setting and judge were used."""
    from . import data_resolve
    from .atomic import atomic_write_json
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
