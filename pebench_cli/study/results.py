"""The study's numbers as objects: ``summary.csv`` and ``forget_quality.csv`` rows read and checked,
grouped by forget size into a :class:`Study` whose cells are the mean over seeds with their nested
bootstrap CI (pebench_tasks.scoring.intervals), from the per-sample logs beside each results file;
when a log is missing, the CI columns of summary.csv (several seeds: the mean of their bounds),
marked †. Differences are paired: the same seeds, targets and rows on both sides."""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pebench_core.errors import UserError
from pebench_core.names import DEFAULT_FORGET, FORGET_SIZES
from pebench_tasks.metrics import registry as MR
from pebench_tasks.metrics.answer_kinds import KINDS
from pebench_tasks.scoring import intervals as I
from pebench_tasks.scoring import summary as S

ORDER = ("po", "ga", "gd", "kl", "siu", "dpo", "npo")      # the paper's Table 1 order, then NPO


BASE_METHODS = ("none", "finetune")                         # the Finetune row (--include-base)


TASK = dict(S.COLUMNS)


def read_summary(path: Path) -> list[dict]:
    """summary.csv rows: numbers as float, "" (and nan: not measured) as None, bgd as bool/None."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such summary.csv; run `pebench eval --adapters ... --include-base` first")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("adapter", "method", "target", "forget") if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"{path}: not a pebench summary.csv (no column {missing[0]!r}); give the file `pebench eval` wrote")
        rows = [_parse(r, path, i) for i, r in enumerate(reader, 2)]
    if not rows:
        raise UserError(f"{path}: no rows; score some adapters with `pebench eval --adapters ... --include-base`")
    return rows


def _parse(raw: dict, path: Path, line: int) -> dict:
    row = {}
    for k, v in raw.items():
        v = (v or "").strip()
        if k in ("adapter", "method", "target", "forget", "setting", "results"):
            row[k] = v
        elif k == "bgd":
            row[k] = {"true": True, "false": False}.get(v.lower())
        elif k == "seed":
            row[k] = int(v) if v.lstrip("-").isdigit() else (v or None)
        elif v == "":
            row[k] = None
        else:
            try:
                x = float(v)
            except ValueError:
                raise UserError(f"{path}: line {line}, column {k}: {v!r} is not a number; "
                                "re-write it with `pebench eval`") from None
            row[k] = None if math.isnan(x) else x
    m = row.get("method", "")
    if m.endswith(("_bgd", "+bgd")):                       # an alias name in the method column
        row["method"], row["bgd"] = m[:-4], True
    return row


@dataclass
class Cell:
    value: float | None
    ci: tuple[float, float] | None = None
    ci_source: str = ""                                     # "samples" | "csv"
    design: I.Design | None = None                          # per-seed, per-target, per-row values (metric scale)

    def scaled(self, k: float) -> Cell:
        return Cell(None if self.value is None else self.value * k,
                    None if self.ci is None else (self.ci[0] * k, self.ci[1] * k), self.ci_source)

    @property
    def flags(self) -> list[str]:
        return self.design.flags() if self.design is not None else []


@dataclass(frozen=True)
class Entry:
    label: str
    kind: str                                               # finetune | method | goal
    method: str
    bgd: bool
    target: str
    rows: tuple


def method_label(method: str, bgd: bool) -> str:
    return method.upper() + ("+BGD" if bgd else "")


class Study:
    """The rows of one forget size, grouped over seeds, with cached cells."""

    def __init__(self, rows: list[dict], forget: str, event_kind: str):
        self.rows, self.forget, self.event_kind = rows, forget, event_kind
        self._cells: dict = {}
        self._logs: dict = {}

    def event_metric(self, dim: str) -> str:
        return f"event_{dim}_{self.event_kind}"

    def finetune(self, target: str) -> Entry | None:
        """Base rows scored on this target's setting (a row without setting: unknown, used if no other)."""
        base = [r for r in self.rows if r["method"] in BASE_METHODS]
        exact = [r for r in base if f"{target}_{self.forget}" in r.get("setting", "").split("/")]
        rows = exact or [r for r in base if not r.get("setting")]
        return Entry("Finetune", "finetune", "none", False, target, tuple(rows)) if rows else None

    def goal(self, target: str) -> Entry | None:
        rows = [r for r in self.rows if r["method"] == "goal" and r["target"] == target and r["forget"] == self.forget]
        return Entry(f"Goal ({target})", "goal", "goal", False, target, tuple(rows)) if rows else None

    def methods(self, target: str) -> list[Entry]:
        groups: dict = {}
        for r in self.rows:
            if r["method"] not in BASE_METHODS + ("goal", "") and r["target"] == target and r["forget"] == self.forget:
                groups.setdefault((r["method"], bool(r.get("bgd"))), []).append(r)
        keys = sorted(groups, key=lambda k: (ORDER.index(k[0]) if k[0] in ORDER else len(ORDER), k[0], k[1]))
        return [Entry(method_label(*k), "method", k[0], k[1], target, tuple(groups[k])) for k in keys]

    def entry(self, method: str, target: str, bgd: bool = False) -> Entry | None:
        return next((e for e in self.methods(target) if e.method == method and e.bgd == bgd), None)

    def rows_of(self, target: str) -> list[Entry]:
        """Table rows: Finetune, the methods, Goal."""
        return [e for e in (self.finetune(target), *self.methods(target), self.goal(target)) if e is not None]

    def cell(self, e: Entry, metric: str) -> Cell:
        key = (e.kind, e.label, e.target, metric)            # rows are dicts: not hashable
        if key not in self._cells:
            self._cells[key] = self._cell(e, metric)
        return self._cells[key]

    def _cell(self, e: Entry, metric: str) -> Cell:
        col = MR.BY_NAME.get(metric)
        if col is not None and col.group == MR.KNOWN:
            return self._known_cell(e, col)
        rows = [r for r in e.rows if r.get(metric) is not None]
        if not rows:
            return Cell(None)
        value = float(np.mean([r[metric] for r in rows]))
        design = self._design(rows, metric)
        if design is not None:
            return Cell(value, I.interval(design, S.TOP[metric]), "samples", design)
        lows, highs = [r.get(f"{metric}_ci_low") for r in rows], [r.get(f"{metric}_ci_high") for r in rows]
        if all(x is not None for x in lows + highs):
            return Cell(value, (float(np.mean(lows)), float(np.mean(highs))), "csv")
        return Cell(value)

    def _known_cell(self, e: Entry, col: MR.Column) -> Cell:
        """``col.of`` on the forget rows the Finetune model answered correctly (answer kind "true"
        in its logs); no value without the logs."""
        known = self._known_rows(e.target, col)
        rows = [r for r in e.rows if r.get(col.of) is not None]
        design = self._design(rows, col.of, keep=known) if known is not None and rows else None
        if design is None or not design.n_rows:
            return Cell(None)
        return Cell(design.value(), I.interval(design, col.top), "samples", design)

    def _known_rows(self, target: str, col: MR.Column) -> set | None:
        ft = self.finetune(target)
        if ft is None:
            return None
        known = set()
        for r in ft.rows:
            path = Path(r.get("results") or "")
            if not r.get("results") or not path.is_file():
                return None
            for s in self._samples(path, col.task):
                rec = s.get(col.of)
                if isinstance(rec, dict) and rec.get("answer_kind") == "true":
                    known.add(rec.get("qa_id"))
        return known

    def _samples(self, path: Path, task: str) -> list[dict]:
        if (path, task) not in self._logs:
            self._logs[(path, task)] = S._samples(path, task)
        return self._logs[(path, task)]

    def _design(self, rows: list[dict], metric: str, keep: set | None = None) -> I.Design | None:
        """Every seed's per-sample values of ``metric`` (one summary row = one seed); None if a seed
        has no log (then the CSV CIs). ``keep``: only the rows with these qa_ids."""
        if metric not in S._SAMPLE_VALUE:
            return None
        by_seed = {}
        for i, r in enumerate(rows):
            path = Path(r.get("results") or "")
            if not r.get("results") or not path.is_file():
                return None
            recs = self._samples(path, TASK[metric])
            if keep is not None:
                recs = [s for s in recs if isinstance(s.get(metric), dict) and s[metric].get("qa_id") in keep]
            if not S.sample_units(recs, metric):
                return None
            seed = r.get("seed")
            by_seed[seed if seed not in (None, "") and seed not in by_seed else f"row{i}"] = recs
        return S.design(by_seed, metric)

    def delta(self, a: Entry, b: Entry, metric: str) -> tuple[float | None, I.Paired | None]:
        """mean(a) - mean(b) of the cells, with the paired nested-bootstrap comparison (None without logs)."""
        ca, cb = self.cell(a, metric), self.cell(b, metric)
        if ca.value is None or cb.value is None:
            return None, None
        if ca.design is None or cb.design is None:
            return ca.value - cb.value, None
        return ca.value - cb.value, I.compare(ca.design, cb.design, top=S.TOP[metric])

    def kinds(self, e: Entry, concept: str) -> list[float] | None:
        vals = []
        for k in KINDS:
            xs = [r.get(f"{concept}_forget_{k}") for r in e.rows if r.get(f"{concept}_forget_{k}") is not None]
            if not xs:
                return None
            vals.append(float(np.mean(xs)))
        return vals


