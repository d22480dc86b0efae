"""``pebench data build``: the synthetic PEBench data set (people x events x views), drawn here.

Scales (profiles.SCALES): ``mini`` = 20 people x 8 events x 5 views (3 training views, 2 held out),
``full`` = 200 people x 40 events x 3 views (2 training, 1 held out); 112 px by default for both
(the size a tiny model learns on CPU; pass --image-size for larger images). Each scale adds holdout
people (and events, mini): drawn like the others (their ``train_views`` views only), in no training
split of any model, the non-members of the MIA (meta.json ``holdout_ids``; docs/schema.md). Views ``>= train_views``
are the held-out views. Images are drawn in 2 worker processes by default; results come back in
table order and every image's randomness comes from (seed, person, event, view), so the output is
byte-identical for a given seed whatever the number of workers.
"""
from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

from pebench_core.errors import UserError
from pebench_core.seeding import seed_everything
from .drawing import render_png, view_rng
from .profiles import SCALES, make_events, make_people
from .qa import make_qa
from .writer import write_pebench

MIN_IMAGE_SIZE = 56
PATCH_MULTIPLE = 28  # Qwen2-VL: patch 14 x merge 2


def check_image_size(px: int) -> None:
    if px < MIN_IMAGE_SIZE or px % PATCH_MULTIPLE:
        raise UserError(f"--image-size {px}: must be a multiple of {PATCH_MULTIPLE} and at least {MIN_IMAGE_SIZE} "
                        f"(e.g. 112, 224 or 448)")


def _draw(job):
    look, event_name, size, seed, pi, ei, view = job
    return render_png(look, event_name, size, view_rng(seed, pi, ei, view))


def build_tables(scale: str, seed: int, image_size: int, workers: int = 2, progress: bool = True):
    """Return (people, events, images, qa, meta) in memory (images carry PNG bytes)."""
    cfg = SCALES[scale]
    n_hold = cfg["holdout_people"]
    people = make_people(cfg["n_people"] + n_hold, seed)
    events = make_events((cfg["events"] or [e["name"] for e in make_events()]) + list(cfg["holdout_events"]))
    holdout_ids = {"person": [p["person_id"] for p in people[len(people) - n_hold:]],
                   "event": [e["event_id"] for e in events[len(events) - len(cfg["holdout_events"]):]]}
    views, train_views = cfg["views"], cfg["train_views"]
    images, jobs = [], []
    for pi, p in enumerate(people):
        look = json.loads(p["appearance"])
        for ei, e in enumerate(events):
            hold = p["person_id"] in holdout_ids["person"] or e["event_id"] in holdout_ids["event"]
            for v in range(train_views if hold else views):   # holdout images: no held-out views needed
                images.append({"image_id": f"{p['person_id']}_{e['event_id']}_v{v}", "person_id": p["person_id"],
                               "event_id": e["event_id"], "view": v, "heldout": v >= train_views})
                jobs.append((look, e["name"], image_size, seed, pi, ei, v))
    pngs = _draw_all(jobs, workers, progress)
    for row, png in zip(images, pngs):
        row["image"] = png
    qa = make_qa(people, events, images, seed)
    meta = {"source": "synthetic", "scale": scale, "image_size": image_size, "views": views,
            "train_views": train_views, "holdout_ids": holdout_ids}
    return people, events, images, qa, meta


def _draw_all(jobs, workers, progress):
    from tqdm import tqdm

    def bar():
        return tqdm(total=len(jobs), desc="drawing", unit="img", disable=not progress, dynamic_ncols=True)

    if workers <= 1:
        with bar() as b:
            return [(_draw(j), b.update())[0] for j in jobs]
    # fork is cheapest where available; imap returns results in job order, so the output is deterministic
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    out = []
    with ctx.Pool(workers) as pool, bar() as b:  # pool first: fork before tqdm starts its thread
        for png in pool.imap(_draw, jobs, chunksize=64):
            out.append(png)
            b.update()
    return out


def build_dataset(out: str | Path, scale: str = "mini", seed: int = 0, image_size: int | None = None,
                  overwrite: bool = False, workers: int = 2, progress: bool = True) -> Path:
    """Build and write the folder ``out``; returns its path."""
    if scale not in SCALES:
        raise UserError(f"--scale {scale}: unknown scale; choose one of {', '.join(SCALES)}")
    image_size = SCALES[scale]["image_size"] if image_size is None else image_size
    check_image_size(image_size)
    if Path(out).exists() and not overwrite:  # fail before minutes of drawing (atomic_dir checks again)
        raise UserError(f"{out}: output folder exists; pass --overwrite to replace it or choose another --out")
    seed_everything(seed)
    people, events, images, qa, meta = build_tables(scale, seed, image_size, workers, progress)
    return write_pebench(out, people=people, events=events, images=images, qa=qa, meta=meta, seed=seed,
                         overwrite=overwrite)
