"""The paper's patterns checked on our numbers, by fixed rules (OUR decision, not the paper's), and
the agreement of our method ranking with the paper's (Kendall tau).

Every comparison is a nested bootstrap over unlearning seeds, forget targets and answer rows
(pebench_tasks.scoring.intervals), paired wherever both sides answered the same questions, with a
two-sided p-value. The comparisons one finding makes are its FAMILY (listed in the report); their
p-values are Holm-adjusted within it. A comparison is SIGNIFICANT when its adjusted p < 0.05.
A unit (one method, or one method x concept) SHOWS the pattern when all its comparisons are
significant in the claimed direction, goes AGAINST it when one is significant in the opposite
direction, and is UNCLEAR otherwise. The finding is HELD when more than half of its units show it,
NOT HELD when more than half go against it, UNDERPOWERED when more than half are unclear (the
intervals cannot separate the claimed effect from zero: more seeds or targets are needed), and
INCONCLUSIVE otherwise (units disagree); with no unit measured it is NOT MEASURED.

(i)   Person forgetting is easy and retain collapses. Unit: each person-target method.
      Comparisons: efficacy - Finetune's efficacy > 0; retain - half of Finetune's retain < 0.
(ii)  Events are harder to forget than persons. Unit: each method run on both single targets.
      Comparison: normalised efficacy gain (x - Finetune) / (Goal - Finetune), person - event > 0
      (a common 0-1 scale for a name precision and an event score).
(iii) Forgetting one concept damages the other in the same images. Unit: each single-target method;
      person target -> person_scope, event target -> event_scope. Comparisons: scope - Finetune's < 0;
      and, where the scope control was scored, (scope - Finetune's) - (control - Finetune's control)
      < 0: the other concept drops more in the forget images than on clean images (a method that
      damages everything lowers both alike; since 2026-12-06).
(iv)  Joint unlearning is harder than single. Unit: each non-BGD method run on target both and on the
      single target, x concept. Comparison: efficacy (both) - efficacy (single) < 0.
(v)   BGD recovers efficacy. Unit: GD and KL x concept, target both.
      Comparison: efficacy (X+BGD) - efficacy (X) > 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from pebench_tasks.metrics import registry as MR
from pebench_tasks.scoring import intervals as I
from pebench_tasks.scoring.summary import TOP

SHOWS, AGAINST, UNCLEAR = "shows", "against", "unclear"
HELD, NOT_HELD, UNDERPOWERED, INCONCLUSIVE = "held", "not held", "underpowered", "inconclusive"
NOT_MEASURED = "inconclusive (not measured)"
ALPHA = 0.05                  # after Holm, within one finding's family
COLLAPSE_FRACTION = 0.5       # (i): retain below half of Finetune's
PAPER_METHODS = ("po", "ga", "gd", "kl", "siu", "dpo")
SCALE_100 = MR.scale_100()       # the 0-100 columns (the rest are 0-1)

PATTERNS = {
    "i": "Person forgetting is easy and the retain set collapses with it",
    "ii": "Events are harder to forget than persons (normalised gain)",
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


def fmt_delta(d: float, cmp: I.Paired | None, metric: str = "") -> str:
    """A difference with its paired CI (or the reason it has none)."""
    if cmp is None:
        return fmt_signed(d, metric) + " [no per-sample logs]"
    return f"{fmt_signed(d, metric)} [{fmt_signed(cmp.ci[0], metric)}, {fmt_signed(cmp.ci[1], metric)}]"


def fmt_cell(cell, metric: str = "", scale: float = 1.0) -> str:
    if cell is None or cell.value is None:
        return "n/a"
    ci = f" [{fmt(cell.ci[0] * scale, metric)}, {fmt(cell.ci[1] * scale, metric)}]" if cell.ci else " [no CI]"
    return fmt(cell.value * scale, metric) + ci


@dataclass
class Test:
    """One comparison of a finding's family: its statistic and the direction the pattern claims."""

    label: str
    cmp: I.Paired | None
    claim: int                     # +1: the statistic should be > 0; -1: < 0
    metric: str = ""
    p_adj: float | None = None

    def outcome(self) -> str:
        if self.cmp is None or self.p_adj is None or self.p_adj >= ALPHA:
            return UNCLEAR
        return SHOWS if (self.cmp.value > 0) == (self.claim > 0) else AGAINST

    def text(self) -> str:
        if self.cmp is None:
            return f"{self.label}: n/a (no per-sample logs)"
        c = self.cmp
        want = ">" if self.claim > 0 else "<"
        return (f"{self.label} {fmt_signed(c.value, self.metric)} [{fmt_signed(c.ci[0], self.metric)}, "
                f"{fmt_signed(c.ci[1], self.metric)}] (want {want} 0; p {c.p:.3g}, Holm {self.p_adj:.3g}"
                f"{'' if c.paired else ', unpaired'})")


