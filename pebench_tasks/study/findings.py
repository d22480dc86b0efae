"""The paper's patterns checked on our numbers, by fixed rules (OUR decision, not the paper's), and
the agreement of our method ranking with the paper's (Kendall tau).

Every rule looks at "units" (one method, or one method x concept) of one forget size. A unit SHOWS
the pattern, goes AGAINST it, or is UNCLEAR. The pattern is HELD when more than half of its
units show it, NOT HELD when more than half go against it, else INCONCLUSIVE; with no unit
measured (rows missing) it is INCONCLUSIVE (NOT MEASURED). "CI" is the cell's 95% bootstrap CI;
"A clearly below B" means A's CI high < B's CI low (no overlap). A unit without a CI is unclear.

(i)   Person forgetting is easy and retain collapses. Unit: each person-target method.
      Shows: efficacy CI low >= 50 and clearly above Finetune's efficacy (the names were known
      before), and retain CI high < half of Finetune's retain.
      Against: efficacy CI high < 50, or retain CI low >= half of Finetune's retain.
(ii)  Events are harder to forget than persons, on a common 0-1 scale (person efficacy / 100 vs
      event efficacy). Unit: each method run on both single targets.
      Shows: event clearly below person. Against: person clearly below event.
(iii) Forgetting one concept damages the other in the same images. Unit: each single-target method;
      person target -> person_scope, event target -> event_scope, vs Finetune's.
      Shows: scope clearly below Finetune's. Against: scope clearly above Finetune's.
(iv)  Joint unlearning is harder than single. Unit: each non-BGD method run on target both and on
      the single target, x concept (person, event): the both-target efficacy vs the single-target one.
      Shows: both clearly below single. Against: single clearly below both.
(v)   BGD recovers efficacy. Unit: GD and KL x concept, target both: bootstrap CI of the difference
      of means (X+BGD - X) of the per-sample efficacies. Shows: CI low > 0. Against: CI high < 0.
      Without per-sample logs the unit is unclear.
"""
from __future__ import annotations

import math

import numpy as np

SHOWS, AGAINST, UNCLEAR = "shows", "against", "unclear"
HELD, NOT_HELD, INCONCLUSIVE, NOT_MEASURED = "held", "not held", "inconclusive", "inconclusive (not measured)"
EASY_EFFICACY = 50.0          # (i): more than half of the forget answers no longer name the person
COLLAPSE_FRACTION = 0.5       # (i): retain below half of Finetune's
PAPER_METHODS = ("po", "ga", "gd", "kl", "siu", "dpo")
SCALE_100 = {"person_efficacy", "person_generality", "person_retain", "event_scope", "pope_accuracy", "pope_f1"}
DELTA_RESAMPLES, DELTA_SEED = 2000, 0     # as summary.py's one-sample CIs

PATTERNS = {
    "i": "Person forgetting is easy and the retain set collapses with it",
    "ii": "Events are harder to forget than persons (common 0-1 scale)",
    "iii": "Forgetting one concept damages the other in the same images (scope below Finetune's)",
    "iv": "Joint unlearning (target both) is harder than single-target unlearning",
    "v": "BGD recovers efficacy over GD / KL under joint unlearning",
}
RULES_TEXT = __doc__.split("\n\n", 1)[1].strip()     # shown in the report as written here


