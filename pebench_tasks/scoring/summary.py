"""One table over the adapters of a sweep (``summary.csv`` and ``summary.md``): each adapter's
headline metrics, read back from the lmms-eval results file it got."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from pebench_core.atomic import atomic_write_text
from pebench_core.names import RESULTS_SUFFIX, SIDECAR_SUFFIX

# Table 1's columns (docs/tasks.md), in the paper's order
COLUMNS = [
    ("person_efficacy", "pebench_person_forget"), ("person_generality", "pebench_person_generality"),
    ("person_retain", "pebench_person_retain"), ("person_scope", "pebench_person_scope"),
    ("event_efficacy_geval", "pebench_event_forget"), ("event_efficacy_offline", "pebench_event_forget"),
    ("event_generality_geval", "pebench_event_generality"), ("event_generality_offline", "pebench_event_generality"),
    ("event_retain_geval", "pebench_event_retain"), ("event_retain_offline", "pebench_event_retain"),
    ("event_scope", "pebench_event_scope"), ("pope_accuracy", "pebench_pope"), ("pope_f1", "pebench_pope"),
]
INFO = ("adapter", "method", "target", "forget", "seed", "setting", "results")


def summary_row(name: str, adapter, results_path: Path) -> dict:
    res = json.loads(Path(results_path).read_text(encoding="utf-8"))
    meta = adapter.meta if adapter is not None else None
    side = Path(str(results_path).replace(RESULTS_SUFFIX, SIDECAR_SUFFIX))
    settings = json.loads(side.read_text()).get("settings", {}) if side.is_file() else {}
    row = {"adapter": name, "method": meta.method if meta else ("" if adapter else "none"),
           "target": meta.target if meta else "", "forget": meta.forget if meta else "", "seed": meta.seed if meta else "",
           "setting": "/".join(sorted(set(settings.values()))), "results": str(results_path)}
    own = own_columns(meta.target if meta else None)
    for metric, task in COLUMNS:
        value = res.get("results", {}).get(task, {}).get(f"{metric},none")
        row[metric] = value if isinstance(value, (int, float)) and metric in own else None
    return row


def own_columns(target: str | None) -> set[str]:
    """Table 1 layout: a person adapter's row shows the person columns, an event adapter's the event
    columns (numbers measured on forget targets it never saw are not its scores), a joint adapter and
    the base/Goal rows both; POPE (world knowledge) always."""
    keep = {"person", "event"} if target in (None, "both") else {target}
    return {m for m, _ in COLUMNS if m.split("_")[0] in keep or m.startswith("pope")}


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def write_summary(output: Path, rows: list[dict]) -> None:
    cols = list(INFO) + [m for m, _ in COLUMNS]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _fmt(r.get(k)) for k in cols})
    atomic_write_text(Path(output) / "summary.csv", buf.getvalue())
    md_cols = [c for c in cols if c not in ("results",)]
    # G-Eval columns are all NaN without a judge: leave them out of the readable table
    md_cols = [c for c in md_cols if not (c.endswith("_geval") and all(_fmt(r.get(c)) in ("", "nan") for r in rows))]
    lines = ["| " + " | ".join(md_cols) + " |", "|" + "---|" * len(md_cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in md_cols) + " |" for r in rows]
    atomic_write_text(Path(output) / "summary.md", "\n".join(lines) + "\n")