def verdict(units: list[tuple[str, list[Test]]]) -> tuple[str, str, list[str]]:
    """(verdict, evidence, family): Holm over every comparison of the finding, then the rules."""
    tests = [t for _, ts in units for t in ts]
    family = [t.label for t in tests]
    if not units:
        return NOT_MEASURED, "no rows to compare", family
    measured = [t for t in tests if t.cmp is not None]
    for t, p in zip(measured, I.holm([t.cmp.p for t in measured])):
        t.p_adj = p
    outcomes = []
    parts = []
    for name, ts in units:
        got = [t.outcome() for t in ts]
        u = AGAINST if AGAINST in got else SHOWS if got and all(g == SHOWS for g in got) else UNCLEAR
        outcomes.append(u)
        parts.append(f"{name}: " + "; ".join(t.text() for t in ts) + f" -> {u}")
    n = len(outcomes)
    shown, against, unclear = (sum(o == k for o in outcomes) for k in (SHOWS, AGAINST, UNCLEAR))
    v = (HELD if 2 * shown > n else NOT_HELD if 2 * against > n else UNDERPOWERED if 2 * unclear > n
         else INCONCLUSIVE)
    return v, "; ".join(parts) + f". {shown} of {n} units show it, {against} go against it, {unclear} unclear.", family


def _cmp(s, a, b, metric: str, k: float = 1.0) -> I.Paired | None:
    ca, cb = s.cell(a, metric), s.cell(b, metric)
    if ca.design is None or cb.design is None:
        return None
    return I.compare(ca.design, cb.design, k=k, top=TOP[metric])


def _units_i(s) -> list:
    ft = s.finetune("person")
    if ft is None or s.cell(ft, "person_retain").value is None:
        return []
    out = []
    for e in s.methods("person"):
        if s.cell(e, "person_efficacy").value is None or s.cell(e, "person_retain").value is None:
            continue
        out.append((e.label, [
            Test(f"{e.label} efficacy - Finetune's", _cmp(s, e, ft, "person_efficacy"), +1, "person_efficacy"),
            Test(f"{e.label} retain - {COLLAPSE_FRACTION:g} x Finetune's", _cmp(s, e, ft, "person_retain", COLLAPSE_FRACTION),
                 -1, "person_retain")]))
    return out


def _triplet(s, e, metric: str, target: str):
    ft, goal = s.finetune(target), s.goal(target)
    cells = [s.cell(x, metric) if x is not None else None for x in (e, ft, goal)]
    if any(c is None or c.design is None for c in cells):
        return None
    return tuple(c.design for c in cells)


def _units_ii(s) -> list:
    ev = s.event_metric("efficacy")
    out = []
    for e in s.methods("person"):
        other = s.entry(e.method, "event")
        if other is None:
            continue
        p, q = _triplet(s, e, "person_efficacy", "person"), _triplet(s, other, ev, "event")
        cmp = I.gain_difference(p, q) if p and q else None
        out.append((e.label, [Test(f"{e.label} gain person - gain event", cmp, +1)]))
    return out


