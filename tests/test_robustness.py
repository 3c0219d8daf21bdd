"""Exact rank bounds in a weight box: a hand-worked case, closed forms against linprog,
MILP bounds against brute force (exact for D = 2, subset enumeration for D = 3),
and the pandas wrapper on the demo province."""

from __future__ import annotations

import itertools
import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import load_framework
from zhenxing.robustness.screen import _quiet_highs
from zhenxing.robustness import (
    box_extremes,
    group_scores,
    pair_differences,
    pairwise_dominance,
    rank_bounds,
    rank_bounds_table,
    smallest_swap,
)
from zhenxing.precision import to_steps
from zhenxing.scoring import ScoringOptions, competition_rank, score_arrays, score_year

from .conftest import ROOT

# ---------------------------------------------------------------------------
# the hand-worked example
# ---------------------------------------------------------------------------
# Two dimensions, w0 = (50, 50), spread 0.2: w_0, w_1 in [40, 60]. Only the share
# p = w_0 / (w_0 + w_1) matters; it ranges over [40/100, 60/100] = [0.4, 0.6].
#   U0: A = (1, 0),     c = 0  ->  s0 = 100 p          in [40, 60]
#   U1: A = (0, 1),     c = 0  ->  s1 = 100 (1 - p)    in [40, 60]
#   U2: A = (.5, .5),   c = 5  ->  s2 = 55             (constant)
#   U3: A = (.3, .2),   c = 0  ->  s3 = 20 + 10 p      in [24, 26]
# Nominal (p = .5): 50, 50, 55, 25 -> ranks 2, 2, 1, 4 (U0 and U1 tie).
# U0 beats U2 iff p > .55; U1 beats U2 iff p < .45; U0 beats U1 iff p > .5.
#   p = .6: 60, 40, 55, 26 -> ranks 1, 3, 2, 4      p = .4: 40, 60, 55, 24 -> ranks 3, 1, 2, 4
#   p = .5: U2 first.  U2 can never be third (needs p > .55 and p < .45 at once).
# So best = (1, 1, 1, 4) and worst = (3, 3, 2, 4). U3 is beaten by everyone for
# every p (s3 <= 26 < 40) and beats no one.
HAND_A = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.3, 0.2]])
HAND_C = np.array([0.0, 0.0, 5.0, 0.0])
HAND_W0 = np.array([50.0, 50.0])
HAND_LO, HAND_HI = HAND_W0 * 0.8, HAND_W0 * 1.2


def test_hand_pair_differences_and_dominance():
    d = pair_differences(HAND_A, HAND_C)
    # d[i=2, j=0] = 100 (A0 - A2) + (c0 - c2) = (50 - 5, -50 - 5) = (45, -55)
    np.testing.assert_allclose(d[2, 0], [45.0, -55.0])
    dom = pairwise_dominance(HAND_A, HAND_C, HAND_LO, HAND_HI)
    # min over the box of 45 w0 - 55 w1 = 45*40 - 55*60 = -1500, max = 45*60 - 55*40 = 500
    assert dom.lower[2, 0] == pytest.approx(-1500.0)
    assert dom.upper[2, 0] == pytest.approx(500.0)
    # U3 is beaten by U0, U1, U2 always; nobody else is beaten always
    expected_always = np.zeros((4, 4), dtype=bool)
    expected_always[3, :3] = True
    np.testing.assert_array_equal(dom.always, expected_always)
    # U3 never beats U0, U1, U2; every other pair is undecided
    expected_never = np.zeros((4, 4), dtype=bool)
    expected_never[:3, 3] = True
    np.testing.assert_array_equal(dom.never, expected_never)
    assert np.isnan(dom.lower[1, 1])


def test_hand_rank_bounds_and_witnesses():
    rb = rank_bounds(HAND_A, HAND_C, HAND_LO, HAND_HI)
    np.testing.assert_array_equal(rb.best, [1, 1, 1, 4])
    np.testing.assert_array_equal(rb.worst, [3, 3, 2, 4])
    np.testing.assert_array_equal(rb.n_always, [0, 0, 0, 3])
    np.testing.assert_array_equal(rb.n_never, [1, 1, 1, 0])
    for i in range(4):
        for w, bound in ((rb.best_weights[i], rb.best[i]), (rb.worst_weights[i], rb.worst[i])):
            assert np.all(w >= HAND_LO - 1e-9) and np.all(w <= HAND_HI + 1e-9)
            assert competition_rank(group_scores(HAND_A, HAND_C, w)[0])[i] == bound
    # the nominal ranks lie inside the bounds
    nominal = competition_rank(group_scores(HAND_A, HAND_C, HAND_W0)[0])
    np.testing.assert_array_equal(nominal, [2, 2, 1, 4])
    assert np.all((rb.best <= nominal) & (nominal <= rb.worst))


