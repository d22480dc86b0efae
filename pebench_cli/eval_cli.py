"""`pebench eval`: PEBench task groups for one model, or for many LoRA adapters on one vLLM engine,
through lmms-eval's Python API (``pebench_tasks.evaluation``); exits non-zero when anything failed
(exit 1; bad input: one line on stderr, exit 2). This module only turns flags into objects.
"""
from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from pathlib import Path

from pebench_core.errors import UserError
from pebench_data import resolve as data_resolve
from pebench_tasks.evaluation import EvalOptions, evaluate, parse_seeds
from pebench_tasks.scoring import adapters as A
from pebench_tasks.scoring.sweep import SweepSpec, run_sweep

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
    p.add_argument("--every-task", action="store_true",
                   help="with --adapters/--full-models: score every row on every task of --tasks (default: a person "
                        "or event adapter or Goal model only on the tasks whose columns its row shows, those of its "
                        "target and POPE; the base row and target both on all)")
    p.add_argument("--full-models", metavar="DIRS",
                   help="complete models to score beside the adapters, each in its own engine (comma-separated folders), "
                        "e.g. the Goal models of `unlearn finetune --split goal_train`: each on its own setting; row = folder name")
    p.add_argument("--served-url", metavar="URL",
                   help="with --adapters: score through a running `vllm serve BASE --enable-lora --lora-modules NAME=DIR ...` "
                        "(OpenAI-compatible, e.g. http://127.0.0.1:8000/v1), each adapter by its folder name, instead of "
                        "an engine in this process (--full-models still get their own engine)")
    p.set_defaults(func=_run)


_ENV_FLAGS = [
    ("data", "PEBENCH_DATA"), ("setting", "PEBENCH_SETTING"), ("forget", "PEBENCH_FORGET"),
    ("judge_base_url", "PEBENCH_JUDGE_BASE_URL"), ("judge_model", "PEBENCH_JUDGE_MODEL"), ("judge_api_key", "PEBENCH_JUDGE_API_KEY"),
]


def _preflight() -> None:
    """Check the data selection before a model is loaded (one-line errors, exit 2)."""
    data_resolve.check_selection()


def eval_options(args):
    extra = {}
    if args.lmms_eval_args:
        extra = _lmms_eval_extra(args.lmms_eval_args)
    try:
        batch = int(args.batch_size)
    except ValueError:
        batch = args.batch_size            # lmms-eval also takes "auto"
    return EvalOptions(tasks=args.tasks, batch_size=batch, limit=args.limit, seeds=parse_seeds(args.seed),
                       log_samples=not args.no_log_samples, verbosity=args.verbosity,
                       gen_kwargs=extra.pop("gen_kwargs", ""), extra=extra)


# lmms-eval CLI flags that --lmms-eval-args may carry, and the simple_evaluate keyword each sets
_LMMS_FLAGS = {"--gen_kwargs": "gen_kwargs", "--offset": "offset", "--fewshot_as_multiturn": "fewshot_as_multiturn",
               "--apply_chat_template": "apply_chat_template", "--predict_only": "predict_only"}


def _lmms_eval_extra(text: str) -> dict:
    out, items = {}, shlex.split(text)
    i = 0
    while i < len(items):
        flag = items[i]
        key = _LMMS_FLAGS.get(flag.split("=")[0])
        if key is None:
            raise UserError(f"--lmms-eval-args {flag!r}: supported are {', '.join(_LMMS_FLAGS)}")
        if "=" in flag:
            value = flag.split("=", 1)[1]
        elif key in ("fewshot_as_multiturn", "apply_chat_template", "predict_only"):
            value = True
        else:
            i += 1
            if i >= len(items):
                raise UserError(f"--lmms-eval-args {flag}: needs a value")
            value = items[i]
        out[key] = int(value) if key == "offset" else value
        i += 1
    return out


def _apply_env(args) -> None:
    for attr, env in _ENV_FLAGS:
        value = getattr(args, attr)
        if value:
            os.environ[env] = str(Path(value).expanduser().resolve()) if attr == "data" else value


