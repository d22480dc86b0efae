"""`pebench forget-quality`: forget quality (KS vs the Goal model) and MIA AUC of the Finetune model,
adapters and Goal models, from vLLM prompt log-probs (``pebench_tasks.scoring.answer_logprobs``).
This module only turns flags into objects."""
from __future__ import annotations

import sys
from pathlib import Path

from pebench_core.errors import UserError
from .eval_cli import _int_arg, _typed, output_lock, parse_model_args
from pebench_tasks.scoring import adapters as A


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "forget-quality",
        help="forget quality (TOFU's KS test vs the Goal model) and membership-inference AUC per model",
        description=("Answer log-probabilities of the base (Finetune) model and every adapter on ONE vLLM engine, and of "
                     "each Goal model in its own, on the forget and held-out rows of their settings; writes "
                     "OUTPUT/answer_logprobs.csv and OUTPUT/forget_quality.csv (docs/scoring.md)."))
    p.add_argument("--model-args", required=True, help="model=FINETUNED_DIR[,vLLM options such as dtype=float32]")
    p.add_argument("--adapters", metavar="DIRS", help="adapter and sweep folders (as pebench eval --adapters)")
    p.add_argument("--full-models", metavar="DIRS", help="Goal model folders (the reference of the KS test)")
    p.add_argument("--data", required=True, metavar="DIR", help="PEBench data folder")
    p.add_argument("--output", required=True, metavar="DIR", help="output folder (replaced atomically)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from pebench_data.dataset import open_dataset
    from pebench_tasks.scoring.answer_logprobs import QUALITY_CSV, Spec, run

    margs = parse_model_args(args.model_args)
    model = margs.pop("model", None) or margs.pop("pretrained", None)
    if not model:
        raise UserError("--model-args needs model=BASE_MODEL_DIR (the model the adapters were trained on)")
    data = open_dataset(args.data)                      # one-line error for a bad data folder
    found = A.discover(args.adapters) if args.adapters else []
    models = A.full_models(args.full_models) if args.full_models else []
    A.check_names(found, models)
    A.check(found, model, _int_arg(dict(margs), "max_lora_rank"))      # before anything is written
    for s in {a.meta.setting for a in found if a.meta} | {m.setting for m in models if m.setting}:
        if s not in data.meta.get("forget_ids", {}):
            raise UserError(f"{data.root}: no setting {s} in this data folder (needed by an adapter or Goal model)")
    output = Path(args.output).expanduser().resolve()
    spec = Spec(model=model, adapters=found, full_models=models, data=data.root, output=output, seed=args.seed,
                chat_template=margs.pop("chat_template", None), max_lora_rank=_int_arg(margs, "max_lora_rank"),
                llm_kwargs={k: _typed(v) for k, v in margs.items() if k not in ("seed", "max_new_tokens", "chunk_size")})
    with output_lock(output):
        table = run(spec)
    print(f"{'model':<28} {'setting':<16} {'forget quality (KS p)':>22} {'MIA AUC':>8}")
    for r in table:
        fq = "n/a" if r["forget_quality"] is None else f"{r['forget_quality']:.3g}"
        auc = "n/a" if r["mia_auc"] is None else f"{r['mia_auc']:.3f}"
        print(f"{r['model']:<28} {r['setting']:<16} {fq:>22} {auc:>8}")
    print(f"wrote {output / QUALITY_CSV}", file=sys.stderr)
    return 0
