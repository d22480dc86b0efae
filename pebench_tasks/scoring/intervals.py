"""Intervals that cover what varies in a PEBench cell: unlearning seeds, forget targets, answer rows.

A cell (one model, one metric) is a nested design: seeds -> targets (the person or event a row is
about) -> rows. The rows of one target are not independent draws (the same person, the same
images), and a seed is one draw of the whole training. Resampling rows alone (as the summary's
one-sample CI does) therefore reports intervals as narrow as if a model had been trained once per
row: on 2026-12-06 a fresh clone on another CPU landed far outside them.

**Nested bootstrap** (our implementation; scipy's ``bootstrap`` resamples flat samples only): each
of ``N_RESAMPLES`` resamples draws the seeds with replacement, then the targets with replacement,
then within each drawn (seed, target) its rows with replacement. When every seed has the same
targets (the embedded default: one forget set, several unlearning seeds) the targets are drawn
once per resample and shared by the seeds (a crossed design: drawing them per seed would average
the target-choice variance away); when the targets differ by seed (paper.yaml draws a forget set
per seed) they are drawn within each seed. The statistic is the mean over drawn seeds of the mean
over their drawn rows (the metric as the task aggregates it, averaged over seeds: the cell's
value). Percentile interval (``numpy.quantile``), fixed seed. A level with one unit (one seed, one
target) contributes no variation: such a cell is flagged (fewer than ``MIN_SEEDS`` seeds /
``MIN_TARGETS`` targets).

**All-equal cells** (every row the same value, e.g. 100 % efficacy) would get a zero-width
interval. When the value is at a bound of the metric (0 or its maximum), the interval is the exact
Clopper-Pearson interval (``scipy.stats.binomtest``) with one trial per (seed, target) unit, the
level that varies: all n units at the bound is consistent with a true rate down to
(alpha/2)^(1/n). Our decision, documented in docs/study.md.

**Paired differences** (method vs Finetune, X+BGD vs X, ...): both sides answered the same
questions, so one resample draws the same seeds, targets and rows for both (``align``: the same
structure and one random seed give the same draws), and the statistic is the difference of the two
cell statistics. Seeds pair by seed id; a side with one seed (Finetune, a Goal model) is paired with
every seed of the other. Rows pair by ``qa_id``. Sides with no row in common (person vs event
questions) are resampled independently. Two-sided bootstrap p-value: 2 x the share of resamples on
the far side of 0 ((count + 1) / (N + 1), capped at 1).

**Normalised gain** (x - Finetune) / (Goal - Finetune) per column puts metrics of different scales
(a name precision, an event score) on one: 0 = nothing forgotten, 1 = as the model that never saw
the targets. Its interval resamples the three cells together.
**Holm** (step-down) adjusts the p-values of one family of comparisons (scipy has no Holm).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

N_RESAMPLES = 2000
CI_SEED = 0
LEVEL = 0.95
MIN_SEEDS, MIN_TARGETS = 3, 5


@dataclass(frozen=True)
class Design:
    """Per-row values of one cell: ``seeds[seed id][target key][row key] = value``."""

    seeds: dict

    @classmethod
    def of(cls, rows) -> "Design":
        """From (seed, target, row key, value) tuples."""
        out: dict = {}
        for seed, target, key, value in rows:
            out.setdefault(seed, {}).setdefault(target, {})[key] = float(value)
        return cls(out)

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def n_targets(self) -> int:
        return len({t for s in self.seeds.values() for t in s})

    @property
    def n_rows(self) -> int:
        return sum(len(r) for s in self.seeds.values() for r in s.values())

    def units(self) -> int:
        """(seed, target) pairs: the independent units of an all-equal cell."""
        return sum(len(s) for s in self.seeds.values())

    def value(self) -> float:
        """Mean over seeds of the mean over the seed's rows."""
        return float(np.mean([np.mean([v for r in s.values() for v in r.values()]) for s in self.seeds.values()]))

    def values(self) -> np.ndarray:
        return np.array([v for s in self.seeds.values() for r in s.values() for v in r.values()], dtype=float)

    def flags(self) -> list[str]:
        """What the interval cannot cover: too few seeds or targets for a nested bootstrap."""
        out = []
        if self.n_seeds < MIN_SEEDS:
            out.append(f"{self.n_seeds} seed{'s' * (self.n_seeds != 1)}")
        if self.n_targets < MIN_TARGETS:
            out.append(f"{self.n_targets} target{'s' * (self.n_targets != 1)}")
        return out


