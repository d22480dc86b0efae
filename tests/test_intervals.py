"""The intervals of pebench_tasks.scoring.intervals on synthetic tables with known structure."""
from __future__ import annotations

import numpy as np
import pytest

from pebench_tasks.scoring import intervals as I


def _experiment(rng, S, T, R, mu, sd_seed, sd_target, sd_row, targets_per_seed=False):
    """One study's rows: seed and target effects drawn from their populations (the truth is mu)."""
    seed_eff = rng.normal(0, sd_seed, S)
    shared = rng.normal(0, sd_target, T)
    rows = []
    for s in range(S):
        t_eff = rng.normal(0, sd_target, T) if targets_per_seed else shared
        for t in range(T):
            for r in range(R):
                rows.append((s, f"t{t}", f"q{t}-{r}", mu + seed_eff[s] + t_eff[t] + rng.normal(0, sd_row)))
    return I.Design.of(rows)


@pytest.mark.parametrize("per_seed", [False, True], ids=["crossed", "nested"])
def test_nested_bootstrap_covers_seed_and_target_variance_row_bootstrap_does_not(per_seed):
    """Coverage of the true mean over 200 synthetic studies (3 seeds x 6 targets x 10 rows; seed,
    target and row sd 0.3, 0.4, 0.5). Measured here: nested 0.89 (crossed) / 0.94 (nested), row
    bootstrap 0.34 / 0.45. A percentile bootstrap with 3 seeds and 6 targets under-covers somewhat;
    the bar is 0.85, and the row bootstrap must stay below 0.6."""
    from scipy.stats import bootstrap

    rng = np.random.default_rng(7)
    hit_nested = hit_rows = 0
    n = 200
    for k in range(n):
        d = _experiment(rng, 3, 6, 10, 0.0, 0.3, 0.4, 0.5, per_seed)
        lo, hi = I.interval(d, top=100.0, n=400, seed=k)
        hit_nested += lo <= 0.0 <= hi
        res = bootstrap((d.values(),), np.mean, n_resamples=400, method="percentile", random_state=np.random.default_rng(k))
        hit_rows += res.confidence_interval.low <= 0.0 <= res.confidence_interval.high
    print(f"coverage nested {hit_nested / n:.2f}, rows {hit_rows / n:.2f}")
    assert hit_nested / n >= 0.85
    assert hit_rows / n <= 0.6


def test_only_pairing_detects_a_small_consistent_shift():
    """Method B answers every question like A minus 2 points; the rows differ a lot from one another
    (targets of very different difficulty). Unpaired, the intervals overlap; paired, the difference
    is clearly negative."""
    rng = np.random.default_rng(0)
    base = {(t, r): rng.uniform(0, 100) for t in range(5) for r in range(12)}
    a = I.Design.of((s, f"t{t}", f"q{t}-{r}", v + rng.normal(0, 0.5)) for s in range(3) for (t, r), v in base.items())
    b = I.Design.of((s, t, q, v - 2.0 + rng.normal(0, 0.5)) for s, ts in a.seeds.items() for t, qs in ts.items()
                    for q, v in qs.items())
    ia, ib = I.interval(a, 100.0), I.interval(b, 100.0)
    assert ia[0] < ib[1] and ib[0] < ia[1]                        # unpaired: overlapping
    d = I.paired(b, a)
    assert d.value == pytest.approx(-2.0, abs=0.3)
    assert d.ci[1] < 0 and d.p < 0.01                              # paired: clearly below
    assert (d.n_seeds, d.n_targets, d.n_rows) == (3, 5, 180)


def test_a_one_seed_side_pairs_with_every_seed_and_rows_pair_by_key():
    a = I.Design.of([(s, "t", f"q{r}", 10.0 + s) for s in range(3) for r in range(4)])
    ft = I.Design.of([(0, "t", f"q{r}", 5.0) for r in range(3)])          # q3 not answered by Finetune
    al = I.align([a, ft])
    assert sorted(al[0].seeds) == sorted(al[1].seeds) == [0, 1, 2] and al[0].n_rows == al[1].n_rows == 9
    d = I.paired(a, ft)
    assert d.paired and d.value == pytest.approx(6.0)               # mean of 5, 6, 7
    # no row in common: compared unpaired, by two independent resamples
    other = I.Design.of([(0, "u", f"z{r}", 5.0 + r) for r in range(4)])
    assert I.paired(a, other) is None and not I.compare(a, other).paired


def test_normalised_gain_puts_the_bounds_at_0_and_1():
    rows = [(0, t, f"{t}{r}", 0.0) for t in "abcdef" for r in range(8)]
    ft = I.Design.of([(s, t, k, 90.0 + (r % 2)) for s, t, k, _ in rows for r in [int(k[1:])]])
    goal = I.Design.of([(s, t, k, 10.0 + (r % 2)) for s, t, k, _ in rows for r in [int(k[1:])]])
    half = I.Design.of([(s, t, k, 50.0 + (r % 2)) for s, t, k, _ in rows for r in [int(k[1:])]])
    g = I.gain(half, ft, goal)
    assert g.paired and g.value == pytest.approx(0.5) and g.ci[0] <= 0.5 <= g.ci[1]
    assert I.gain(ft, ft, goal).value == pytest.approx(0.0) and I.gain(goal, ft, goal).value == pytest.approx(1.0)
    assert I.gain(half, ft, ft) is None                              # no scale when the bounds coincide


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone: 0.02, 0.03, 0.06, 0.06
    assert I.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert I.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert I.holm([]) == []


