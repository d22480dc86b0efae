"""`pebench model tiny`: build a random-initialised tiny VLM whose tokenizer is trained on a data folder."""
from __future__ import annotations

import argparse
import time

from .archs import ARCHS  # light: no torch or transformers for --help


def register(subparsers) -> None:
    model = subparsers.add_parser("model", help="build and inspect models")
    sub = model.add_subparsers(dest="model_command", required=True)
    p = sub.add_parser(
        "tiny",
        help="random-initialised tiny Qwen2-VL or LLaVA (transformers + peft + vLLM CPU), tokenizer trained on a data folder",
        description=(
            "Write ONE folder with a random-initialised tiny model (fp32), a byte-level BPE tokenizer trained on the data "
            "folder's text (each name part one token), the processor and model_card.json. Loads in transformers, "
            "peft and vLLM (CPU). Same seed + data -> identical files."
        ),
    )
    p.add_argument("--arch", required=True, choices=list(ARCHS))
    p.add_argument("--data", required=True, metavar="DIR", help="PEBench data folder (docs/schema.md)")
    p.add_argument("--out", required=True, metavar="DIR", help="output model folder")
    p.add_argument("--config", metavar="YAML", help="sizes (default: task_configs/model/tiny_<arch>.yaml)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set text.num_layers=2 (repeatable)")
    p.set_defaults(func=_tiny)


def _tiny(args: argparse.Namespace) -> int:
    from .tiny import build_tiny_model

    t0 = time.time()
    out = build_tiny_model(
        args.arch, args.data, args.out, seed=args.seed, overrides=args.overrides,
        overwrite=args.overwrite, config=args.config,
    )
    import json

    card = json.loads((out / "model_card.json").read_text())
    print(
        f"wrote {out}: {args.arch}, {card['params']['total'] / 1e6:.2f}M params, vocab {card['tokenizer']['vocab_size']}, "
        f"{card['image_tokens_per_image']} image tokens per image ({time.time() - t0:.1f} s)"
    )
    return 0
