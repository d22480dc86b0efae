"""The study report: ``report.md`` and a self-contained ``report.html`` (figures as base64 PNG) with
the paper's Table 1 and Table 2 layouts, figures, findings and ranking agreement, from the rows of a
scoring sweep's ``summary.csv`` (pebench_tasks.scoring.summary). One section per forget size.

Cells are the mean over seeds; the CI is the nested bootstrap of pebench_tasks.scoring.intervals
over seeds, forget targets and rows, from the per-sample logs beside each results file; when a log
is missing, the CI columns of summary.csv (several seeds: the mean of their bounds), marked †.
Differences (Table 2's Δ rows, the findings) are paired: the same seeds, targets and rows on both
sides.
"""
from __future__ import annotations

import base64
import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pebench_core.atomic import atomic_dir
from pebench_core.errors import UserError
from pebench_core.names import DEFAULT_FORGET, FORGET_SIZES
from pebench_tasks.metrics import registry as MR
from pebench_tasks.metrics.answer_kinds import KINDS
from pebench_tasks.scoring import intervals as I
from pebench_tasks.scoring import summary as S

from . import figures as F
from . import findings as FD

ORDER = ("po", "ga", "gd", "kl", "siu", "dpo", "npo")      # the paper's Table 1 order, then NPO
BASE_METHODS = ("none", "finetune")                         # the Finetune row (--include-base)
TASK = dict(S.COLUMNS)
PAPER_FILE = ("study", "paper_reference.yaml")
REPORT_FILES = ("report.md", "report.html")


# ----------------------------------------------------------------------------- reading
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


# ----------------------------------------------------------------------------- cells
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


def _label(method: str, bgd: bool) -> str:
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
        return [Entry(_label(*k), "method", k[0], k[1], target, tuple(groups[k])) for k in keys]

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


# ----------------------------------------------------------------------------- tables
def _columns(study: Study, target: str) -> list[tuple[str, str | None]]:
    """Table 1's (header, metric) for one target, from the metric registry (None: not measured)."""
    return [(label, c.name if c else None) for label, c in MR.table1(target, study.event_kind)]


def _show(study: Study, e: Entry, metric: str | None) -> str:
    if metric is None:
        return "n/a"
    c = study.cell(e, metric)
    return FD.fmt_cell(c, metric) + (" †" if c.ci_source == "csv" else "") + (" *" if c.flags else "")


def _row_label(e: Entry) -> str:
    seeds = {r.get("seed") for r in e.rows}
    return e.label + (f" ({len(seeds)} seeds)" if e.kind == "method" and len(seeds) > 1 else "")


def _design_text(study: Study, e: Entry, metric: str | None) -> str:
    """Seeds x targets x rows behind a row's first measured cell (the interval's levels)."""
    d = study.cell(e, metric).design if metric else None
    return f"{d.n_seeds} x {d.n_targets} x {d.n_rows}" if d is not None else "n/a"


def table1(study: Study, target: str) -> tuple[list[str], list[list[str]]]:
    cols = _columns(study, target)
    head = (["Method"] + [c for c, _ in cols] + [f"Forget answers ({' / '.join(KINDS)})",
                                                  "Seeds x targets x rows (efficacy)"])
    body = []
    for e in study.rows_of(target):
        k = study.kinds(e, target)
        body.append([_row_label(e)] + [_show(study, e, m) for _, m in cols] + [" / ".join(f"{x:.2f}" for x in k) if k else "n/a"]
                    + [_design_text(study, e, cols[0][1])])
    return head, body


def _t2_metrics(study: Study) -> list[tuple[str, str]]:
    return [("Person efficacy", "person_efficacy"), ("Person retain", "person_retain"),
            ("Event efficacy", study.event_metric("efficacy")), ("Event retain", study.event_metric("retain"))]


def table2(study: Study) -> tuple[list[str], list[list[str]]]:
    cols = _t2_metrics(study)
    head = ["Method"] + [c for c, _ in cols]
    body = [[_row_label(e)] + [_show(study, e, m) for _, m in cols] for e in study.rows_of("both")]
    for m in ("gd", "kl"):
        plain, bgd = study.entry(m, "both"), study.entry(m, "both", bgd=True)
        if plain is None or bgd is None:
            continue
        cells = []
        for _, metric in cols:
            d, cmp = study.delta(bgd, plain, metric)
            cells.append("n/a" if d is None else FD.fmt_delta(d, cmp, metric))
        body.append([f"Δ {bgd.label} − {plain.label}"] + cells)
    return head, body