def test_hand_rank_bounds_within_groups():
    # groups {U0, U1} and {U2, U3}: U0/U1 can each be first or second; U2 always above U3
    rb = rank_bounds(HAND_A, HAND_C, HAND_LO, HAND_HI, groups=np.array([0, 0, 1, 1]))
    np.testing.assert_array_equal(rb.best, [1, 1, 1, 2])
    np.testing.assert_array_equal(rb.worst, [2, 2, 1, 2])


def test_hand_exact_tie_gives_the_best_rank():
    # A = (1,0), (0,1), (.5,.5), all c = 0: at p = .5 all three score 50 and share rank 1.
    # U2 is second for every other p, so its best rank (1) exists only at an exact tie.
    A = HAND_A[:3]
    rb = rank_bounds(A, np.zeros(3), HAND_LO, HAND_HI)
    np.testing.assert_array_equal(rb.best, [1, 1, 1])
    np.testing.assert_array_equal(rb.worst, [3, 3, 2])


def test_hand_smallest_swap():
    # U0 above U2 needs p > .55: w = 50 (1 + t, 1 - t) gives p = (1 + t) / 2 -> t = 0.1, w = (55, 45)
    t, w = smallest_swap(HAND_A, HAND_C, HAND_W0, i=2, j=0)
    assert t == pytest.approx(0.1, abs=1e-8)
    np.testing.assert_allclose(w, [55.0, 45.0], atol=1e-6)
    # by a margin of 1 point: 100 p >= 56 -> p >= .56 -> t = 0.12
    assert smallest_swap(HAND_A, HAND_C, HAND_W0, 2, 0, margin=1.0).t == pytest.approx(0.12, abs=1e-12)
    # U3 above U0: 20 + 10 p > 100 p -> p < 2/9; p = (1 - t) / 2 -> t > 5/9
    t, w = smallest_swap(HAND_A, HAND_C, HAND_W0, i=0, j=3)
    assert t == pytest.approx(5 / 9, abs=1e-8)
    np.testing.assert_allclose(w, [50 * (1 - 5 / 9), 50 * (1 + 5 / 9)], atol=1e-6)
    # U2 dominates U3 on every dimension and in c: no weights swap them
    t, w = smallest_swap(HAND_A, HAND_C, HAND_W0, i=2, j=3)
    assert t == math.inf and w is None
    # U2 is already above U0: no change needed
    t, w = smallest_swap(HAND_A, HAND_C, HAND_W0, i=0, j=2)
    assert t == 0.0
    np.testing.assert_array_equal(w, HAND_W0)
    # U0 and U1 tie exactly at w0: the default margin eps = 1e-7 points needs
    # 100 (w1 - w0) >= eps (w0 + w1) -> 100 * 100 t >= 100 eps -> t = eps / 100 = 1e-9
    t, w = smallest_swap(HAND_A, HAND_C, HAND_W0, i=0, j=1)
    assert t == pytest.approx(1e-9, rel=1e-6)
    s = group_scores(HAND_A, HAND_C, w)[0]
    assert s[1] > s[0]
    assert smallest_swap(HAND_A, HAND_C, HAND_W0, 0, 1, margin=0.0).t == 0.0


# ---------------------------------------------------------------------------
# closed forms against linprog
# ---------------------------------------------------------------------------


def test_box_extremes_match_linprog():
    rng = np.random.default_rng(1)
    for _ in range(60):
        D = int(rng.integers(2, 9))
        d = rng.normal(size=D) * rng.choice([1, 100])
        d[rng.random(D) < 0.2] = 0.0
        lo = rng.uniform(0, 20, D)
        hi = lo + rng.uniform(0, 20, D)
        mn, mx = box_extremes(d, lo, hi)
        res_min = linprog(d, bounds=list(zip(lo, hi)), method="highs")
        res_max = linprog(-d, bounds=list(zip(lo, hi)), method="highs")
        assert mn == pytest.approx(res_min.fun, abs=1e-7 * (1 + abs(mn)))
        assert mx == pytest.approx(-res_max.fun, abs=1e-7 * (1 + abs(mx)))


