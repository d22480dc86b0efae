"""``pebench data build|import|redraw|show`` (heavy imports happen inside the handlers)."""
from __future__ import annotations

import argparse


def _build(args) -> int:
    from .build import build_dataset

    out = build_dataset(args.out, scale=args.scale, seed=args.seed, image_size=args.image_size,
                        overwrite=args.overwrite, workers=args.workers, progress=not args.quiet)
    print(f"wrote {out}")
    return 0


def _import(args) -> int:
    from .importer import import_release

    out = import_release(args.images, args.csv, args.mapping, args.out, seed=args.seed, overwrite=args.overwrite)
    print(f"wrote {out}")
    return 0


def _redraw(args) -> int:
    from .redraw import redraw_forget

    out = redraw_forget(args.dir, args.out, args.forget_seed, overwrite=args.overwrite)
    print(f"wrote {out}")
    return 0


def _show(args) -> int:
    from .show import show

    show(args.dir, sheet=args.sheet)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("data", help="build, import or inspect PEBench data folders",
                              description="Build or inspect a PEBench data folder (layout: docs/schema.md).")
    sub = p.add_subparsers(dest="data_command", required=True)

    b = sub.add_parser("build", help="draw the synthetic PEBench data set",
                       description="Draw the synthetic data set (people x events x views) and write all tables "
                                   "and splits to --out.")
    b.add_argument("--scale", choices=["mini", "full"], default="mini",
                   help="mini: 20 people x 8 events x 5 views; full: 200 x 40 x 3 (default: mini)")
    b.add_argument("--seed", type=int, default=0, help="seed of people, views, forget sets and samples (default: 0)")
    b.add_argument("--out", required=True, help="output folder (must not exist unless --overwrite)")
    b.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    b.add_argument("--image-size", type=int, default=None, metavar="PX",
                   help="image side in pixels, a multiple of 28 and >= 56 (default: 112)")
    b.add_argument("--workers", type=int, default=2, help="drawing processes (default: 2)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=_build)

    i = sub.add_parser("import", help="convert the released PEBench (images + PEBench.csv) into a data folder",
                       description="Convert the released PEBench image folder and CSV into a data folder "
                                   "(docs/schema.md); a YAML mapping names the CSV columns.")
    i.add_argument("--images", required=True, help="the release's image folder")
    i.add_argument("--csv", required=True, help="the release's PEBench.csv")
    i.add_argument("--mapping", required=True, help="YAML naming which CSV column holds which field "
                                                    "(task_configs/data/import_mapping.example.yaml)")
    i.add_argument("--out", required=True, help="output folder (must not exist unless --overwrite)")
    i.add_argument("--seed", type=int, default=0, help="seed of held-out choice, forget sets and samples (default: 0)")
    i.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    i.set_defaults(func=_import)

    r = sub.add_parser("redraw", help="the same data folder with the forget sets drawn by another seed",
                       description="Copy a data folder (tables hard-linked where possible) with its forget ids drawn "
                                   "by --forget-seed and every split recomputed; the rest keeps the folder's seed.")
    r.add_argument("dir", help="data folder")
    r.add_argument("--forget-seed", type=int, required=True, help="seed of the forget-set draw")
    r.add_argument("--out", required=True, help="output folder (must not exist unless --overwrite)")
    r.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    r.set_defaults(func=_redraw)

    s = sub.add_parser("show", help="print split counts and write a contact sheet",
                       description="Print row counts per setting x split and write a contact-sheet PNG.")
    s.add_argument("dir", help="data folder")
    s.add_argument("--sheet", default=None, metavar="PATH", help="PNG path (default: DIR/contact_sheet.png)")
    s.set_defaults(func=_show)


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(prog="pebench")
    register(parser.add_subparsers(dest="command", required=True))
    a = parser.parse_args()
    raise SystemExit(a.func(a))