def interference(study: Study) -> list[list[float | None]]:
    """2x2: rows forget target (person, event), columns measured concept (person, event); each cell =
    1 - (measured knowledge on the forget images / Finetune's), mean over methods. Diagonal: the
    intended loss (about efficacy); off-diagonal: damage to the other concept (via scope)."""
    kept = {("person", "person"): ("person_efficacy", lambda v: 100.0 - v), ("person", "event"): ("person_scope", None),
            ("event", "person"): ("event_scope", None), ("event", "event"): (study.event_metric("efficacy"), lambda v: 1.0 - v)}
    out = []
    for target in ("person", "event"):
        ft, row = study.finetune(target), []
        for measured in ("person", "event"):
            metric, f = kept[(target, measured)]
            f = f or (lambda v: v)
            ref = study.cell(ft, metric).value if ft else None
            losses = [1.0 - f(c.value) / f(ref) for e in study.methods(target)
                      if (c := study.cell(e, metric)).value is not None and ref is not None and f(ref) > 0]
            row.append(float(np.mean(losses)) if losses else None)
        out.append(row)
    return out


# ----------------------------------------------------------------------------- the document
def _paper() -> dict:
    import yaml

    from pebench_core.config import config_path

    return yaml.safe_load(config_path(*PAPER_FILE).read_text(encoding="utf-8"))


def _kendall_columns(study: Study) -> list[tuple[str, str, str]]:
    """(part, the paper's column, our metric) of every Table 1 column that stands for one of the paper's."""
    return [(part, c.paper, c.name) for part in ("person", "event")
            for _, c in MR.table1(part, study.event_kind) if c is not None and c.paper]


def _section(study: Study, figs: dict, paper: dict) -> tuple[list, list[dict], list[dict]]:
    f = study.forget
    blocks: list = [("h", 2, f"Forget size {f}")]
    blocks.append(("h", 3, "Table 1: one target at a time"))
    for part in ("person", "event"):
        head, body = table1(study, part)
        blocks += [("h", 4, f"{part.capitalize()} unlearning (target {part})"), ("table", f"table1-{part}-{f}", head, body)]
    blocks.append(("h", 3, "Table 2: persons and events unlearned together (target both)"))
    head, body = table2(study)
    blocks.append(("table", f"table2-{f}", head, body))
    blocks.append(("p", ("Δ rows: difference of the means, with the paired 95% CI of that difference (the same seeds, "
                         "forget targets and rows resampled on both sides: nested bootstrap, percentile, 2,000 resamples, "
                         "seed 0; pebench_tasks.scoring.intervals).")))
    blocks.append(("h", 3, "Figures"))
    for name, caption in figs.items():
        blocks.append(("img", f"figures/{name}", caption))
    m = interference(study)
    blocks.append(("p", ("Interference matrix values (the figure's numbers): loss of the measured concept's score on "
                         "the forget images relative to Finetune, mean over the single-target methods.")))
    blocks.append(("table", f"interference-{f}", ["Forget target \\ measured concept", "person", "event"],
                   [[t] + ["n/a" if v is None else f"{v:.2f}" for v in row] for t, row in zip(("person", "event"), m)]))
    found = FD.findings(study)
    blocks.append(("h", 3, "Findings (paper patterns, by our fixed rules)"))
    blocks.append(("table", f"findings-{f}", ["Pattern", "Verdict", "Evidence", "Family (Holm-adjusted together)"],
                   [[f"({d['pattern']}) {d['title']}", d["verdict"], d["evidence"], f"{len(d['family'])} comparisons"]
                    for d in found]))
    blocks.append(("h", 3, "Ranking agreement with the paper (Kendall tau-b over the methods of its Table 1 present)"))
    kendall = [{**k, "forget": f} for k in FD.ranking_agreement(study, paper["table1"], _kendall_columns(study))]
    rows = [[f"{k['part']} {k['column']} ({k['metric']})", ", ".join(k["methods"]) or "-", str(k["n"]),
             k["note"] or f"{k['tau']:+.2f}", "n/a" if k["note"] else f"{k['p']:.3f}"] for k in kendall]
    blocks.append(("table", f"kendall-{f}", ["Column", "Methods", "n", "tau", "p-value"], rows))
    if study.event_kind != "geval":
        blocks.append(("p", "Event columns compare our offline score with the paper's G-Eval."))
    return blocks, found, kendall


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