def test_dominance_matches_pairwise_linprogs():
    rng = np.random.default_rng(2)
    n, D = 6, 4
    A = rng.random((n, D))
    c = rng.choice([0.0, 0.0, 1.5, -2.0], n)
    w0 = rng.uniform(5, 40, D)
    lo, hi = w0 * 0.7, w0 * 1.3
    dom = pairwise_dominance(A, c, lo, hi, scale=100)
    for i, j in itertools.permutations(range(n), 2):
        d = 100 * (A[j] - A[i]) + (c[j] - c[i])
        mn = linprog(d, bounds=list(zip(lo, hi)), method="highs").fun
        mx = -linprog(-d, bounds=list(zip(lo, hi)), method="highs").fun
        assert dom.always[i, j] == (mn > 1e-9)
        assert dom.never[i, j] == (mx <= 1e-9)


def _swap_lp(A, c, w0, i, j, margin, scale=100.0):
    """min t s.t. (d - margin)·w >= 0, w0(1-t) <= w <= w0(1+t), w >= 0, Σw >= min w0, 0 <= t <= 1."""
    D = len(w0)
    e = scale * (A[j] - A[i]) + (c[j] - c[i] - margin)
    cost = np.r_[np.zeros(D), 1.0]
    rows, rhs = [], []
    rows.append(np.r_[-e, 0.0])
    rhs.append(0.0)
    for k in range(D):
        r = np.zeros(D + 1)
        r[k], r[D] = 1.0, -w0[k]  # w_k - w0_k t <= w0_k
        rows.append(r)
        rhs.append(w0[k])
        r = np.zeros(D + 1)
        r[k], r[D] = -1.0, -w0[k]  # -w_k - w0_k t <= -w0_k
        rows.append(r)
        rhs.append(-w0[k])
    rows.append(np.r_[-np.ones(D), 0.0])  # Σ w >= min w0 (rules out w = 0 at t = 1)
    rhs.append(-w0.min())
    res = linprog(cost, A_ub=np.array(rows), b_ub=rhs, bounds=[(0, None)] * D + [(0, 1)], method="highs")
    return res.fun if res.status == 0 else math.inf


def test_smallest_swap_matches_linprog():
    rng = np.random.default_rng(3)
    checked_finite = 0
    for _ in range(80):
        D = int(rng.integers(2, 6))
        A = rng.random((2, D))
        c = rng.choice([0.0, 1.0, -3.0], 2)
        w0 = rng.uniform(1, 30, D)
        margin = float(rng.choice([1e-7, 0.5]))
        t, w = smallest_swap(A, c, w0, 0, 1, margin=margin)
        t_lp = _swap_lp(A, c, w0, 0, 1, margin)
        if math.isinf(t):
            assert math.isinf(t_lp) or t_lp == pytest.approx(1.0, abs=1e-9)
            continue
        checked_finite += 1
        assert t == pytest.approx(t_lp, abs=1e-7)
        assert np.all(np.abs(w - w0) <= t * w0 + 1e-9)
        s = group_scores(A, c, w)[0]
        assert s[1] - s[0] >= margin - 1e-9
    assert checked_finite > 40


# ---------------------------------------------------------------------------
# MILP bounds against brute force
# ---------------------------------------------------------------------------


def _random_instance(rng, n, D):
    A = rng.random((n, D))
    c = rng.choice([0.0, 0.0, 0.0, 2.0, -1.0], n)
    if n >= 4:
        A[1] = A[0]  # a duplicate unit: ties with U0 for every w
        c[1] = c[0]
        A[3] = A[2]  # same attainments, different adjustment: always above / below
        c[3] = c[2] + 0.5
    w0 = rng.uniform(5, 30, D)
    w0 *= 100 / w0.sum()
    spread = float(rng.choice([0.1, 0.3, 0.6]))
    return A, c, w0 * (1 - spread), w0 * (1 + spread)


def _point_for_ratio(r, lo, hi):
    """A weight vector in the 2-D box with w0 / w1 = r (r inside the box's range)."""
    w1 = min(hi[1], hi[0] / r)
    return np.array([r * w1, w1])


