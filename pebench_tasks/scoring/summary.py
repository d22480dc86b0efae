"""One table over the adapters of a sweep (``summary.csv`` and ``summary.md``): each adapter's
headline metrics, read back from the lmms-eval results file it got, with a 95% CI per headline
metric (the nested bootstrap of :mod:`.intervals` over the per-sample logs: the forget targets,
then the rows of each; one adapter is one seed) and, beside efficacy, the answer-kind shares of the
forget tasks."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from pebench_core.atomic import atomic_write_text
from pebench_core.names import RESULTS_SUFFIX, SIDECAR_SUFFIX, SUMMARY_FILE

from pebench_tasks.metrics import registry as R

# views of the metric registry (pebench_tasks.metrics.registry, the one definition of each column)
COLUMNS = [(c.name, c.task) for c in R.scored() if c.group != R.KIND]       # columns with an interval
KIND_COLUMNS = [(c.name, c.lmms_metric, c.task) for c in R.kinds()]         # answer-kind shares (forget tasks)
# per-sample value of each metric, and how the task aggregates those values
_SAMPLE_VALUE = {c.name: (c.key, c.value) for c in R.COLUMNS if c.key}
# the unit a row belongs to (intervals.Design's target level): the forget target a question is
# about (scope: the forget target whose images are asked about; POPE: the image)
TARGET_FIELD = {c.name: c.target_field for c in R.COLUMNS if c.target_field}
TOP = {c.name: c.top for c in R.COLUMNS}

INFO = ("adapter", "method", "bgd", "target", "forget", "seed", "setting", "results")


def summary_row(name: str, adapter, results_path: Path) -> dict:
    res = json.loads(Path(results_path).read_text(encoding="utf-8"))
    meta = adapter.meta if adapter is not None else None
    side = Path(str(results_path).replace(RESULTS_SUFFIX, SIDECAR_SUFFIX))
    sidecar = json.loads(side.read_text()) if side.is_file() else {}
    settings = sidecar.get("settings", {})
    # the Finetune model scored on a redrawn data folder (pebench data redraw) carries the draw's seed:
    # it then pairs with that draw's unlearning runs and Goal model
    draw = (sidecar.get("data_meta") or {}).get("forget_seed")
    row = {"adapter": name, "method": meta.method if meta else ("" if adapter else "none"),
           "bgd": bool(getattr(meta, "bgd", False)) if meta is not None else "",   # GD+BGD's method is "gd"
           "target": meta.target if meta else "", "forget": meta.forget if meta else "",
           "seed": meta.seed if meta else ("" if adapter is not None or draw is None else draw),
           "setting": "/".join(sorted(set(settings.values()))), "results": str(results_path)}
    own = own_columns(meta.target if meta is not None and meta.target else None)
    concepts = {R.column(m).concept for m in own}
    for metric, task in COLUMNS:
        value = res.get("results", {}).get(task, {}).get(f"{R.column(metric).lmms_metric},none")
        row[metric] = value if isinstance(value, (int, float)) and metric in own else None
        if row[metric] is not None and metric in _SAMPLE_VALUE:
            row[f"{metric}_ci"] = bootstrap_ci(_samples(results_path, task), metric)
    for col, metric, task in KIND_COLUMNS:
        value = res.get("results", {}).get(task, {}).get(f"{metric},none")
        row[col] = value if isinstance(value, (int, float)) and R.column(col).concept in concepts else None
    return row


def _samples(results_path: Path, task: str) -> list[dict]:
    """lmms-eval's per-sample log of ``task`` beside the results file ([] if it was not logged)."""
    stem = Path(results_path).name[: -len(RESULTS_SUFFIX)]
    files = sorted(Path(results_path).parent.glob(f"{stem}_samples_{task}.jsonl"))
    return [json.loads(line) for f in files[-1:] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample_values(samples: list[dict], metric: str) -> list[float]:
    """Per-sample values of a headline metric on its own scale (their mean is the metric); G-Eval
    counts parsed judge replies only, as the task's aggregation does."""
    return [v for _, _, v in sample_units(samples, metric)]


def sample_units(samples: list[dict], metric: str) -> list[tuple[str, str, float]]:
    """(target, row key, value) of each sample that has a value: the target from the record's
    ``TARGET_FIELD`` ("" in logs without ids: one target), the row key its ``qa_id`` (else its position)."""
    key, transform = _SAMPLE_VALUE[metric]
    field = TARGET_FIELD.get(metric, "")
    out = []
    for i, s in enumerate(samples):
        rec = s.get(metric)
        if not isinstance(rec, dict):
            continue
        if key == "judge":
            j = rec.get("judge") or {}
            raw = j.get("match") if j.get("status") == "parsed" else None
        else:
            raw = rec.get(key)
        if raw is not None:
            out.append((str(rec.get(field, "")), str(rec.get("qa_id", i)), float(transform(float(raw)))))
    return out


def design(samples_by_seed: dict, metric: str):
    """intervals.Design of one cell: {seed: per-sample records}."""
    from .intervals import Design

    return Design.of((seed, t, k, v) for seed, samples in samples_by_seed.items()
                     for t, k, v in sample_units(samples, metric))


def bootstrap_ci(samples: list[dict], metric: str) -> tuple[float, float] | None:
    """95% CI of ``metric`` for one adapter (one seed) from its per-sample records (targets, then
    rows: intervals.interval), or None without samples."""
    from .intervals import interval

    d = design({0: samples}, metric)
    return interval(d, TOP[metric]) if d.n_rows else None


def own_columns(target: str | None) -> set[str]:
    """The columns a row of ``target`` shows (registry.concepts: Table 1's layout)."""
    keep = R.concepts(target)
    return {m for m, _ in COLUMNS if R.column(m).concept in keep}


def _cell(row: dict, col: str) -> str:
    ci = row.get(f"{col}_ci")
    return f"{_fmt(row.get(col))} [{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci and row.get(col) is not None else _fmt(row.get(col))


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def write_summary(output: Path, rows: list[dict]) -> None:
    cols = list(INFO) + [m for m, _ in COLUMNS] + [c for c, _, _ in KIND_COLUMNS]
    ci_cols = [f"{m}_ci_{b}" for m, _ in COLUMNS if m in _SAMPLE_VALUE for b in ("low", "high")]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols + ci_cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        cis = {f"{m}_ci_{b}": _fmt((r.get(f"{m}_ci") or (None, None))[i]) for m, _ in COLUMNS if m in _SAMPLE_VALUE
               for i, b in enumerate(("low", "high"))}
        w.writerow({**{k: _fmt(r.get(k)) for k in cols}, **cis})
    atomic_write_text(Path(output) / SUMMARY_FILE, buf.getvalue())
    md_cols = [c for c in cols if c not in ("results",)]
    # G-Eval columns are all NaN without a judge: leave them out of the readable table
    md_cols = [c for c in md_cols if not (c.endswith("_geval") and all(_fmt(r.get(c)) in ("", "nan") for r in rows))]
    md_cols = [c for c in md_cols if any(r.get(c) is not None for r in rows) or c in INFO]
    lines = ["| " + " | ".join(md_cols) + " |", "|" + "---|" * len(md_cols)]
    lines += ["| " + " | ".join(_cell(r, c) for c in md_cols) + " |" for r in rows]
    lines.append("")
    lines.append("Cells: value [95% CI: bootstrap over the forget targets, then their rows; exact at a bound "
                 "(pebench_tasks.scoring.intervals)]. *_forget_{true,partial,other,refusal,degenerate,unmatched}: shares of "
                 "the forget answers by kind (pebench_tasks.metrics.answer_kinds; they sum to 1).")
    atomic_write_text(Path(output) / "summary.md", "\n".join(lines) + "\n")