def _units_iii(s) -> list:
    out = []
    for target, metric in (("person", "person_scope"), ("event", "event_scope")):
        ft = s.finetune(target)
        if ft is None or s.cell(ft, metric).value is None:
            continue
        control = f"{metric}_control"
        for e in s.methods(target):
            if s.cell(e, metric).value is None:
                continue
            tests = [Test(f"{e.label} ({target}) {metric} - Finetune's", _cmp(s, e, ft, metric), -1, metric)]
            cells = [s.cell(x, m).design for x, m in ((e, metric), (ft, metric), (e, control), (ft, control))]
            if all(d is not None for d in cells):
                tests.append(Test(f"{e.label} ({target}) scope drop - control drop", I.drop_difference(*cells), -1, metric))
            out.append((f"{e.label} ({target})", tests))
    return out


def _units_iv(s) -> list:
    out = []
    for e in s.methods("both"):
        if e.bgd:
            continue
        for concept in ("person", "event"):
            metric = "person_efficacy" if concept == "person" else s.event_metric("efficacy")
            single = s.entry(e.method, concept)
            if single is None or s.cell(e, metric).value is None or s.cell(single, metric).value is None:
                continue
            out.append((f"{e.label} {concept}", [Test(f"{e.label} {concept} efficacy both - single",
                                                      _cmp(s, e, single, metric), -1, metric)]))
    return out


def _units_v(s) -> list:
    out = []
    for method in ("gd", "kl"):
        plain, bgd = s.entry(method, "both"), s.entry(method, "both", bgd=True)
        if plain is None or bgd is None:
            continue
        for concept in ("person", "event"):
            metric = "person_efficacy" if concept == "person" else s.event_metric("efficacy")
            if s.cell(bgd, metric).value is None or s.cell(plain, metric).value is None:
                continue
            out.append((f"{bgd.label} {concept}", [Test(f"{bgd.label} - {plain.label} {concept} efficacy",
                                                       _cmp(s, bgd, plain, metric), +1, metric)]))
    return out


def findings(study) -> list[dict]:
    """One dict per pattern: pattern, title, forget, verdict, evidence, family (its comparisons)."""
    out = []
    for key, units in (("i", _units_i), ("ii", _units_ii), ("iii", _units_iii), ("iv", _units_iv), ("v", _units_v)):
        v, evidence, family = verdict(units(study))
        out.append({"pattern": key, "title": PATTERNS[key], "forget": study.forget, "verdict": v, "evidence": evidence,
                    "family": family})
    return out


def kendall(ours: list[float], paper: list[float]) -> dict:
    """Kendall tau-b of two score lists over the same methods, with n and p; n/a below 3 methods,
    when the paper's column has ties (its ranking is not defined there) or nothing varies."""
    from scipy.stats import kendalltau

    n = len(ours)
    if n < 3:
        return {"n": n, "tau": None, "p": None, "note": "n/a (fewer than 3 methods)"}
    if len(set(paper)) < n:
        return {"n": n, "tau": None, "p": None, "note": "n/a (the paper's values are tied)"}
    res = kendalltau(ours, paper)
    if res.statistic is None or math.isnan(res.statistic):
        return {"n": n, "tau": None, "p": None, "note": "n/a (all tied)"}
    return {"n": n, "tau": float(res.statistic), "p": float(res.pvalue), "note": ""}


def ranking_agreement(study, paper_table1: dict, columns: list[tuple[str, str, str]]) -> list[dict]:
    """Kendall tau per Table 1 column: columns = [(part, paper key, our metric)], methods of the
    paper's Table 1 present in both."""
    out = []
    for part, key, metric in columns:
        if metric.endswith("_offline"):            # the paper's event columns are G-Eval: another metric
            out.append({"part": part, "column": key, "metric": metric, "methods": [], "n": 0, "tau": None, "p": None,
                        "note": "n/a (our offline score, not the paper's G-Eval)"})
            continue
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
