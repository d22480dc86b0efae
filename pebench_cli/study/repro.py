"""Do two runs of a study reach the same conclusions? Cell by cell and verdict by verdict.

Two scoring folders (``summary.csv`` with their per-sample logs: two seeds, or the same seed on two
machines) are read as the report reads them. For every Table 1 and Table 2 cell: is run A's value
inside run B's 95 % interval, and B's inside A's? For every finding: the two verdicts, and whether
they CONFLICT (one "held", the other "not held"; "underpowered" or "inconclusive" against either is
no conflict: the data could not tell). Targets (issue 23): >= 95 % of cells inside, no conflict.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import findings as FD
from . import results as R
from .tables import columns, t2_metrics

CELL_TARGET = 0.95


@dataclass
class CellCheck:
    forget: str
    table: str
    row: str
    metric: str
    a: float
    a_ci: tuple[float, float] | None
    b: float
    b_ci: tuple[float, float] | None
    flagged: bool = False        # either side's interval is marked * (fewer than 3 seeds or 5 targets)

    @property
    def a_in_b(self) -> bool | None:
        return None if self.b_ci is None else self.b_ci[0] - 1e-9 <= self.a <= self.b_ci[1] + 1e-9

    @property
    def b_in_a(self) -> bool | None:
        return None if self.a_ci is None else self.a_ci[0] - 1e-9 <= self.b <= self.a_ci[1] + 1e-9


def _studies(summaries: list[Path]) -> dict[str, R.Study]:
    rows = [r for p in summaries for r in R.read_summary(p)]
    kind = R.event_kind_of(rows)
    return {f: R.Study(rows, f, kind) for f in R.forgets(rows)}


def _cells(study: R.Study):
    """(table, row label, metric, Cell) of Table 1 (both parts) and Table 2."""
    for part in ("person", "event"):
        for e in study.rows_of(part):
            for _, metric in columns(study, part):
                if metric is not None:
                    yield "Table 1 " + part, e.label, metric, study.cell(e, metric)
    for e in study.rows_of("both"):
        for _, metric in t2_metrics(study):
            yield "Table 2", e.label, metric, study.cell(e, metric)


def compare(summary_a: Path | list[Path], summary_b: Path | list[Path]) -> tuple[list[CellCheck], list[dict]]:
    """Cell checks and verdict pairs ({forget, pattern, a, b, conflict}) of two runs, each given by its
    summary.csv (or several: one per forget-set draw)."""
    sa, sb = _studies(R.as_paths(summary_a)), _studies(R.as_paths(summary_b))
    cells, verdicts = [], []
    for forget in sorted(set(sa) & set(sb)):
        a_cells = {(t, r, m): c for t, r, m, c in _cells(sa[forget])}
        for t, r, m, cb in _cells(sb[forget]):
            ca = a_cells.get((t, r, m))
            if ca is None or ca.value is None or cb.value is None:
                continue
            cells.append(CellCheck(forget, t, r, m, ca.value, ca.ci, cb.value, cb.ci, bool(ca.flags or cb.flags)))
        fa = {f["pattern"]: f["verdict"] for f in FD.findings(sa[forget])}
        for f in FD.findings(sb[forget]):
            va, vb = fa.get(f["pattern"]), f["verdict"]
            conflict = {va, vb} == {FD.HELD, FD.NOT_HELD}
            verdicts.append({"forget": forget, "pattern": f["pattern"], "a": va, "b": vb, "conflict": conflict})
    return cells, verdicts


def render(cells: list[CellCheck], verdicts: list[dict], label_a: str, label_b: str) -> str:
    """The printout: every cell, then the verdicts, then the totals against the targets."""
    out = [f"A: {label_a}", f"B: {label_b}", "",
           "| forget | table | row | metric | A [95% CI] | B [95% CI] | A in B | B in A |", "|---|---|---|---|---|---|---|---|"]

    def show(v, ci, metric):
        return FD.fmt(v, metric) + (f" [{FD.fmt(ci[0], metric)}, {FD.fmt(ci[1], metric)}]" if ci else " [no CI]")

    def yn(x):
        return "n/a" if x is None else "yes" if x else "NO"

    for c in cells:
        star = " *" if c.flagged else ""
        out.append(f"| {c.forget} | {c.table} | {c.row} | {c.metric}{star} | {show(c.a, c.a_ci, c.metric)} | "
                   f"{show(c.b, c.b_ci, c.metric)} | {yn(c.a_in_b)} | {yn(c.b_in_a)} |")
    out += ["", "| forget | finding | A | B | conflict |", "|---|---|---|---|---|"]
    out += [f"| {v['forget']} | ({v['pattern']}) | {v['a']} | {v['b']} | {'CONFLICT' if v['conflict'] else 'no'} |"
            for v in verdicts]
    def share(cs):
        checks = [x for c in cs for x in (c.a_in_b, c.b_in_a) if x is not None]
        return (sum(checks) / len(checks) if checks else float("nan")), len(checks)

    inside, n_checks = share(cells)
    parts = [(label, *share(cs)) for label, cs in (("cells marked * (the interval cannot cover a level)", [c for c in cells if c.flagged]),
                                                   ("cells with 3+ seeds and 5+ targets", [c for c in cells if not c.flagged]))]
    both = sum(bool(c.a_in_b and c.b_in_a) for c in cells)
    conflicts = sum(v["conflict"] for v in verdicts)
    agree = sum(v["a"] == v["b"] for v in verdicts)
    out += ["", f"cells: {len(cells)}; value inside the other run's interval: {inside:.1%} of {n_checks} checks "
                f"(target >= {CELL_TARGET:.0%}: {'met' if inside >= CELL_TARGET else 'NOT met'}); both ways: {both} of {len(cells)}",
            *(f"  {label}: {x:.1%} of {n} checks" for label, x, n in parts if n),
            f"verdicts: {agree} of {len(verdicts)} equal; held vs not held conflicts: {conflicts} "
            f"(target 0: {'met' if conflicts == 0 else 'NOT met'})"]
    return "\n".join(out) + "\n"