def quality_table(rows: list[dict], forget: str) -> tuple[list[str], list[list[str]]]:
    """Beyond the paper: per target, Finetune, the methods and Goal; mean over seeds."""
    groups: dict = {}
    for r in rows:
        if r["forget"] == forget:
            groups.setdefault((r["target"], r["method"], r["bgd"]), []).append(r)
    rank = {"finetune": -1, "goal": len(ORDER) + 1}

    def key(k):
        return (("person", "event", "both").index(k[0]) if k[0] in ("person", "event", "both") else 3,
                rank.get(k[1], ORDER.index(k[1]) if k[1] in ORDER else len(ORDER)), k[1], k[2])

    def mean(rs, col):
        xs = [r[col] for r in rs if r[col] is not None]
        return float(np.mean(xs)) if xs else None

    def fmt(x, spec):
        return "n/a" if x is None else format(x, spec)

    def auc(rs):
        if len(rs) == 1 and rs[0].get("mia_auc_lo") is not None:   # one model: its bootstrap interval
            return f"{fmt(rs[0]['mia_auc'], '.3f')} [{rs[0]['mia_auc_lo']:.3f}, {rs[0]['mia_auc_hi']:.3f}]"
        return fmt(mean(rs, "mia_auc"), ".3f")

    head = ["Target", "Model", "Forget quality (KS p vs Goal)", "KS D", "MIA AUC [95% CI]", "Answer log-prob forget / holdout",
            "Truth ratio (forget)"]
    body = []
    for k in sorted(groups, key=key):
        rs = groups[k]
        label = {"finetune": "Finetune", "goal": "Goal"}.get(k[1]) or _label(k[1], k[2])
        seeds = {r.get("seed") for r in rs}
        label += f" ({len(seeds)} seeds)" if len(seeds) > 1 else ""
        body.append([k[0], label, fmt(mean(rs, "forget_quality"), ".3g"), fmt(mean(rs, "ks_d"), ".2f"),
                     auc(rs),
                     f"{fmt(mean(rs, 'logprob_forget'), '.2f')} / {fmt(mean(rs, 'logprob_holdout'), '.2f')}",
                     fmt(mean(rs, "truth_ratio"), ".3g")])
    return head, body


QUALITY_NOTE = ("Beyond the paper (pebench forget-quality; docs/scoring.md). Forget quality as in TOFU: p-value of the "
                "two-sample KS test (scipy.stats.ks_2samp) of the truth ratios of the forget rows (mean over 3 perturbed "
                "answers, another person's name or another event's answer, of P(a)^(1/|a|), over the true answer's), "
                "model vs the Goal model of the same setting, on the same rows (high = indistinguishable from never "
                "having trained on it). MIA AUC: "
                "sklearn.metrics.roc_auc_score of the mean token log-probability of the person's name (person rows) or of the whole "
                "answer (event rows), forget rows (training views) vs holdout rows "
                "(people / events in no training split of any model, TOFU's holdout set), with a 95% bootstrap interval over "
                "whole targets for one model (none with one holdout target; the mean over seeds otherwise); "
                "0.5 = cannot tell them apart. "
                "Log-probabilities are vLLM prompt log-probs, each adapter through its LoRARequest.")


def _paper_blocks(paper: dict) -> list:
    src = "arXiv 2503.12545 v1, Tables 1 and 2 (G-Eval event scores; person scope and event real are ROUGE-L)"
    inner: list = [("p", f"Source: {src}.")]
    for part in ("person", "event"):
        t = paper["table1"][part]
        keys = list(next(iter(t.values())))
        inner.append(("table", f"paper-table1-{part}", [f"Paper Table 1 ({part})"] + [k.capitalize() for k in keys],
                      [[m] + [f"{float(v[k]):.2f}" for k in keys] for m, v in t.items()]))
    t2 = paper["table2"]
    keys = list(next(iter(t2.values())))
    inner.append(("table", "paper-table2", ["Paper Table 2"] + [k.replace("_", " ") for k in keys],
                  [[m] + [f"{float(v[k]):.2f}" for k in keys] for m, v in t2.items()]))
    return [("details", "Paper reference (arXiv 2503.12545 v1, Tables 1 and 2)", inner)]