def _check_exhaustive_2d(seed: int, n: int | None = None) -> int:
    """Compare rank_bounds with an exhaustive search for D = 2; return the number of MILPs used.

    With D = 2 the ranks depend only on r = w0 / w1, which ranges over
    [lo0 / hi1, hi0 / lo1]. Each comparison flips once, at r* = -d_1 / d_0. The
    ranks are constant between consecutive flips, so the two ends, every flip
    point and every midpoint between flips visit every attainable rank vector:
    the min and max over these points are the exact best and worst ranks.
    """
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 10)) if n is None else n
    A, c, lo, hi = _random_instance(rng, n, 2)
    groups = rng.integers(0, 2, n) if seed % 3 == 0 else np.zeros(n, dtype=int)
    rb = rank_bounds(A, c, lo, hi, groups)
    r_lo, r_hi = lo[0] / hi[1], hi[0] / lo[1]
    d = pair_differences(A, c)
    flips = []
    for i, j in itertools.permutations(range(n), 2):
        if groups[i] == groups[j] and d[i, j, 0] != 0:
            r = -d[i, j, 1] / d[i, j, 0]
            if r_lo < r < r_hi:
                flips.append(r)
    pts = np.unique(np.r_[r_lo, r_hi, flips])
    candidates = np.r_[pts, (pts[1:] + pts[:-1]) / 2]
    ranks = np.array([competition_rank(group_scores(A, c, _point_for_ratio(r, lo, hi))[0], groups) for r in candidates])
    np.testing.assert_array_equal(rb.best, ranks.min(axis=0))
    np.testing.assert_array_equal(rb.worst, ranks.max(axis=0))
    # and a fine grid of 2001 ratios stays inside the bounds
    grid = np.linspace(r_lo, r_hi, 2001)
    granks = np.array([competition_rank(group_scores(A, c, _point_for_ratio(r, lo, hi))[0], groups) for r in grid])
    assert np.all(granks >= rb.best) and np.all(granks <= rb.worst)
    return rb.n_milp


@pytest.mark.parametrize("seed", range(12))
def test_bounds_equal_exhaustive_search_in_two_dimensions(seed):
    _check_exhaustive_2d(seed)


def test_bounds_equal_exhaustive_search_where_the_milp_is_needed():
    # larger instances: the screen (box corners and centre) rarely settles every bound,
    # so these exercise the MILP itself
    used = sum(_check_exhaustive_2d(1000 + seed, n=9) for seed in range(15))
    assert used >= 10


def _enumerated_bounds(A, c, lo, hi, i, eps):
    """Best / worst rank of unit i by enumerating which undecided rivals beat it:
    one LP feasibility problem per subset S (S beat i by >= eps points, the rest do not beat i)."""
    n = len(A)
    d = pair_differences(A, c)[i]
    mn, mx = box_extremes(d, lo, hi)
    always = [j for j in range(n) if j != i and mn[j] > 0]
    und = [j for j in range(n) if j != i and mn[j] <= 0 < mx[j]]
    feasible_sizes = []
    for size in range(len(und) + 1):
        for S in itertools.combinations(und, size):
            rows, rhs = [], []
            for j in und:
                if j in S:  # (d_j - eps)·w >= 0
                    rows.append(-(d[j] - eps))
                else:  # d_j·w <= 0
                    rows.append(d[j])
                rhs.append(0.0)
            res = linprog(np.zeros(len(lo)), A_ub=np.array(rows) if rows else None, b_ub=rhs or None,
                          bounds=list(zip(lo, hi)), method="highs")  # fmt: skip
            if res.status == 0:
                feasible_sizes.append(size)
    return 1 + len(always) + min(feasible_sizes), 1 + len(always) + max(feasible_sizes)


