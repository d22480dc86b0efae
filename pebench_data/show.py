"""``pebench data show``: row counts per setting x split, and a contact sheet (people rows x events
columns, view 0; at most ``MAX_ROWS`` x ``MAX_COLS`` cells) written atomically as PNG."""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from .dataset import COMMON_SPLITS, SETTINGS, SPLITS, open_dataset

MAX_ROWS, MAX_COLS = 20, 10
LABEL_W, LABEL_H = 150, 16


def counts_table(data):
    from rich.table import Table

    m = data.meta
    counts = m["counts"]["splits"]
    t = Table(title=f"{data.root}  ({m.get('source')}, scale {m.get('scale')}, seed {m.get('seed')}, "
                    f"{m['n_people']} people x {m['n_events']} events x {m.get('views')} views, "
                    f"{m.get('image_size')} px, {m['counts']['images']} images, {m['counts']['qa']} QA rows)")
    t.add_column("setting", no_wrap=True)
    t.add_column("forget ids", no_wrap=True)
    for s in SPLITS:
        t.add_column(s.replace("_", " "), justify="right")
    for setting in SETTINGS:
        f = m["forget_ids"][setting]
        t.add_row(setting, f"{len(f['person'])} P / {len(f['event'])} E", *(str(counts[setting][s]) for s in SPLITS))
    t.add_section()
    for s in COMMON_SPLITS:
        t.add_row(f"common/{s}", "", *([""] * (len(SPLITS) - 1)), str(counts["common"][s]))
    return t


def contact_sheet(data):
    from PIL import Image, ImageDraw

    people = data.people.select(range(min(MAX_ROWS, len(data.people))))
    events = data.events.select(range(min(MAX_COLS, len(data.events))))
    imgs = data.images.select_columns(["image_id", "person_id", "event_id", "view"])
    cell = None
    want = {(p, e) for p in people["person_id"] for e in events["event_id"]}
    picks = {}
    for i, (p, e, v) in enumerate(zip(imgs["person_id"], imgs["event_id"], imgs["view"])):
        if (p, e) in want and ((p, e) not in picks or v < picks[(p, e)][1]):
            picks[(p, e)] = (i, v)
    for i, _ in picks.values():
        cell = data.images[i]["image"].size[0]
        break
    cell = cell or 112
    sheet = Image.new("RGB", (LABEL_W + cell * len(events), LABEL_H + cell * len(people)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(events["name"]):
        draw.text((LABEL_W + c * cell + 2, 2), name[: max(4, cell // 6)], fill="black")
    for r, (pid, name) in enumerate(zip(people["person_id"], people["name"])):
        draw.text((2, LABEL_H + r * cell + cell // 2 - 6), f"{pid} {name}"[:24], fill="black")
        for c, eid in enumerate(events["event_id"]):
            if (pid, eid) in picks:
                img = data.images[picks[(pid, eid)][0]]["image"].convert("RGB").resize((cell, cell))
                sheet.paste(img, (LABEL_W + c * cell, LABEL_H + r * cell))
    return sheet


def write_png_atomic(img, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def show(data_dir, sheet: str | None = None, console=None) -> Path:
    from rich.console import Console

    data = open_dataset(data_dir)
    if console is None:
        console = Console()
        console.width = max(console.width, 110)  # the table needs ~105 columns; pipes default to 80
    console.print(counts_table(data))
    out = Path(sheet) if sheet else data.root / "contact_sheet.png"
    write_png_atomic(contact_sheet(data), out)
    console.print(f"contact sheet: {out}")
    return out