def _seed_stats(arrays: list[np.ndarray], pick: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One seed's mean for each row of ``pick`` (target indices into ``arrays``), rows resampled
    within each drawn target independently."""
    m, k = pick.shape
    sums = np.zeros((m, k))
    sizes = np.zeros((m, k))
    for c, vals in enumerate(arrays):
        where = pick == c
        count = int(where.sum())
        if count:
            draws = rng.integers(0, len(vals), size=(count, len(vals)))
            sums[where] = vals[draws].sum(axis=1)
            sizes[where] = len(vals)
    return sums.sum(axis=1) / sizes.sum(axis=1)


def resample(design: Design, n: int = N_RESAMPLES, seed: int = CI_SEED, seed_pick: np.ndarray | None = None) -> np.ndarray:
    """``n`` nested-bootstrap replicates of the cell's statistic (see the module doc). ``seed_pick``
    ((n, seeds) indices into the design's seeds): the seed draws of another design to share."""
    rng = np.random.default_rng(seed)
    ids = list(design.seeds)
    S = len(ids)
    drawn = rng.integers(0, S, size=(n, S))         # drawn even when given: the later draws stay the same
    seed_pick = drawn if seed_pick is None else seed_pick
    keys = [sorted(design.seeds[s], key=str) for s in ids]
    crossed = all(k == keys[0] for k in keys)
    shared = rng.integers(0, len(keys[0]), size=(n, len(keys[0]))) if crossed else None
    inner = np.empty((S, n, S))                     # inner[s, b, j]: seed s at position j of resample b
    for i, s in enumerate(ids):
        arrays = [np.fromiter(design.seeds[s][t].values(), dtype=float) for t in keys[i]]
        if crossed:
            pick = np.repeat(shared, S, axis=0)     # the same targets at every seed position of a resample
        else:
            pick = rng.integers(0, len(arrays), size=(n * S, len(arrays)))
        inner[i] = _seed_stats(arrays, pick, rng).reshape(n, S)
    return inner[seed_pick, np.arange(n)[:, None], np.arange(S)[None, :]].mean(axis=1)


def _at_bound(x: float, top: float) -> bool:
    return math.isclose(x, 0.0, abs_tol=1e-12) or math.isclose(x, top, rel_tol=1e-12)


def interval(design: Design, top: float, n: int = N_RESAMPLES, seed: int = CI_SEED) -> tuple[float, float]:
    """The cell's 95 % interval (see the module doc); ``top``: the metric's maximum (100 or 1)."""
    vals = design.values()
    if vals.size and np.all(vals == vals[0]) and _at_bound(float(vals[0]), top):
        from scipy.stats import binomtest

        units = design.units()
        hit = units if math.isclose(float(vals[0]), top) else 0
        ci = binomtest(hit, units).proportion_ci(LEVEL, method="exact")
        return (float(ci.low) * top, float(ci.high) * top)
    reps = resample(design, n, seed)
    lo, hi = np.quantile(reps, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
    return (float(lo), float(hi))


# ----------------------------------------------------------------------------- comparisons
@dataclass(frozen=True)
class Paired:
    """A comparison statistic (a - b, or a normalised gain): value, 95 % interval, two-sided
    bootstrap p of "it is 0", whether the two sides were paired, and the design it was resampled on."""

    value: float
    ci: tuple[float, float]
    p: float
    paired: bool
    n_seeds: int
    n_targets: int
    n_rows: int


def align(designs: list[Design]) -> list[Design] | None:
    """The designs on one structure, so that resampling them with one seed draws the same seeds,
    targets and rows for all: seeds paired by id (one-seed sides pair with every seed of the
    others; multi-seed sides sharing no id pair by sorted position), then the targets and rows
    (by key) that all of them have. None when they share no row."""
    if any(not d.seeds for d in designs):
        return None
    multi = [d for d in designs if len(d.seeds) > 1]
    if multi:
        common = sorted(set.intersection(*(set(d.seeds) for d in multi)), key=str)
        n = len(common) if common else min(len(d.seeds) for d in multi)
        ids = common or list(range(n))

        def seed_of(d, i):
            if len(d.seeds) == 1:
                return next(iter(d.seeds))
            return ids[i] if common else sorted(d.seeds, key=str)[i]
    else:
        ids = [next(iter(designs[0].seeds))]

        def seed_of(d, i):
            return next(iter(d.seeds))
    out: list[dict] = [{} for _ in designs]
    for i, sid in enumerate(ids):
        per = [d.seeds[seed_of(d, i)] for d in designs]
        targets = sorted(set.intersection(*(set(t) for t in per)), key=str)
        for t in targets:
            keys = sorted(set.intersection(*(set(x[t]) for x in per)), key=str)
            if not keys:
                continue
            for o, x in zip(out, per):
                o.setdefault(sid, {})[t] = {k: x[t][k] for k in keys}
    if not out[0]:
        return None
    # every seed must keep the same targets on all sides (it does: intersections are per seed)
    return [Design(o) for o in out]


def _summary(value: float, reps: np.ndarray, paired: bool, d: Design) -> Paired:
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return Paired(value, (value, value), 1.0, paired, d.n_seeds, d.n_targets, d.n_rows)
    lo, hi = np.quantile(reps, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
    n = reps.size
    if np.all(reps == reps[0]):      # no resample moves it: every unit the same way, the sign test's p
        p = 1.0 if value == 0 else min(1.0, 2.0 * 0.5 ** d.units())
    else:
        far = np.sum(reps <= 0) if value > 0 else np.sum(reps >= 0) if value < 0 else n
        p = min(1.0, 2.0 * (far + 1) / (n + 1))
    return Paired(value, (float(lo), float(hi)), float(p), paired, d.n_seeds, d.n_targets, d.n_rows)


def _exact_flip(a: Design, b: Design, top: float) -> Paired | None:
    """Paired sides each constant at a bound (every row flipped, or every row the same on both):
    no resample moves them, so the interval is exact at the (seed, target) level, as for a cell. A
    difference of +-top: all n units moved the same way (two-sided sign test p = 2 x 0.5^n, interval
    from the Clopper-Pearson bound of n of n); 0: no unit moved (p = 1, interval +-top x the upper
    bound of 0 of n)."""
    va, vb = a.values(), b.values()
    if not (np.all(va == va[0]) and np.all(vb == vb[0]) and _at_bound(float(va[0]), top) and _at_bound(float(vb[0]), top)):
        return None
    from scipy.stats import binomtest

    units = a.units()
    d = float(va[0] - vb[0])
    if d == 0:
        ub = float(binomtest(0, units).proportion_ci(LEVEL, method="exact").high)
        return Paired(0.0, (-top * ub, top * ub), 1.0, True, a.n_seeds, a.n_targets, a.n_rows)
    lb = float(binomtest(units, units).proportion_ci(LEVEL, method="exact").low)
    ci = (top * lb, top) if d > 0 else (-top, -top * lb)
    return Paired(d, ci, min(1.0, 2 * 0.5 ** units), True, a.n_seeds, a.n_targets, a.n_rows)


def compare(a: Design, b: Design, k: float = 1.0, n: int = N_RESAMPLES, seed: int = CI_SEED,
            top: float | None = None) -> Paired:
    """a - k * b: paired (same seeds, targets, rows) when they share rows, else two independent
    nested bootstraps. ``top`` (the metric's maximum) enables the exact case of ``_exact_flip``."""
    al = align([a, b])
    if al is not None:
        return _paired(al[0], al[1], k, n, seed, top)
    ra, rb = resample(a, n, seed), resample(b, n, seed + 1)
    return _summary(a.value() - k * b.value(), ra - k * rb, False, a)


def _paired(a: Design, b: Design, k: float, n: int, seed: int, top: float | None) -> Paired:
    """a - k * b of two aligned designs: one resampling seed draws the same units on both sides."""
    if top is not None and k == 1.0 and (exact := _exact_flip(a, b, top)) is not None:
        return exact
    ra, rb = resample(a, n, seed), resample(b, n, seed)
    return _summary(a.value() - k * b.value(), ra - k * rb, True, a)


def paired(a: Design, b: Design, n: int = N_RESAMPLES, seed: int = CI_SEED, top: float | None = None) -> Paired | None:
    """a - b over the rows both answered (None when they share none)."""
    al = align([a, b])
    return None if al is None else _paired(al[0], al[1], 1.0, n, seed, top)


def _gain(x: Design, lower: Design, upper: Design, n: int, seed: int):
    al = align([x, lower, upper])
    ds = al if al is not None else [x, lower, upper]
    vx, vl, vu = (d.value() for d in ds)
    if abs(vu - vl) < 1e-9:
        return None
    reps = [resample(d, n, seed if al is not None else seed + i) for i, d in enumerate(ds)]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (reps[0] - reps[1]) / (reps[2] - reps[1])
    return (vx - vl) / (vu - vl), g, al is not None, ds[0]


def gain(x: Design, lower: Design, upper: Design, n: int = N_RESAMPLES, seed: int = CI_SEED) -> Paired | None:
    """Normalised gain (x - lower) / (upper - lower): 0 = as the lower bound (the Finetune model),
    1 = as the upper (the Goal model); paired over the rows all three answered, else independent.
    None when the bounds coincide (no scale to normalise by)."""
    got = _gain(x, lower, upper, n, seed)
    return None if got is None else _summary(got[0], got[1], got[2], got[3])


def gain_difference(a: tuple[Design, Design, Design], b: tuple[Design, Design, Design],
                    n: int = N_RESAMPLES, seed: int = CI_SEED) -> Paired | None:
    """gain(*a) - gain(*b) for two concepts (different questions: resampled independently)."""
    ga, gb = _gain(*a, n, seed), _gain(*b, n, seed + 7)
    if ga is None or gb is None:
        return None
    return _summary(ga[0] - gb[0], ga[1] - gb[1], False, ga[3])


def drop_difference(a: Design, a0: Design, b: Design, b0: Design, n: int = N_RESAMPLES,
                    seed: int = CI_SEED) -> Paired | None:
    """(a - a0) - (b - b0): a's change from a0 beyond b's change from b0 (scope vs its control, each
    against the Finetune model). Each pair resampled paired (same rows). When a and b are the same
    models (the same seed ids: one adapter's scope and control rows), the two pairs share their seed
    draws (an adapter that collapses everywhere moves both drops; our decision, docs/study.md); their
    targets and rows (different questions) are drawn independently."""
    p1, p2 = align([a, a0]), align([b, b0])
    if p1 is None or p2 is None:
        return None
    same = list(p1[0].seeds) == list(p2[0].seeds)
    pick = np.random.default_rng(seed + 5).integers(0, p1[0].n_seeds, size=(n, p1[0].n_seeds)) if same else None
    r1 = resample(p1[0], n, seed, pick) - resample(p1[1], n, seed, pick)
    r2 = resample(p2[0], n, seed + 3, pick) - resample(p2[1], n, seed + 3, pick)
    value = (p1[0].value() - p1[1].value()) - (p2[0].value() - p2[1].value())
    return _summary(value, r1 - r2, same, p1[0])


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out