def _run(args) -> int:
    if args.served_url and not (args.adapters or args.include_base):
        raise UserError("--served-url scores adapters (and the base model) of a sweep; add --adapters")
    if args.model is None:
        if not (args.adapters or args.include_base or args.full_models):
            raise UserError("--model is required (an lmms-eval backend such as vllm_lora, vllm, qwen2_vl)")
        args.model = "vllm_lora"
    _apply_env(args)
    _preflight()
    output = Path(args.output).expanduser().resolve()
    opts = eval_options(args)
    if args.adapters or args.include_base or args.full_models:
        return _run_sweep(args, output, opts)
    # one model: the backend name and the user's --model-args string, exactly as `lmms-eval` takes them
    with output_lock(output):
        problems = evaluate(args.model, output, opts, model_args=args.model_args or "",
                            record={"model": args.model, "model_args": args.model_args})
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if problems else 0


@contextlib.contextmanager
def output_lock(output: Path):
    """One ``pebench eval`` per output folder at a time: a second one into the same folder stops
    with one line instead of interleaving results. An OS lock (fcntl/msvcrt via filelock) on a file
    beside the folder: a killed run's lock is released by the OS, never stale."""
    from filelock import FileLock, Timeout

    output.parent.mkdir(parents=True, exist_ok=True)
    path = output.parent / f".{output.name}.pebench-eval.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UserError(f"--output {output}: another pebench eval is writing there (lock {path}); "
                        f"wait for it to finish or choose another --output") from None
    try:
        yield
    finally:
        lock.release()
        with contextlib.suppress(OSError):
            path.unlink()


def parse_model_args(text: str) -> dict[str, str]:
    """``k=v,k=v`` into strings, with no type guessing (a path or name such as ``1e3`` stays as typed)."""
    out = {}
    for item in [t for t in (text or "").split(",") if t.strip()]:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--model-args {item!r}: expected key=value (e.g. model=DIR,max_new_tokens=64)")
        out[key.strip()] = value.strip()
    return out


def _typed(value: str):
    """vLLM engine options are numbers, bools or JSON objects when they look like one."""
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for conv in (int, float):
        try:
            return conv(value)
        except ValueError:
            pass
    if value.startswith("{") and value.endswith("}"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return value


def _int_arg(margs: dict, key: str) -> int | None:
    if key not in margs:
        return None
    try:
        return int(margs.pop(key))
    except ValueError:
        raise UserError(f"--model-args {key}: expected an integer") from None


def sweep_spec(args, output: Path, opts):
    if args.model != "vllm_lora":
        raise UserError(f"--adapters needs --model vllm_lora (got --model {args.model}): one vLLM engine serves every adapter")
    margs = parse_model_args(args.model_args)
    model = margs.pop("model", None) or margs.pop("pretrained", None)
    if not model:
        raise UserError("--model-args needs model=BASE_MODEL_DIR (the model the adapters were trained on)")
    if "lora" in margs:
        raise UserError("--model-args lora=... and --adapters both given; list every adapter in --adapters")
    found = A.discover(args.adapters) if args.adapters else []
    models = A.full_models(args.full_models) if args.full_models else []
    A.check_names(found, models)
    chat_template = margs.pop("chat_template", None)
    return SweepSpec(
        model=model, adapters=found, output=output, options=opts, include_base=args.include_base,
        max_new_tokens=_int_arg(margs, "max_new_tokens"), chunk_size=_int_arg(margs, "chunk_size") or 4096,
        chat_template=chat_template, max_lora_rank=_int_arg(margs, "max_lora_rank"), max_loras=_int_arg(margs, "max_loras"),
        seed=opts.seeds[0], llm_kwargs={k: _typed(v) for k, v in margs.items() if k != "seed"}, full_models=models,
        served_url=args.served_url, every_task=args.every_task,
    )


def _run_sweep(args, output: Path, opts) -> int:
    if args.lmms_eval_args:
        raise UserError("--lmms-eval-args is for one model; with --adapters use pebench eval's own flags")
    spec = sweep_spec(args, output, opts)          # every check first: a refused run writes nothing
    with output_lock(output):
        rep = run_sweep(spec)
    summary = output / "summary.md"
    print(summary.read_text(encoding="utf-8"), end="")
    n = len(rep.rows) - len(rep.skipped)
    rate = f", {rep.generated / rep.generation_seconds:.1f} prompts/s" if rep.generation_seconds > 0 else ""
    print(f"scored {n} model(s) ({len(rep.skipped)} resumed) in {rep.total_seconds:.1f} s: engine start "
          f"{rep.engine_seconds:.1f} s, generation {rep.generation_seconds:.1f} s for {rep.generated} prompts{rate}; "
          f"table: {summary}", file=sys.stderr)
    for p in rep.problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if rep.problems else 0
