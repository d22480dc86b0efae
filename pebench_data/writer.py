"""Write a complete PEBench data folder (docs/schema.md) atomically.

Used by ``pebench data build`` and by the importer of the released data. Input is plain Python:

- ``people``: list of dicts with the people columns of the schema (``appearance`` a JSON string;
  ``"{}"`` when unknown).
- ``events``: list of dicts with event_id, name, keywords (list of str), description, objects
  (list of str; may be empty).
- ``images``: list of dicts with image_id, person_id, event_id, view (int), heldout (bool) and
  ``image`` = PNG/JPEG bytes or a ``PIL.Image``.
- ``qa``: list of dicts with the qa columns of the schema (``qa.make_qa`` builds them).
- ``meta``: at least ``source`` ("synthetic"|"imported"), ``scale``, ``image_size``, ``views``,
  ``train_views``; optional ``holdout_ids`` ({"person": [...], "event": [...]}: entities in no
  training split, default none); anything else is kept. The writer adds schema_version, seed, n_people, n_events,
  settings, forget ids, the caps and the row counts.

Splits are computed by ``splits.compute_splits``; forget ids default to
``splits.choose_forget_ids(person ids, event ids, seed)``. Every parquet file is written with
``datasets`` (so features such as the ``Image`` column round-trip) and the whole folder appears only
when everything is written (``atomic_dir``).
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pyarrow as pa

from pebench_core.atomic import atomic_dir
from pebench_core.errors import UserError
from pebench_core.names import DATA_META_FILE
from . import splits as S

SCHEMA_VERSION = 4   # 4: scope_control matched to the scope rows' entities; 3: holdout entities, holdout and scope_control splits, POPE on clean images; 2: retain_train

PEOPLE_COLUMNS = ["person_id", "name", "first_name", "last_name", "gender", "age", "occupation_category",
                  "occupation", "city", "region", "appearance"]
EVENT_COLUMNS = ["event_id", "name", "keywords", "description", "objects"]
IMAGE_COLUMNS = ["image_id", "person_id", "event_id", "view", "heldout", "image"]
QA_COLUMNS = ["qa_id", "image_id", "person_id", "event_id", "view", "heldout", "concept", "template", "question",
              "answer", "target", "person_name", "event_name", "event_keywords"]


def features():
    """The ``datasets.Features`` of each table."""
    from datasets import Features, Image, Value

    try:
        from datasets import List
    except ImportError:  # datasets < 4
        from datasets import Sequence as List
    s, i, b = Value("string"), Value("int32"), Value("bool")
    return {
        "people": Features({c: (i if c == "age" else s) for c in PEOPLE_COLUMNS}),
        "events": Features({"event_id": s, "name": s, "keywords": List(s), "description": s, "objects": List(s)}),
        "images": Features({"image_id": s, "person_id": s, "event_id": s, "view": i, "heldout": b, "image": Image()}),
        "qa": Features({**{c: s for c in QA_COLUMNS}, "view": i, "heldout": b, "template": i, "event_keywords": List(s)}),
    }


def _columns(table: str, rows: list[dict], columns: list[str]) -> dict[str, list]:
    if not rows:
        raise UserError(f"{table}: no rows to write")
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise UserError(f"{table}: rows lack column(s) {', '.join(missing)}; see docs/schema.md")
    return {c: [r[c] for r in rows] for c in columns}


def _image_value(img) -> dict:
    if isinstance(img, (bytes, bytearray)):
        return {"bytes": bytes(img), "path": None}
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG")
    return {"bytes": buf.getvalue(), "path": None}


def _dataset(table, feats):
    """A Dataset over an arrow table. Building the table with pyarrow (not ``Dataset.from_dict``, which
    encodes every value in Python) and passing a fingerprint (no hashing of the table) keeps the
    full build's write phase in seconds."""
    from datasets import Dataset, DatasetInfo

    if isinstance(table, dict):
        table = pa.Table.from_pydict(table, schema=feats.arrow_schema)
    return Dataset(table, info=DatasetInfo(features=feats), fingerprint="pebench-writer")


def _to_parquet(ds, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_parquet(str(path))


@contextlib.contextmanager
def quiet_datasets():
    """``datasets`` prints a progress bar per parquet file; our own bar is enough."""
    import datasets

    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


def write_splits(folder: Path, qa_table, split_rows: dict) -> dict:
    """Write every split of ``split_rows`` (``splits.compute_splits``) under ``folder``/splits; returns
    the row counts ``{"common": {...}, setting: {...}}`` of meta.json."""
    feats = features()["qa"]
    counts = {"common": {}, **{s: {} for s in S.SETTINGS}}
    for (group, name), rows in split_rows.items():
        # pyarrow take: much faster than Dataset.select(...).flatten_indices()
        sub = _dataset(qa_table.take(pa.array(rows, type=pa.int64())), feats)
        _to_parquet(sub, folder / "splits" / group / f"{name}.parquet")
        counts[group][name] = len(rows)
    return counts


def write_meta(folder: Path, meta: dict) -> None:
    (folder / DATA_META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_pebench(out, *, people: list[dict], events: list[dict], images: list[dict], qa: list[dict], meta: dict,
                  seed: int, forget_ids: dict | None = None, retain_eval_max: int = S.RETAIN_EVAL_MAX,
                  pope_eval_max: int = S.POPE_EVAL_MAX, overwrite: bool = False) -> Path:
    """Write the folder ``out`` and return its path; raises UserError if ``out`` exists and not ``overwrite``."""
    feats = features()
    people_c = _columns("people", people, PEOPLE_COLUMNS)
    events_c = _columns("events", events, EVENT_COLUMNS)
    images_c = _columns("images", images, IMAGE_COLUMNS)
    images_c["image"] = [_image_value(x) for x in images_c["image"]]
    qa_c = _columns("qa", qa, QA_COLUMNS)
    holdout_ids = {c: list((meta.get("holdout_ids") or {}).get(c, [])) for c in ("person", "event")}
    if forget_ids is None:
        forget_ids = S.choose_forget_ids(people_c["person_id"], events_c["event_id"], seed, holdout_ids)
    split_rows = S.compute_splits(qa_c, forget_ids, seed, retain_eval_max, pope_eval_max, holdout_ids)

    with atomic_dir(out, overwrite=overwrite) as tmp, quiet_datasets():
        for name, cols in (("people", people_c), ("events", events_c), ("images", images_c)):
            _to_parquet(_dataset(cols, feats[name]), tmp / f"{name}.parquet")
        qa_ds = _dataset(qa_c, feats["qa"])
        _to_parquet(qa_ds, tmp / "qa.parquet")
        split_counts = write_splits(tmp, qa_ds.data.table, split_rows)
        counts = {"people": len(people), "events": len(events), "images": len(images), "qa": len(qa), "splits": split_counts}
        full_meta = {
            **meta, "holdout_ids": holdout_ids, "schema_version": SCHEMA_VERSION, "seed": seed, "n_people": len(people), "n_events": len(events),
            "settings": S.SETTINGS, "splits": S.SPLITS, "common_splits": S.COMMON_SPLITS,
            "default_setting": S.DEFAULT_SETTING, "forget_ids": forget_ids,
            "retain_eval_max": retain_eval_max, "pope_eval_max": pope_eval_max, "counts": counts,
        }
        write_meta(tmp, full_meta)
    return Path(out)