def fmt(v, metric: str = "") -> str:
    """0-100 metrics with one decimal, 0-1 metrics with three."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:.1f}" if metric in SCALE_100 else f"{v:.3f}"


def fmt_signed(v: float, metric: str = "") -> str:
    return f"{v:+.1f}" if metric in SCALE_100 else f"{v:+.3f}"


def fmt_delta(d: float, ci, metric: str = "") -> str:
    """A difference with its CI (or the reason it has none)."""
    if ci is None:
        return fmt_signed(d, metric) + " [no per-sample logs]"
    return f"{fmt_signed(d, metric)} [{fmt_signed(ci[0], metric)}, {fmt_signed(ci[1], metric)}]"


def fmt_cell(cell, metric: str = "", scale: float = 1.0) -> str:
    if cell is None or cell.value is None:
        return "n/a"
    ci = f" [{fmt(cell.ci[0] * scale, metric)}, {fmt(cell.ci[1] * scale, metric)}]" if cell.ci else " [no CI]"
    return fmt(cell.value * scale, metric) + ci


def delta_ci(x, y) -> tuple[float, tuple[float, float] | None]:
    """mean(x) - mean(y) and the bootstrap 95% CI of that difference (two independent samples,
    percentile method, 2,000 resamples, seed 0). CI None when a sample is empty."""
    from scipy.stats import bootstrap

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return (float("nan"), None)
    d = float(x.mean() - y.mean())
    if np.all(x == x[0]) and np.all(y == y[0]):      # every resample is the same: scipy would warn
        return (d, (d, d))
    res = bootstrap((x, y), lambda a, b, axis=-1: a.mean(axis=axis) - b.mean(axis=axis), vectorized=True,
                    confidence_level=0.95, n_resamples=DELTA_RESAMPLES, method="percentile",
                    random_state=np.random.default_rng(DELTA_SEED))
    return (d, (float(res.confidence_interval.low), float(res.confidence_interval.high)))


def _below(a, b) -> bool | None:
    """a clearly below b (CI high < CI low); None when a CI is missing."""
    if a is None or b is None or a.ci is None or b.ci is None:
        return None
    return a.ci[1] < b.ci[0]


def _compare(a, b) -> str:
    """SHOWS when a is clearly below b, AGAINST when b is clearly below a."""
    lo = _below(a, b)
    if lo is None:
        return UNCLEAR
    return SHOWS if lo else AGAINST if _below(b, a) else UNCLEAR


def verdict(units: list[tuple[str, str]]) -> tuple[str, str]:
    if not units:
        return NOT_MEASURED, "no rows to compare"
    n, shown, against = len(units), sum(u == SHOWS for u, _ in units), sum(u == AGAINST for u, _ in units)
    v = HELD if 2 * shown > n else NOT_HELD if 2 * against > n else INCONCLUSIVE
    return v, "; ".join(t for _, t in units) + f". {shown} of {n} units show it, {against} go against it."


def _units_i(s) -> list:
    ft = s.finetune("person")
    ft_ret = s.cell(ft, "person_retain") if ft else None
    if ft_ret is None or ft_ret.value is None:
        return []
    ft_eff = s.cell(ft, "person_efficacy")
    limit = COLLAPSE_FRACTION * ft_ret.value
    out = []
    for e in s.methods("person"):
        eff, ret = s.cell(e, "person_efficacy"), s.cell(e, "person_retain")
        if eff.value is None or ret.value is None:
            continue
        if eff.ci is None or ret.ci is None:
            u = UNCLEAR
        elif eff.ci[0] >= EASY_EFFICACY and _below(ft_eff, eff) and ret.ci[1] < limit:
            u = SHOWS
        elif eff.ci[1] < EASY_EFFICACY or ret.ci[0] >= limit:
            u = AGAINST
        else:
            u = UNCLEAR
        text = (f"{e.label}: efficacy {fmt_cell(eff, 'person_efficacy')} vs {EASY_EFFICACY:g} and Finetune's "
                f"{fmt_cell(ft_eff, 'person_efficacy')}, retain "
                f"{fmt_cell(ret, 'person_retain')} vs {fmt(limit, 'person_retain')} (half of Finetune's) -> {u}")
        out.append((u, text))
    return out


def _units_ii(s) -> list:
    ev = s.event_metric("efficacy")
    out = []
    for e in s.methods("person"):
        other = s.entry(e.method, "event")
        if other is None:
            continue
        p, q = s.cell(e, "person_efficacy"), s.cell(other, ev)
        if p.value is None or q.value is None:
            continue
        p01 = p.scaled(0.01)
        u = _compare(q, p01)
        out.append((u, f"{e.label}: event {fmt_cell(q, ev)} vs person/100 {fmt_cell(p01)} -> {u}"))
    return out


def _units_iii(s) -> list:
    out = []
    for target, metric in (("person", "person_scope"), ("event", "event_scope")):
        ft = s.finetune(target)
        ref = s.cell(ft, metric) if ft else None
        if ref is None or ref.value is None:
            continue
        for e in s.methods(target):
            c = s.cell(e, metric)
            if c.value is None:
                continue
            u = _compare(c, ref)
            out.append((u, f"{e.label} ({target}): {metric} {fmt_cell(c, metric)} vs Finetune {fmt_cell(ref, metric)} -> {u}"))
    return out


def _units_iv(s) -> list:
    out = []
    for e in s.methods("both"):
        if e.bgd:
            continue
        for concept in ("person", "event"):
            metric = "person_efficacy" if concept == "person" else s.event_metric("efficacy")
            single = s.entry(e.method, concept)
            if single is None:
                continue
            j, one = s.cell(e, metric), s.cell(single, metric)
            if j.value is None or one.value is None:
                continue
            u = _compare(j, one)
            out.append((u, f"{e.label} {concept}: both {fmt_cell(j, metric)} vs single {fmt_cell(one, metric)} -> {u}"))
    return out


def _units_v(s) -> list:
    out = []
    for method in ("gd", "kl"):
        plain, bgd = s.entry(method, "both"), s.entry(method, "both", bgd=True)
        if plain is None or bgd is None:
            continue
        for concept in ("person", "event"):
            metric = "person_efficacy" if concept == "person" else s.event_metric("efficacy")
            d, ci = s.delta(bgd, plain, metric)
            if d is None:
                continue
            u = UNCLEAR if ci is None else SHOWS if ci[0] > 0 else AGAINST if ci[1] < 0 else UNCLEAR
            shown = fmt_delta(d, ci, metric)
            out.append((u, f"{bgd.label} - {plain.label} {concept} efficacy: {shown} -> {u}"))
    return out


def findings(study) -> list[dict]:
    """One dict per pattern: pattern, title, forget, verdict, evidence."""
    out = []
    for key, units in (("i", _units_i), ("ii", _units_ii), ("iii", _units_iii), ("iv", _units_iv), ("v", _units_v)):
        v, evidence = verdict(units(study))
        out.append({"pattern": key, "title": PATTERNS[key], "forget": study.forget, "verdict": v, "evidence": evidence})
    return out


def kendall(ours: list[float], paper: list[float]) -> dict:
    """Kendall tau-b of two score lists over the same methods; n/a below 3 methods or without variation."""
    from scipy.stats import kendalltau

    n = len(ours)
    if n < 3:
        return {"n": n, "tau": None, "p": None, "note": "n/a (fewer than 3 methods)"}
    res = kendalltau(ours, paper)
    if res.statistic is None or math.isnan(res.statistic):
        return {"n": n, "tau": None, "p": None, "note": "n/a (all tied)"}
    return {"n": n, "tau": float(res.statistic), "p": float(res.pvalue), "note": ""}


def ranking_agreement(study, paper_table1: dict, columns: list[tuple[str, str, str]]) -> list[dict]:
    """Kendall tau per Table 1 column: columns = [(part, paper key, our metric)], methods of the
    paper's Table 1 present in both."""
    out = []
    for part, key, metric in columns:
        ours, theirs, names = [], [], []
        ref = paper_table1.get(part, {})
        for e in study.methods(part):
            c = study.cell(e, metric)
            p = ref.get(e.label, {}).get(key)
            if e.method in PAPER_METHODS and not e.bgd and c.value is not None and p is not None:
                ours.append(c.value)
                theirs.append(float(p))
                names.append(e.label)
        out.append({"part": part, "column": key, "metric": metric, "methods": names, **kendall(ours, theirs)})
    return out
