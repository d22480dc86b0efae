"""The report's tables (the paper's Table 1 and Table 2 layouts, the interference matrix, forget
quality) as header + rows of text, from a :class:`~pebench_cli.study.results.Study`."""
from __future__ import annotations

import numpy as np

from pebench_tasks.metrics import registry as MR
from pebench_tasks.metrics.answer_kinds import KINDS

from . import findings as FD
from .results import ORDER, Entry, Study, method_label

def columns(study: Study, target: str) -> list[tuple[str, str | None]]:
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
    cols = columns(study, target)
    head = (["Method"] + [c for c, _ in cols] + [f"Forget answers ({' / '.join(KINDS)})",
                                                  "Seeds x targets x rows (efficacy)"])
    body = []
    for e in study.rows_of(target):
        k = study.kinds(e, target)
        body.append([_row_label(e)] + [_show(study, e, m) for _, m in cols] + [" / ".join(f"{x:.2f}" for x in k) if k else "n/a"]
                    + [_design_text(study, e, cols[0][1])])
    return head, body


def t2_metrics(study: Study) -> list[tuple[str, str]]:
    return [("Person efficacy", "person_efficacy"), ("Person retain", "person_retain"),
            ("Event efficacy", study.event_metric("efficacy")), ("Event retain", study.event_metric("retain"))]


def table2(study: Study) -> tuple[list[str], list[list[str]]]:
    cols = t2_metrics(study)
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


def kendall_columns(study: Study) -> list[tuple[str, str, str]]:
    """(part, the paper's column, our metric) of every Table 1 column that stands for one of the paper's."""
    return [(part, c.paper, c.name) for part in ("person", "event")
            for _, c in MR.table1(part, study.event_kind) if c is not None and c.paper]


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
        label = {"finetune": "Finetune", "goal": "Goal"}.get(k[1]) or method_label(k[1], k[2])
        seeds = {r.get("seed") for r in rs}
        label += f" ({len(seeds)} seeds)" if len(seeds) > 1 else ""
        body.append([k[0], label, fmt(mean(rs, "forget_quality"), ".3g"), fmt(mean(rs, "ks_d"), ".2f"),
                     auc(rs),
                     f"{fmt(mean(rs, 'logprob_forget'), '.2f')} / {fmt(mean(rs, 'logprob_holdout'), '.2f')}",
                     fmt(mean(rs, "truth_ratio"), ".3g")])
    return head, body