def test_all_equal_cells_get_an_exact_interval_at_the_unit_level():
    """100 % on 2 targets x 1 seed: Clopper-Pearson for 2 of 2 units ([0.158, 1]), not [100, 100];
    0 on 6 units: [0, 0.459]. A cell with few seeds or targets says so."""
    full = I.Design.of([(0, t, f"{t}{r}", 100.0) for t in ("a", "b") for r in range(24)])
    lo, hi = I.interval(full, top=100.0)
    assert lo == pytest.approx(100 * 0.025 ** 0.5, abs=0.05) and hi == 100.0
    zero = I.Design.of([(s, t, f"{t}{r}", 0.0) for s in range(3) for t in ("a", "b") for r in range(5)])
    lo, hi = I.interval(zero, top=1.0)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 6), abs=1e-3)
    assert full.flags() == ["1 seed", "2 targets"] and zero.flags() == ["2 targets"]


def test_intervals_are_reproducible_and_widen_with_seed_variance():
    rng = np.random.default_rng(1)
    calm = _experiment(rng, 3, 6, 10, 50.0, 0.0, 0.0, 5.0)
    shaky = I.Design({s: {t: {k: v + 10.0 * s for k, v in r.items()} for t, r in ts.items()}
                      for s, ts in calm.seeds.items()})
    assert I.interval(calm, 100.0) == I.interval(calm, 100.0)
    w = [hi - lo for lo, hi in (I.interval(calm, 100.0), I.interval(shaky, 100.0))]
    assert w[1] > 3 * w[0]


def test_a_difference_no_resample_moves_gets_the_sign_test_p_not_zero():
    """Two constant sides off the bounds (e.g. ROUGE 0.7 vs 0.3 on every row): the bootstrap cannot
    move the difference, so p is the sign test's over the (seed, target) units, 2 x 0.5^6 here."""
    a = I.Design.of([(s, f"t{t}", f"q{t}", 0.7) for s in range(2) for t in range(3)])
    b = I.Design.of([(s, f"t{t}", f"q{t}", 0.3) for s in range(2) for t in range(3)])
    d = I.paired(a, b, n=200, top=1.0)
    assert d.paired and d.value == pytest.approx(0.4) and d.p == pytest.approx(2 * 0.5 ** 6)
    assert I.paired(a, a, n=200, top=1.0).p == 1.0


def test_scope_drop_beyond_its_control_drop():
    """Finding (iii)'s second comparison: (scope - Finetune's) - (control - Finetune's control). A
    drop only in the forget images is negative and significant; the same drop everywhere is not."""
    rng = np.random.default_rng(5)

    def design(mean, seeds=(0, 1, 2), targets=("a", "b", "c", "d")):
        return I.Design.of((s, t, f"{t}{k}", float(np.clip(mean + rng.normal(0, 0.05), 0, 1)))
                           for s in seeds for t in targets for k in range(12))

    ft_scope, ft_ctl = design(0.8, seeds=(0,)), design(0.8, seeds=(0,), targets=("w", "x", "y", "z"))
    local = I.drop_difference(design(0.4), ft_scope, design(0.8, targets=("w", "x", "y", "z")), ft_ctl)
    assert local.value == pytest.approx(-0.4, abs=0.03) and local.ci[1] < 0 and local.p < 0.05
    everywhere = I.drop_difference(design(0.4), ft_scope, design(0.4, targets=("w", "x", "y", "z")), ft_ctl)
    assert abs(everywhere.value) < 0.03 and everywhere.ci[0] < 0 < everywhere.ci[1]


def test_scope_and_control_drops_of_one_adapter_share_their_seed_draws():
    """The same adapters answer the scope and the control rows, so a seed that collapses everywhere
    moves both drops: the difference resamples seeds once for both (2026-12-07 code drew them
    independently and reported that seed variance as if it were in the difference)."""
    rng = np.random.default_rng(7)
    shift = {0: -0.25, 1: 0.0, 2: 0.25}                 # a strong seed effect, the same on both row sets

    def design(mean, seeds=(0, 1, 2), targets=("a", "b", "c", "d")):
        return I.Design.of((s, t, f"{t}{k}", float(np.clip(mean + shift.get(s, 0.0) * (len(seeds) > 1) + rng.normal(0, 0.02), 0, 1)))
                           for s in seeds for t in targets for k in range(12))

    ctl = ("w", "x", "y", "z")
    ft_scope, ft_ctl = design(0.7, seeds=(0,)), design(0.7, seeds=(0,), targets=ctl)
    everywhere = I.drop_difference(design(0.4), ft_scope, design(0.4, targets=ctl), ft_ctl)
    assert everywhere.paired and abs(everywhere.value) < 0.02
    assert everywhere.ci[1] - everywhere.ci[0] < 0.05, everywhere.ci     # drawn per side (2026-12-07 code): 0.67 wide
    local = I.drop_difference(design(0.4), ft_scope, design(0.65, targets=ctl), ft_ctl)
    assert local.value == pytest.approx(-0.25, abs=0.02) and local.ci[1] < 0 and local.p < 0.01   # was p 0.22
    # different models on the two sides (no common seed ids): drawn independently, as before
    other = I.drop_difference(design(0.4), ft_scope, design(0.4, seeds=(5, 6, 7), targets=ctl), ft_ctl)
    assert not other.paired