@pytest.mark.parametrize("seed", range(6))
def test_bounds_equal_subset_enumeration_and_contain_samples_in_three_dimensions(seed):
    rng = np.random.default_rng(200 + seed)
    n = 6
    A, c, lo, hi = _random_instance(rng, n, 3)
    rb = rank_bounds(A, c, lo, hi)
    for i in range(n):
        assert (rb.best[i], rb.worst[i]) == _enumerated_bounds(A, c, lo, hi, i, eps=1e-3)
    # every sampled weight vector (random points and the 8 vertices) gives ranks inside the bounds
    W = lo + rng.random((3000, 3)) * (hi - lo)
    corners = np.array(list(itertools.product((0, 1), repeat=3)))
    W = np.vstack([W, lo + corners * (hi - lo)])
    S = group_scores(A, c, W)
    R = np.array([competition_rank(s) for s in S])
    assert np.all(R >= rb.best) and np.all(R <= rb.worst)
    # the witnesses reach the bounds exactly
    for i in range(n):
        assert competition_rank(group_scores(A, c, rb.best_weights[i])[0])[i] == rb.best[i]
        assert competition_rank(group_scores(A, c, rb.worst_weights[i])[0])[i] == rb.worst[i]


def test_bounds_widen_with_the_box():
    rng = np.random.default_rng(7)
    A = rng.random((12, 4))
    c = np.zeros(12)
    w0 = np.array([40.0, 30.0, 20.0, 10.0])
    prev = None
    for x in (0.05, 0.2, 0.5):
        rb = rank_bounds(A, c, w0 * (1 - x), w0 * (1 + x))
        if prev is not None:
            assert np.all(rb.best <= prev.best) and np.all(rb.worst >= prev.worst)
        prev = rb
    assert (prev.worst - prev.best).max() > 0


def test_core_rejects_a_bad_box():
    with pytest.raises(ValueError):
        rank_bounds(HAND_A, HAND_C, HAND_HI, HAND_LO)
    with pytest.raises(ValueError):
        pairwise_dominance(HAND_A, HAND_C[:2], HAND_LO, HAND_HI)


def test_highs_debug_line_is_dropped_and_other_output_kept(capfd):
    with _quiet_highs():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\nkept line\n")
    assert capfd.readouterr().out == "kept line\n"


