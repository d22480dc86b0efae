"""``pebench data redraw``: the same data set with the forget sets drawn by another seed.

The study's ``unlearn.redraw_forget`` gives every unlearning seed its own draw of forget targets (and
its own Goal models), so that the intervals also cover which persons and events were chosen
(issue 23; the paper does not say how its forget sets were drawn). Only the forget ids change
(``splits.choose_forget_ids(..., forget_seed)``); everything else the data seed decides (evaluation
paraphrases, the retain-eval sample, POPE) keeps the source folder's seed, so a redraw with the data's
own seed gives the source folder's splits again. The tables are hard-linked when the file system
allows (copied otherwise); the splits and meta.json are written anew; the folder appears complete or
not at all.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pebench_core.atomic import atomic_dir
from . import splits as S
from .dataset import TABLES, open_dataset
from .writer import quiet_datasets, write_meta, write_splits


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:           # another file system, or links not allowed
        shutil.copy2(src, dst)


def redraw_forget(src, out, forget_seed: int, overwrite: bool = False) -> Path:
    """Write ``out``: the data folder ``src`` with its forget ids drawn by ``forget_seed``."""
    data = open_dataset(src)
    meta = data.meta
    qa = pq.read_table(data.root / "qa.parquet")
    person_ids = pq.read_table(data.root / "people.parquet", columns=["person_id"]).column(0).to_pylist()
    event_ids = pq.read_table(data.root / "events.parquet", columns=["event_id"]).column(0).to_pylist()
    forget_ids = S.choose_forget_ids(person_ids, event_ids, forget_seed, data.holdout_ids())
    cols = ["image_id", "person_id", "event_id", "heldout", "concept", "template", "target"]
    split_rows = S.compute_splits(qa.select(cols).to_pydict(), forget_ids, meta["seed"],
                                  meta["retain_eval_max"], meta["pope_eval_max"], data.holdout_ids())
    with atomic_dir(out, overwrite=overwrite) as tmp, quiet_datasets():
        for t in TABLES:
            _link_or_copy(data.root / f"{t}.parquet", tmp / f"{t}.parquet")
        counts = write_splits(tmp, qa, split_rows)
        write_meta(tmp, {**meta, "forget_ids": forget_ids, "forget_seed": forget_seed,
                         "counts": {**meta["counts"], "splits": counts}})
    return Path(out)
