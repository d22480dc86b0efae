"""Reader API for a PEBench data folder (docs/schema.md).

    data = open_dataset("runs/data/mini")
    data.split("person_forget10", "forget")    # QA rows + `image` column (datasets.Dataset)
    data.qa("person_forget10", "retain")       # QA rows only, no pixels
    data.qa(None, "finetune_train")            # common splits ignore the setting
    data.image("p003_e05_v2")                  # PIL.Image
    data.forget_ids("both_forget05")           # {"person": [...], "event": [...]}

Tables are read with pyarrow into in-memory ``datasets.Dataset`` objects (no HF cache copies); the
features, including the ``Image`` column, come from the parquet schema metadata.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from pebench_core.errors import UserError
from pebench_core.names import DATA_META_FILE

from .splits import COMMON_SPLITS, SETTINGS, SPLITS
from .writer import SCHEMA_VERSION

__all__ = ["COMMON_SPLITS", "SETTINGS", "SPLITS", "PEBenchData", "open_dataset"]

TABLES = ["people", "events", "images", "qa"]


def _read(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset

    try:
        return Dataset(pq.read_table(path))
    except (pa.ArrowException, OSError) as e:      # a footer that reads but pages that do not
        raise _unreadable(path, e) from None


class PEBenchData:
    def __init__(self, root: Path, meta: dict):
        self.root = root
        self.meta = meta
        self._cache: dict[tuple[str, str], object] = {}

    def __repr__(self) -> str:
        return (f"PEBenchData({str(self.root)!r}, scale={self.meta.get('scale')!r}, people={self.meta['n_people']}, "
                f"events={self.meta['n_events']})")

    @cached_property
    def people(self):
        return _read(self.root / "people.parquet")

    @cached_property
    def events(self):
        return _read(self.root / "events.parquet")

    @cached_property
    def images(self):
        return _read(self.root / "images.parquet")

    @cached_property
    def _image_index(self) -> dict[str, int]:
        return {img: i for i, img in enumerate(self.images["image_id"])}

    def image(self, image_id: str):
        """The image as a PIL.Image (RGB)."""
        try:
            row = self._image_index[image_id]
        except KeyError:
            raise UserError(f"unknown image_id {image_id!r} in {self.root}") from None
        return self.images[row]["image"]

    def _check(self, setting: str | None, split: str) -> str:
        if split in COMMON_SPLITS:
            return "common"
        if split not in SPLITS:
            raise UserError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS + COMMON_SPLITS)}")
        if setting not in SETTINGS:
            raise UserError(f"unknown setting {setting!r}; valid settings: {', '.join(SETTINGS)}")
        return setting

    def qa(self, setting: str | None, split: str):
        """QA rows of a split (no pixels). ``setting`` is ignored for common splits (may be None)."""
        group = self._check(setting, split)
        key = (group, split)
        if key not in self._cache:
            self._cache[key] = _read(self.root / "splits" / group / f"{split}.parquet")
        return self._cache[key]

    def split(self, setting: str | None, split: str):
        """QA rows of a split plus an ``image`` column (joined from images.parquet by image_id)."""
        import pyarrow as pa
        from datasets import Dataset, DatasetInfo, Features, concatenate_datasets

        rows = self.qa(setting, split)
        idx = pa.array([self._image_index[i] for i in rows["image_id"]], type=pa.int64())
        # pyarrow take instead of Dataset.select: no indices mapping to flatten later
        # in chunks: one take() of a large split (full scale goal_train) overflows arrow's 2 GiB binary array
        images = self.images.data.table.select(["image"])
        step = 4096
        table = pa.concat_tables([images.take(idx[i:i + step]) for i in range(0, max(len(idx), 1), step)])
        # explicit fingerprint: hashing the pixel table would pickle (and concatenate) all of it
        import hashlib

        fp = hashlib.sha1(f"{self.root}|{setting}|{split}|pixels".encode()).hexdigest()[:16]
        pixels = Dataset(table, info=DatasetInfo(features=Features({"image": self.images.features["image"]})),
                         fingerprint=fp)
        return concatenate_datasets([rows, pixels], axis=1)

    def forget_ids(self, setting: str) -> dict[str, list[str]]:
        self._check(setting, SPLITS[0])
        f = self.meta["forget_ids"][setting]
        return {"person": list(f["person"]), "event": list(f["event"])}

    def holdout_ids(self) -> dict[str, list[str]]:
        """The entities of no training split (TOFU's holdout set; docs/schema.md)."""
        h = self.meta.get("holdout_ids") or {}
        return {"person": list(h.get("person", [])), "event": list(h.get("event", []))}

    def texts(self) -> Iterator[str]:
        """Every distinct question, answer, name, event name/description/keyword/object once (for
        tokenizer training), in a stable order."""
        seen: set[str] = set()
        cols = [(self.people, ["name", "first_name", "last_name", "occupation", "city", "region"]),
                (self.events, ["name", "description", "keywords", "objects"]),
                (_read(self.root / "qa.parquet").select_columns(["question", "answer"]), ["question", "answer"])]
        for ds, names in cols:
            for name in names:
                for v in ds[name]:
                    for s in (v if isinstance(v, list) else [v]):
                        if s not in seen:
                            seen.add(s)
                            yield s


def open_dataset(data_dir) -> PEBenchData:
    """Open a folder written by ``pebench data build``/``import``; one-line UserError if it is not one."""
    root = Path(data_dir)
    hint = "build one with `pebench data build --scale mini --out DIR`"
    if not root.is_dir():
        raise UserError(f"{root}: no such data folder; {hint}")
    meta_path = root / DATA_META_FILE
    if not meta_path.is_file():
        raise UserError(f"{root}: not a PEBench data folder (no meta.json); {hint}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"{meta_path}: unreadable meta.json ({e}); rebuild the folder") from None
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if version != SCHEMA_VERSION:
        raise UserError(f"{root}: data schema_version {version!r}, this pebench reads version {SCHEMA_VERSION}; "
                        f"rebuild the folder with this version")
    needed = [f"{t}.parquet" for t in TABLES] + [f"splits/common/{s}.parquet" for s in COMMON_SPLITS]
    needed += [f"splits/{st}/{s}.parquet" for st in SETTINGS for s in SPLITS]
    missing = [n for n in needed if not (root / n).is_file()]
    if missing:
        raise UserError(f"{root}: incomplete data folder, missing {missing[0]}"
                        f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}; rebuild it")
    for name in needed:            # every footer (~1 ms each): a truncated table fails here, not mid-run
        _check_footer(root / name)
    return PEBenchData(root, meta)


def _check_footer(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError) as e:
        raise _unreadable(path, e) from None


def _unreadable(path: Path, e: Exception) -> UserError:
    return UserError(f"{path}: not a readable parquet file ({str(e).splitlines()[0][:120]}); "
                     f"rebuild the data folder (pebench data build / import)")