# ---------------------------------------------------------------------------
# the pandas wrapper on the demo province
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    return load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture(scope="module")
def demo_table(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no failed solver check, no floor warning
        return rank_bounds_table(demo, 2023, 0.1)


def test_table_columns_and_nominal_ranks(demo, demo_table):
    tab = demo_table
    assert list(tab.columns[:10]) == ["code", "name_zh", "name_en", "city", "city_en", "category", "total", "rank_category", "rank_province", "n_category"]
    for col in ("best_rank_category", "worst_rank_category", "best_rank_province", "worst_rank_province",
                "n_always_beaten_by", "n_never_beaten_by", "warning_possible", "warning_certain"):  # fmt: skip
        assert col in tab.columns
    assert len(tab) == 100
    units = score_year(demo, 2023).units.set_index("code")
    t = tab.set_index("code")
    np.testing.assert_allclose(t["total"], units.loc[t.index, "total"])
    np.testing.assert_array_equal(t["rank_category"], units.loc[t.index, "rank_category"])
    np.testing.assert_array_equal(t["rank_province"], units.loc[t.index, "rank_province"])


def test_table_bounds_are_consistent(demo_table):
    t = demo_table
    assert (t["best_rank_category"] <= t["rank_category"]).all() and (t["rank_category"] <= t["worst_rank_category"]).all()
    assert (t["best_rank_province"] <= t["rank_province"]).all() and (t["rank_province"] <= t["worst_rank_province"]).all()
    # the category is a subset of the province: at every w the province rank is at least the category rank
    assert (t["best_rank_province"] >= t["best_rank_category"]).all()
    assert (t["worst_rank_province"] >= t["worst_rank_category"]).all()
    assert (t["best_rank_category"] == 1 + t["n_always_beaten_by"]).sum() > 0
    assert (t["best_rank_category"] >= 1 + t["n_always_beaten_by"]).all()
    assert (t["worst_rank_category"] <= t["n_category"] - t["n_never_beaten_by"]).all()
    assert ((t["worst_rank_category"] - t["best_rank_category"]) > 0).any()
    assert (t["warning_possible"] >= t["warning_certain"]).all()
    # a unit nominally in its category's bottom two can certainly be warned
    assert t.loc[t["rank_category"] > t["n_category"] - 2, "warning_possible"].all()


def test_core_model_reproduces_the_nominal_totals(demo):
    fw = demo.framework
    arr = score_arrays(demo.year(2023), fw)
    s = group_scores(arr["dimension_attainment"], arr["bonus"] - arr["deduction"], fw.dimension_weights, fw.scale)[0]
    np.testing.assert_allclose(s, arr["total_exact"], atol=1e-9)


@pytest.mark.parametrize("spread", [0, 1, -0.1, 1.5, float("nan")])
def test_table_rejects_a_bad_spread(demo, spread):
    with pytest.raises(InputError, match="spread"):
        rank_bounds_table(demo, 2023, spread)


def test_table_rejects_bad_weights_and_a_nonlinear_aggregation(demo):
    with pytest.raises(InputError, match="sum to 101"):
        rank_bounds_table(demo, 2023, 0.1, dimension_weights=[17, 14, 10, 10, 15, 15, 10, 10])
    with pytest.raises(InputError, match="aggregation"):
        rank_bounds_table(demo, 2023, 0.1, ScoringOptions(aggregation="geometric"))


def test_table_uses_scenario_weights(demo):
    # all the weight on one dimension pair changes the nominal ranks; the wrapper must follow
    w = np.array([30.0, 30.0, 5.0, 5.0, 5.0, 10.0, 10.0, 5.0])
    tab = rank_bounds_table(demo, 2023, 0.05, dimension_weights=w)
    units = score_year(demo, 2023, ScoringOptions(dimension_weights=tuple(w))).units.set_index("code")
    t = tab.set_index("code")
    np.testing.assert_allclose(t["total"], units.loc[t.index, "total"])
    assert (t["best_rank_category"] <= t["rank_category"]).all() and (t["rank_category"] <= t["worst_rank_category"]).all()


# ---------------------------------------------------------------------------
# ranks as published
# ---------------------------------------------------------------------------


def _published_exhaustive_2d(A, c, lo, hi, groups, decimals):
    """Best / worst published competition ranks by exhaustive search over r = w0 / w1 (D = 2).

    Each score is monotone in r, so its published value changes only where it
    crosses a rounding boundary (q + 1/2) 10^-p; between consecutive crossings
    every published total, hence every rank, is constant. The midpoints of those
    intervals visit every attainable rank vector (open intervals: a weight vector
    that puts a score exactly on a boundary is the one case the MILP's margin leaves out).
    """
    r_lo, r_hi = lo[0] / hi[1], hi[0] / lo[1]
    P = 10.0**decimals
    cuts = [r_lo, r_hi]
    for a, ci in zip(A, c):
        # s(r) = 100 (a0 r + a1) / (r + 1) + c = b  <=>  r = (b - c - 100 a1) / (100 a0 - b + c)
        s_ends = [group_scores(a[None], np.array([ci]), _point_for_ratio(r, lo, hi))[0, 0] for r in (r_lo, r_hi)]
        for q in range(int(np.floor(min(s_ends) * P)) - 1, int(np.ceil(max(s_ends) * P)) + 2):
            b = (q + 0.5) / P
            den = 100 * a[0] - b + ci
            if den != 0:
                r = (b - ci - 100 * a[1]) / den
                if r_lo < r < r_hi:
                    cuts.append(r)
    pts = np.unique(cuts)
    mids = (pts[1:] + pts[:-1]) / 2
    ranks = np.array([competition_rank(to_steps(group_scores(A, c, _point_for_ratio(r, lo, hi))[0], decimals), groups) for r in mids])
    return ranks.min(axis=0), ranks.max(axis=0)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("decimals", [0, 1])
def test_published_bounds_equal_exhaustive_search_in_two_dimensions(seed, decimals):
    # coarse publication (whole points, tenths) makes ties as published frequent
    rng = np.random.default_rng(500 + seed)
    n = 8
    A, c, lo, hi = _random_instance(rng, n, 2)
    groups = rng.integers(0, 2, n) if seed % 2 else np.zeros(n, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every optimum is confirmed by rescoring
        rb = rank_bounds(A, c, lo, hi, groups, decimals=decimals)
    best, worst = _published_exhaustive_2d(A, c, lo, hi, groups, decimals)
    np.testing.assert_array_equal(rb.best, best)
    np.testing.assert_array_equal(rb.worst, worst)
    # the witnesses reach the bounds as published
    for i in range(n):
        assert competition_rank(to_steps(group_scores(A, c, rb.best_weights[i])[0], decimals), groups)[i] == rb.best[i]
        assert competition_rank(to_steps(group_scores(A, c, rb.worst_weights[i])[0], decimals), groups)[i] == rb.worst[i]


def test_published_tie_shares_the_rank_that_unrounded_scores_split():
    # U0 and U1 score 80.001 and 80.004 for every weight vector: different exact ranks, one published rank
    A = np.array([[0.8, 0.8], [0.8, 0.8], [0.5, 0.9]])
    c = np.array([0.001, 0.004, 0.0])
    lo, hi = np.array([40.0, 40.0]), np.array([60.0, 60.0])
    exact = rank_bounds(A, c, lo, hi)
    published = rank_bounds(A, c, lo, hi, decimals=2)
    assert (exact.best[0], exact.worst[0]) == (2, 2)
    assert (published.best[0], published.worst[0]) == (1, 1)
    assert (published.best[1], published.worst[1]) == (1, 1)


# ---------------------------------------------------------------------------
# at national size: the closed-form screen blockwise, only contested pairs in the MILPs
# ---------------------------------------------------------------------------


def _random_case(seed: int, n: int, D: int, n_groups: int):
    rng = np.random.default_rng(seed)
    A = rng.random((n, D)) * 0.5 + rng.random((n, 1)) * 0.5  # a level plus as much spread: many contested pairs
    c = rng.integers(-2, 3, n) * 0.5
    w0 = rng.dirichlet(np.ones(D) * 5) * 100
    return A, c, w0 * 0.6, w0 * 1.4, rng.integers(0, n_groups, n)


@pytest.mark.parametrize("seed", [0, 1])
def test_blockwise_dominance_equals_the_full_closed_form(seed):
    A, c, lo, hi, groups = _random_case(seed, 90, 5, 3)
    full_lo, full_hi = box_extremes(pair_differences(A, c, 100.0) - 0.01, lo, hi)  # (n, n): all pairs at once
    same = (groups[:, None] == groups[None, :]) & ~np.eye(90, dtype=bool)
    for block in (1, 5 * 8 * 3 * 40, None):  # one row at a time, a few rows, the default (whole groups)
        dom = pairwise_dominance(A, c, lo, hi, groups, 100.0, tie_tol=0.01, block_bytes=block)
        np.testing.assert_array_equal(dom.always, (full_lo > 0) & same)
        np.testing.assert_array_equal(dom.never, (full_hi <= 0) & same)
        np.testing.assert_array_equal(dom.lower[same], full_lo[same])
        np.testing.assert_array_equal(dom.upper[same], full_hi[same])
        assert np.isnan(dom.lower[~same]).all() and np.isnan(dom.upper[~same]).all()


@pytest.mark.parametrize("seed", [3, 4])
def test_screened_bounds_equal_the_milp_over_every_rival(seed):
    """The closed form and the vertex screen only decide what the MILP over all rivals would find."""
    from zhenxing.robustness import STRICT_MARGIN_REL
    from zhenxing.robustness.bounds import _solve_bound
    from zhenxing.robustness.published import _solve_published_bound

    A, c, lo, hi, groups = _random_case(seed, 16, 5, 2)
    screened = rank_bounds(A, c, lo, hi, groups, 100.0)
    published = rank_bounds(A, c, lo, hi, groups, 100.0, decimals=2)
    assert 0 < published.n_milp < 2 * 16  # some bounds need a MILP, most do not
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(16):
            idx = np.flatnonzero(groups == groups[i])
            pos = int(np.flatnonzero(idx == i)[0])
            rivals = np.delete(np.arange(len(idx)), pos)
            d = 100.0 * (A[idx[rivals]] - A[i]) + (c[idx[rivals]] - c[i])[:, None]
            eps = STRICT_MARGIN_REL * 100.0
            assert screened.best[i] == 1 + _solve_bound(d, lo, hi, eps, worst=False)[0]
            assert screened.worst[i] == 1 + _solve_bound(d, lo, hi, eps, worst=True)[0]
            sub_A, sub_c = A[idx], c[idx]
            assert published.best[i] == 1 + _solve_published_bound(sub_A, sub_c, pos, rivals, lo, hi, 100.0, 2, False, len(rivals))[0]
            assert published.worst[i] == 1 + _solve_published_bound(sub_A, sub_c, pos, rivals, lo, hi, 100.0, 2, True, 0)[0]


@pytest.mark.parametrize("seed, limit", [(3, 2), (4, 3)])
def test_bounds_up_to_a_limit_fall_on_the_same_side_as_the_exact_ones(seed, limit):
    from zhenxing.robustness.published import _published_rank_bounds

    A, c, lo, hi, groups = _random_case(seed, 16, 5, 2)
    exact = _published_rank_bounds(A, c, lo, hi, groups, 100.0, 2)
    capped = _published_rank_bounds(A, c, lo, hi, groups, 100.0, 2, limit=limit)
    np.testing.assert_array_equal(capped.best <= limit, exact.best <= limit)
    np.testing.assert_array_equal(capped.worst <= limit, exact.worst <= limit)
    assert (exact.best <= limit).any() and (exact.worst > limit).any()
    assert capped.n_milp <= exact.n_milp


def test_bounds_for_some_units_equal_the_full_tables_rows(ds):
    from zhenxing.errors import InputError
    from zhenxing.robustness import rank_bounds_table

    full = rank_bounds_table(ds, 2023, 0.2)
    home = list(full.loc[full["city"] == "青岚市", "code"])
    some = rank_bounds_table(ds, 2023, 0.2, units=home)
    pd.testing.assert_frame_equal(some, full[full["code"].isin(home)].reset_index(drop=True))
    assert (some["n_province"] == len(full)).all()
    with pytest.raises(InputError, match="990999"):
        rank_bounds_table(ds, 2023, 0.2, units=["990999"])


def test_simulate_bounds_scope():
    from zhenxing.cli.simulate import bounds_scope
    from zhenxing.robustness import ALL_UNITS_MAX

    assert bounds_scope("auto", ALL_UNITS_MAX, "青岚市") == "all"
    assert bounds_scope("auto", ALL_UNITS_MAX + 1, "青岚市") == "city"
    assert bounds_scope("auto", 2800, None) == "none" and bounds_scope("city", 100, None) == "none"
    assert bounds_scope("all", 2800, None) == "all" and bounds_scope("none", 100, "青岚市") == "none"


def test_bounds_are_the_same_solved_in_worker_processes(ds, monkeypatch):
    """The MILPs of the demo's home city solved in 2 spawned processes give the same table (ranks and weights)."""
    import concurrent.futures

    from zhenxing.robustness import published, rank_bounds_table

    codes = ds.year(2023).units
    home = list(codes.loc[codes["city"] == "青岚市", "code"])
    serial = rank_bounds_table(ds, 2023, 0.3, units=home, workers=1)
    pools = []

    class Recorded(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *a, **k):
            pools.append(k.get("max_workers"))
            super().__init__(*a, **k)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recorded)
    monkeypatch.setattr(published, "PARALLEL_MIN_WORK", 0)  # processes even for this small work
    parallel = rank_bounds_table(ds, 2023, 0.3, units=home, workers=2)
    assert pools and set(pools) == {2}
    pd.testing.assert_frame_equal(parallel, serial, check_exact=True)
    assert parallel.attrs["n_milp"] == serial.attrs["n_milp"] > 2


def test_a_time_limit_gives_reached_ranks_marked_unproven(ds):
    """Stopped MILPs report ranks the unit reaches (inside the exact interval), flagged in bounds_proven."""
    from zhenxing.robustness import rank_bounds_table

    codes = ds.year(2023).units
    home = list(codes.loc[codes["city"] == "青岚市", "code"])
    exact = rank_bounds_table(ds, 2023, 0.3, units=home)
    assert exact["bounds_proven"].all() and exact.attrs["n_unproven"] == 0
    quick = rank_bounds_table(ds, 2023, 0.3, units=home, time_limit=1e-4)
    assert quick.attrs["n_unproven"] == (~quick["bounds_proven"]).sum() > 0
    for level in ("category", "province"):
        assert (quick[f"best_rank_{level}"] >= exact[f"best_rank_{level}"]).all()
        assert (quick[f"worst_rank_{level}"] <= exact[f"worst_rank_{level}"]).all()
        assert (quick[f"best_rank_{level}"] <= quick[f"rank_{level}"]).all() and (quick[f"rank_{level}"] <= quick[f"worst_rank_{level}"]).all()
    proven = quick["bounds_proven"].to_numpy()
    cols = ["best_rank_category", "worst_rank_category", "best_rank_province", "worst_rank_province"]
    pd.testing.assert_frame_equal(quick.loc[proven, cols], exact.loc[proven, cols])