QUALITY_COLUMNS = ("target", "method", "bgd", "forget", "seed", "ks_d", "forget_quality", "mia_auc", "logprob_forget",
                   "logprob_holdout")


def read_quality(path: Path) -> list[dict]:
    """Rows of ``pebench forget-quality``'s forget_quality.csv (numbers as floats, blanks as None)."""
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in QUALITY_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"{path}: no column {missing[0]!r}; give the forget_quality.csv of `pebench forget-quality`")
        for r in reader:
            for k in ("ks_d", "forget_quality", "mia_auc", "mia_auc_lo", "mia_auc_hi", "logprob_forget", "logprob_holdout",
                      "truth_ratio"):
                r[k] = float(r[k]) if r.get(k) not in (None, "") else None
            r["bgd"] = str(r.get("bgd")).lower() == "true"
            out.append(r)
    return out


def forgets(rows: list[dict]) -> list[str]:
    seen = {r["forget"] for r in rows if r["forget"]}
    for r in rows:
        seen |= {s.partition("_")[2] for s in (r.get("setting") or "").split("/") if s}
    return [f for f in FORGET_SIZES if f in seen] or [DEFAULT_FORGET]


def event_kind_of(rows: list[dict]) -> str:
    geval = [f"event_{d}_geval" for d in ("efficacy", "generality", "retain")]
    return "geval" if any(r.get(c) is not None for r in rows for c in geval) else "offline"


def as_paths(p) -> list[Path]:
    return [Path(x) for x in ([p] if isinstance(p, (str, Path)) else p or [])]