def _intro(title: str, summaries: list[Path], study_kind: str, notes) -> list:
    blocks: list = [("h", 1, title), ("p", f"From {', '.join(map(str, summaries))}.")]
    if notes:
        blocks.append(("ul", list(notes)))
    event = ("Event scores: G-Eval (LLM judge, 0-1)." if study_kind == "geval" else
             "Event scores: offline score (no judge configured): 1 − the offline match (the event's name, its distinctive "
             "keywords, ROUGE-L from 0.5 on), 0-1; not the paper's "
             "G-Eval (docs/tasks.md).")
    blocks.append(("ul", [
        ("Higher is better everywhere. Scales: person efficacy/generality/retain, event scope and POPE 0-100; "
         "person scope (ROUGE-L) and event scores 0-1. " + event),
        ("Cells: value [95% CI]. Value = mean over seeds. CI = nested bootstrap over unlearning seeds, forget targets "
         "and answer rows (2,000 resamples, percentile, seed 0; pebench_tasks.scoring.intervals), read from the "
         "per-sample logs beside each results file; a cell whose rows all have the same value at a bound of the "
         "metric gets the exact (Clopper-Pearson) interval over its (seed, target) units instead of a zero width. "
         "* = fewer than 3 seeds or 5 forget targets: the interval cannot cover that level's variation (the last "
         "column gives the design). † = a log was missing, so the CI comes from summary.csv (several seeds: the mean "
         "of the seeds' CI bounds). [no CI]: no per-sample values (e.g. G-Eval)."),
        ("Real: n/a. The embedded default has synthetic data only; on real setups add lmms-eval's own tasks "
         "(e.g. `pope`) for real-image data."),
        ("Forget answers: shares of the forget-set answers by kind (they sum to 1; mean over seeds): still name "
         "the true target / leak a part of it (a name part, its job or city, one of its keywords) / name another "
         "known one / refuse / are degenerate (empty, repetition, no words) / unmatched (fluent, naming nothing "
         "known); pebench_tasks.metrics.answer_kinds. Strict efficacy: the share of other, refusal and "
         "unmatched answers, the only ones it counts as forgotten (our column, not the paper's)."),
        ("Interference matrix: 1 − (the measured concept's score on the forget images / Finetune's), mean over "
         "methods; person/person uses name precision (100 − efficacy), event/event the event match (1 − efficacy), "
         "off-diagonal cells the scope columns. 0 = as Finetune, 1 = all lost. This reading is our decision."),
    ]))
    blocks += [("h", 2, "Finding rules (our decision, fixed before looking at results)"), ("pre", FD.RULES_TEXT)]
    return blocks


def _forgets(rows: list[dict]) -> list[str]:
    seen = {r["forget"] for r in rows if r["forget"]}
    for r in rows:
        seen |= {s.partition("_")[2] for s in (r.get("setting") or "").split("/") if s}
    return [f for f in FORGET_SIZES if f in seen] or [DEFAULT_FORGET]


def _event_kind(rows: list[dict]) -> str:
    geval = [f"event_{d}_geval" for d in ("efficacy", "generality", "retain")]
    return "geval" if any(r.get(c) is not None for r in rows for c in geval) else "offline"


