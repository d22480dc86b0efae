"""``pebench data import``: the released PEBench (an image folder + ``PEBench.csv``) into our layout.

The release's CSV columns are not documented, so a small YAML mapping names which CSV column holds
which of our fields (see ``task_configs/data/import_mapping.example.yaml``)::

    columns:
      image: file_name        # required: image path, relative to --images
      person: "@folder"       # required: a CSV column, or "@folder" = the image's parent folder
                              #   (the released image folder's `label` is the person name)
      event: event            # required: event name (one of the paper's 40 or any other)
      description: caption    # optional: event description (default: our vocabulary's sentence)
      keywords: keywords      # optional: event keywords, split on keyword_separator
      occupation: job         # optional profile fields: occupation, city, region, gender, age
    keyword_separator: ";"
    heldout_views: 1          # per person x event, the last N images (by file name) are held out
    holdout_people: 0         # a seeded N people become the holdout set (in no training split; the MIA's non-members)

Views: the images of one person x event pair, sorted by file name, are views 0, 1, ...; the last
``heldout_views`` of every pair with more than that many images form the generality set. When
every pair has a single image (as in the paper's 8,000), a seeded ``heldout_fraction`` of each
person's images is held out instead. Events named like one of the paper's 40 take their keywords and
description from our vocabulary unless the CSV gives them.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from pebench_core.errors import UserError
from pebench_core.seeding import seed_everything
from .qa import make_qa
from .vocab import load_vocab
from .writer import write_pebench

REQUIRED = ("image", "person", "event")
OPTIONAL = ("description", "keywords", "occupation", "city", "region", "gender", "age")
FOLDER = "@folder"


def load_mapping(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: mapping file not found; pass --mapping with a YAML like "
                        f"task_configs/data/import_mapping.example.yaml")
    try:
        m = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    cols = m.get("columns")
    if not isinstance(cols, dict):
        raise UserError(f"{path}: needs a 'columns:' mapping of our fields to CSV columns")
    unknown = sorted(set(cols) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise UserError(f"{path}: columns.{unknown[0]}: unknown field; known fields: {', '.join(REQUIRED + OPTIONAL)}")
    for f in REQUIRED:
        if not cols.get(f):
            raise UserError(f"{path}: columns.{f} is required (the CSV column holding the {f})")
    return {"columns": cols, "keyword_separator": m.get("keyword_separator", ";"),
            "heldout_views": int(m.get("heldout_views", 1)), "heldout_fraction": float(m.get("heldout_fraction", 0.2)),
            "holdout_people": int(m.get("holdout_people", 0))}


def read_csv(path: str | Path, mapping: dict, mapping_path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: CSV file not found; pass --csv with the release's PEBench.csv")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for field, col in mapping["columns"].items():
            if col != FOLDER and col not in header:
                raise UserError(f"{path}: column '{col}' (mapping field columns.{field} in {mapping_path}) is not in "
                                f"the CSV header; the header has: {', '.join(header)}")
        rows = list(reader)
    if not rows:
        raise UserError(f"{path}: the CSV has no data rows")
    return rows


def _load_image(path: Path, row_no: int, csv_path) -> bytes:
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise UserError(f"{csv_path}: row {row_no}: image file {path} not found; check --images and columns.image")
    data = path.read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            if im.format in ("PNG", "JPEG") and im.mode == "RGB":
                return data  # keep the released bytes
            buf = io.BytesIO()
            im.convert("RGB").save(buf, format="PNG")
            return buf.getvalue()
    except (UnidentifiedImageError, OSError) as e:
        raise UserError(f"{path}: corrupt or unreadable image ({e}); replace the file or drop its CSV row") from None


def import_release(images_dir, csv_path, mapping_path, out, seed: int = 0, overwrite: bool = False) -> Path:
    """Read the release, build people/events/images/qa tables and write them with the shared writer."""
    images_dir = Path(images_dir)
    if not images_dir.is_dir():
        raise UserError(f"{images_dir}: image folder not found; pass --images with the release's image folder")
    if Path(out).exists() and not overwrite:
        raise UserError(f"{out}: output folder exists; pass --overwrite to replace it or choose another --out")
    seed_everything(seed)
    mapping = load_mapping(mapping_path)
    cols = mapping["columns"]
    rows = read_csv(csv_path, mapping, mapping_path)
    vocab_events = {e["name"].lower(): e for e in load_vocab()["events"]}

    def get(row, field):
        col = cols.get(field)
        if not col:
            return None
        if col == FOLDER:
            return Path(row[cols["image"]]).parent.name
        return (row.get(col) or "").strip() or None

    records = []
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        rec = {f: get(row, f) for f in REQUIRED + OPTIONAL}
        for f in REQUIRED:
            if not rec[f]:
                raise UserError(f"{csv_path}: row {i}: empty {f} (column '{cols[f]}'); fill it or drop the row")
        rec["path"] = images_dir / rec["image"]
        rec["row_no"] = i
        records.append(rec)

    people = _people(records)
    events = _events(records, vocab_events, mapping["keyword_separator"], csv_path)
    pid = {p["name"]: p["person_id"] for p in people}
    eid = {e["name"]: e["event_id"] for e in events}

    groups = defaultdict(list)
    for rec in records:
        groups[(pid[rec["person"]], eid[rec["event"]])].append(rec)
    views = max(len(g) for g in groups.values())
    hv = mapping["heldout_views"]
    per_pair = views > hv
    rng = np.random.default_rng([seed, 7])
    images = []
    for (p, e), group in sorted(groups.items()):
        group.sort(key=lambda r: str(r["image"]))
        for v, rec in enumerate(group):
            held = v >= len(group) - hv if per_pair and len(group) > hv else False
            images.append({"image_id": f"{p}_{e}_v{v}", "person_id": p, "event_id": e, "view": v, "heldout": held,
                           "_rec": rec})
    if not per_pair:  # one image per pair: hold out a seeded share of each person's images
        by_person = defaultdict(list)
        for img in images:
            by_person[img["person_id"]].append(img)
        for imgs in by_person.values():
            k = max(1, round(mapping["heldout_fraction"] * len(imgs))) if len(imgs) > 1 else 0
            for j in rng.permutation(len(imgs))[:k]:
                imgs[j]["heldout"] = True

    from tqdm import tqdm

    for img in tqdm(images, desc="reading images", unit="img"):
        rec = img.pop("_rec")
        img["image"] = _load_image(rec["path"], rec["row_no"], csv_path)
    qa = make_qa(people, events, images, seed, same_kind=lambda o: o)
    size = _image_side(images[0]["image"])
    pick = np.random.default_rng([seed, 8]).permutation(len(people))[: mapping["holdout_people"]]
    meta = {"holdout_ids": {"person": sorted(people[i]["person_id"] for i in pick), "event": []},"source": "imported", "scale": "imported", "image_size": size, "views": views,
            "train_views": views - hv if per_pair else None, "import": {
                "csv": str(Path(csv_path).resolve()), "images": str(images_dir.resolve()),
                "mapping": mapping}}
    return write_pebench(out, people=people, events=events, images=images, qa=qa, meta=meta, seed=seed,
                         overwrite=overwrite)


def _image_side(data: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return max(im.size)


def _people(records: list[dict]) -> list[dict]:
    first_seen = {}
    for rec in records:
        first_seen.setdefault(rec["person"], rec)
    out = []
    for i, name in enumerate(sorted(first_seen)):
        rec = first_seen[name]
        first, _, last = name.partition(" ")
        out.append({"person_id": f"p{i:03d}", "name": name, "first_name": first, "last_name": last,
                    "gender": rec["gender"] or "", "age": int(rec["age"]) if (rec["age"] or "").isdigit() else -1,
                    "occupation_category": "", "occupation": rec["occupation"] or "", "city": rec["city"] or "",
                    "region": rec["region"] or "", "appearance": json.dumps({})})
    return out


def _events(records, vocab_events, sep, csv_path) -> list[dict]:
    first_seen = {}
    for rec in records:
        first_seen.setdefault(rec["event"], rec)
    out = []
    for i, name in enumerate(sorted(first_seen)):
        rec, known = first_seen[name], vocab_events.get(name.lower(), {})
        desc = rec["description"] or known.get("summary")
        if not desc:
            raise UserError(f"{csv_path}: event '{name}' is not one of the paper's 40 and has no description; "
                            f"map columns.description to a CSV column")
        kws = [k.strip() for k in rec["keywords"].split(sep) if k.strip()] if rec["keywords"] else \
            list(known.get("keywords", []))
        out.append({"event_id": f"e{i:02d}", "name": name, "keywords": kws, "description": desc, "objects": []})
    return out