def _check_out(out: Path) -> None:
    """Replace only an earlier report (or an empty folder): never another folder the user named."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / REPORT_FILES[0]).is_file())):
        raise UserError(f"{out}: exists and is not a report folder (no {REPORT_FILES[0]}); choose another --out")


def as_paths(p) -> list[Path]:
    return [Path(x) for x in ([p] if isinstance(p, (str, Path)) else p or [])]


def write_report(out_dir: Path, summary_csv: Path | list[Path], *, title: str, paper_reference: bool = True,
                 notes: list[str] = (), quality_csv: Path | list[Path] | None = None) -> dict:
    """Write ``out_dir``/report.md, report.html and figures/*.png (the folder appears complete or not
    at all) from one summary.csv or several (their rows pooled: e.g. one per forget-set draw). Returns
    {"md", "html", "figures", "findings", "kendall"}."""
    out_dir, summaries = Path(out_dir), as_paths(summary_csv)
    rows = [r for p in summaries for r in read_summary(p)]
    quality = [r for p in as_paths(quality_csv) for r in read_quality(p)]
    _check_out(out_dir)
    kind = _event_kind(rows)
    paper = _paper()          # Kendall tau always; the paper's own numbers only with paper_reference
    figures, found, kendall, blocks = [], [], [], _intro(title, summaries, kind, notes)
    with atomic_dir(out_dir, overwrite=True) as tmp:
        for forget in _forgets(rows):
            study = Study(rows, forget, kind)
            figs = F.draw_all(tmp / "figures", forget, _figure_data(study))
            section, f_found, f_kendall = _section(study, figs, paper)
            blocks += section
            if quality:
                head, body = quality_table(quality, forget)
                blocks += [("h", 3, "Beyond the paper: forget quality and membership inference"), ("p", QUALITY_NOTE),
                           ("table", f"quality-{forget}", head, body)]
            found += f_found
            kendall += f_kendall
            figures += [out_dir / "figures" / n for n in figs]
        if paper_reference:
            blocks += _paper_blocks(paper)
        (tmp / "report.md").write_text(render_md(blocks), encoding="utf-8")
        (tmp / "report.html").write_text(render_html(blocks, title, tmp), encoding="utf-8")
    return {"md": out_dir / "report.md", "html": out_dir / "report.html", "figures": figures, "findings": found,
            "kendall": kendall}


def _figure_data(study: Study) -> dict:
    """Plain numbers for figures.py: per part, (label, kind, {metric: Cell}, kinds)."""
    parts = {}
    for part in ("person", "event"):
        metrics = [m for _, m in _columns(study, part) if m is not None and MR.column(m).group == MR.HEADLINE]
        parts[part] = [(e.label, e.kind, {m: study.cell(e, m) for m in metrics}, study.kinds(e, part))
                       for e in study.rows_of(part)]
    # answer kinds: every adapter, the joint ones too (their person and event forget answers)
    kinds = {part: [(lab, k) for lab, _, _, k in parts[part] if k] +
             [(f"{e.label} (both)", k) for e in study.methods("both") if (k := study.kinds(e, part))] for part in parts}
    return {"parts": parts, "kinds": kinds, "interference": interference(study),
            "efficacy": {"person": "person_efficacy", "event": study.event_metric("efficacy")},
            "retain": {"person": "person_retain", "event": study.event_metric("retain")},
            "headers": {part: {m: c for c, m in _columns(study, part) if m and MR.column(m).group == MR.HEADLINE}
                        for part in ("person", "event")}}


# ----------------------------------------------------------------------------- rendering
def render_md(blocks: list, depth: int = 0) -> str:
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append("#" * b[1] + " " + b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "pre":
            out.append("```\n" + b[1] + "\n```")
        elif b[0] == "ul":
            out.append("\n".join(f"- {x}" for x in b[1]))
        elif b[0] == "table":
            lines = ["| " + " | ".join(map(_md_cell, b[2])) + " |", "|" + "---|" * len(b[2])]
            out.append("\n".join(lines + ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b[3]]))
        elif b[0] == "img":
            out.append(f"![{b[2]}]({b[1]})\n\n*{b[2]}*")
        elif b[0] == "details":                              # markdown: a section of its own
            out.append(f"## {b[1]}\n\n" + render_md(b[2], depth + 1))
    return "\n\n".join(out) + "\n"


def _md_cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}th,td{border:1px solid #bbb;padding:.25em .5em;
text-align:left;vertical-align:top;white-space:nowrap}td:last-child{white-space:normal}th{background:#eef}
img{max-width:100%;border:1px solid #ddd}
figure{margin:1em 0}pre{background:#f6f6f6;padding:.8em;white-space:pre-wrap}summary{cursor:pointer;font-weight:bold}
.held{background:#d9f2d9}.not-held{background:#f8d7d7}.inconclusive{background:#eee}"""


def render_html(blocks: list, title: str, root: Path) -> str:
    """A self-contained page: CSS inline, figures as data: URIs read from ``root``."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n" + _html(blocks, root) + "\n</body></html>\n")


def _html(blocks: list, root: Path) -> str:
    e = html.escape
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            out.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "pre":
            out.append(f"<pre>{e(b[1])}</pre>")
        elif b[0] == "ul":
            out.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b[1]) + "</ul>")
        elif b[0] == "table":
            head = "".join(f"<th>{e(str(h))}</th>" for h in b[2])
            body = "".join("<tr>" + "".join(_td(c) for c in r) + "</tr>" for r in b[3])
            out.append(f'<table id="{e(b[1])}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
        elif b[0] == "img":
            data = base64.b64encode((root / b[1]).read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(b[2])}</figcaption></figure>")
        elif b[0] == "details":
            out.append(f"<details><summary>{e(b[1])}</summary>{_html(b[2], root)}</details>")
    return "\n".join(out)


def _td(c) -> str:
    cls = {FD.HELD: "held", FD.NOT_HELD: "not-held"}.get(c, "inconclusive" if str(c).startswith(FD.INCONCLUSIVE) else "")
    return f'<td class="{cls}">{html.escape(str(c))}</td>' if cls else f"<td>{html.escape(str(c))}</td>"
