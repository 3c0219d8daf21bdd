"""Sobol' indices of the dimension weights: analytic and structural cases, agreement with
SALib's own analysis, vectorised ranks, and the wrapper on the demo province."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol

from zhenxing.data import load_dataset
from zhenxing.errors import InputError
from zhenxing.framework import load_framework
from zhenxing.scoring import competition_rank, score_arrays
from zhenxing.sensitivity import (
    _analysis_seed,
    competition_ranks_rows,
    group_ranks,
    model_totals,
    sample_weights,
    sobol_indices,
    weight_problem,
    weight_sensitivity,
)

from .conftest import ROOT

NAMES = ["d0", "d1", "d2"]


def _run(A, c, w0, spread, n_base=1024, seed=11, renormalise=True, groups=None):
    problem = weight_problem(NAMES[: len(w0)], np.asarray(w0, float), spread)
    W = sample_weights(problem, n_base, seed)
    totals = model_totals(W, A, c, 100.0, renormalise=renormalise, reference_sum=float(np.sum(w0)))
    ranks = group_ranks(totals, np.zeros(len(A), dtype=int) if groups is None else groups)
    return problem, W, totals, ranks, sobol_indices(totals, problem, seed=seed), sobol_indices(ranks, problem, seed=seed)


def test_sample_is_the_saltelli_design_inside_the_box():
    w0 = np.array([40.0, 35.0, 25.0])
    problem = weight_problem(NAMES, w0, 0.2)
    assert problem["bounds"] == [[32.0, 48.0], [28.0, 42.0], [20.0, 30.0]]
    W = sample_weights(problem, 64, 5)
    assert W.shape == (64 * 5, 3)
    assert (W >= w0 * 0.8).all() and (W <= w0 * 1.2).all()
    # row 1 of each block (AB_0) takes column 0 from B (row 4) and the rest from A (row 0)
    blk = W[:5]
    np.testing.assert_array_equal(blk[1], [blk[4, 0], blk[0, 1], blk[0, 2]])
    np.testing.assert_array_equal(sample_weights(problem, 64, 5), W)  # seeded
    with pytest.raises(ValueError, match="power of 2"):
        sample_weights(problem, 100, 5)


def test_linear_model_without_renormalisation_matches_the_analytic_indices():
    # s = a · w with independent w_d ~ U[w0_d (1 - x), w0_d (1 + x)]: Var(a_d w_d) = a_d^2 (2 x w0_d)^2 / 12,
    # an additive model, so S1_d = ST_d = a_d^2 w0_d^2 / Σ_k a_k^2 w0_k^2.
    # a = (.2, .9, .6), w0 = (50, 30, 20): a^2 w0^2 = 100, 729, 144 -> S = (.10277, .74923, .14800)
    a = np.array([[0.2, 0.9, 0.6]])
    w0 = np.array([50.0, 30.0, 20.0])
    _, _, _, _, si, _ = _run(a, np.zeros(1), w0, 0.2, n_base=2048, renormalise=False)
    exact = np.array([100.0, 729.0, 144.0]) / 973.0
    np.testing.assert_allclose(exact, [0.10277492, 0.74922919, 0.14799589], atol=1e-8)
    assert np.all(si.S1_conf[0] < 0.08) and np.all(si.ST_conf[0] < 0.08)  # the tolerance below is meaningful
    assert np.all(np.abs(si.S1[0] - exact) <= si.S1_conf[0])
    assert np.all(np.abs(si.ST[0] - exact) <= si.ST_conf[0])
    np.testing.assert_allclose(si.S1[0], exact, atol=0.01)


def test_dimension_with_equal_attainment_cannot_move_ranks():
    # d2 has the same attainment for every unit and c is equal: each comparison is the sign of
    # 100 (A_j - A_i) · w, whose d2 component is 0, so the d2 weight never changes a rank:
    # the rank indices of d2 are exactly 0. Renormalisation still lets it move the scores.
    rng = np.random.default_rng(4)
    A = np.c_[rng.uniform(0.3, 0.9, (6, 2)), np.full(6, 0.6)]
    c = np.zeros(6)
    _, _, _, ranks, s_score, s_rank = _run(A, c, [40.0, 35.0, 25.0], 0.3)
    assert not s_rank.constant.all()
    np.testing.assert_array_equal(s_rank.S1[:, 2], 0.0)
    np.testing.assert_array_equal(s_rank.ST[:, 2], 0.0)
    assert s_rank.ST[:, :2].max() > 0.3  # the other two do move ranks
    assert s_score.ST[:, 2].max() > 0.01  # ... and d2 does move scores
    # with unequal adjustments the same dimension does matter for ranks (it dilutes the
    # attainment gaps against the fixed bonus/deduction gaps)
    c2 = np.array([0.0, 3.0, 0.0, -2.0, 1.5, 0.0])
    _, _, _, _, _, s_rank2 = _run(A, c2, [40.0, 35.0, 25.0], 0.3)
    assert s_rank2.ST[:, 2].max() > 0.02


def test_rank_driven_by_one_dimension_has_total_index_near_one():
    # without renormalisation s1 - s0 = 0.1 w_0 - 4: U1 passes U0 exactly when w_0 > 40 (its nominal),
    # so U0's rank is a function of w_0 alone: S1_0 = ST_0 = 1 and the others are exactly 0
    A = np.array([[0.5, 0.5, 0.5], [0.6, 0.5, 0.5]])
    c = np.array([0.0, -4.0])
    _, _, _, ranks, _, s_rank = _run(A, c, [40.0, 35.0, 25.0], 0.2, renormalise=False)
    assert set(np.unique(ranks[:, 0])) == {1, 2}
    for u in (0, 1):
        assert s_rank.ST[u, 0] == pytest.approx(1.0, abs=0.05)
        assert s_rank.S1[u, 0] == pytest.approx(1.0, abs=0.1)
        np.testing.assert_array_equal(s_rank.ST[u, 1:], 0.0)
        np.testing.assert_array_equal(s_rank.S1[u, 1:], 0.0)


def test_constant_outputs_get_zero_indices_and_are_flagged():
    # U0 has equal attainment on every dimension: renormalised score 70 whatever the weights,
    # and it is always first. Its indices are undefined (zero variance): reported as 0, no NaN.
    # U2 passes U1 when 0.35 w2 > 0.1 (w0 + w1): 7..10.5 against 6..9 inside the box.
    A = np.array([[0.7, 0.7, 0.7], [0.2, 0.3, 0.1], [0.1, 0.2, 0.45]])
    _, _, totals, _, s_score, s_rank = _run(A, np.zeros(3), [40.0, 35.0, 25.0], 0.2, n_base=256)
    np.testing.assert_allclose(totals[:, 0], 70.0)
    np.testing.assert_array_equal(s_score.constant, [True, False, False])
    np.testing.assert_array_equal(s_rank.constant, [True, False, False])
    for si in (s_score, s_rank):
        for arr in si[:4]:
            assert np.isfinite(arr).all()
            np.testing.assert_array_equal(arr[0], 0.0)
    # (Why not leave it to SALib: an exactly constant output gives NaN inside SALib, and
    # U0's renormalised score is 70 only up to rounding (range ~1e-14 here), which SALib
    # standardises into noise and reports as, e.g., ST = 0.9 for d0.)


def test_fast_engine_equals_salib_analyze_column_by_column():
    rng = np.random.default_rng(9)
    A = rng.random((8, 3))
    c = rng.choice([0.0, 1.0, -2.0], 8)
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    problem, _, totals, ranks, _, _ = _run(A, c, [40.0, 35.0, 25.0], 0.4, n_base=256, groups=groups)
    for Y in (totals, ranks):
        fast = sobol_indices(Y, problem, seed=21)
        ref = sobol_indices(Y, problem, seed=21, engine="salib")
        for k in range(4):
            np.testing.assert_allclose(fast[k], ref[k], atol=1e-10, rtol=0)
        np.testing.assert_array_equal(fast.constant, ref.constant)
        # and the reference really is SALib's analyze, seeded as we seed it
        raw = salib_sobol.analyze(problem, Y[:, 5].astype(float), calc_second_order=False, seed=_analysis_seed(21))
        np.testing.assert_allclose(ref.ST[5], raw["ST"])
        np.testing.assert_allclose(ref.S1_conf[5], raw["S1_conf"])


def test_vectorised_ranks_equal_competition_rank():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 5, (300, 9)).astype(float)  # many ties
    R = competition_ranks_rows(X)
    for row, r in zip(X, R):
        np.testing.assert_array_equal(r, competition_rank(row))
    groups = rng.integers(0, 3, 9)
    G = group_ranks(X, groups)
    for row, r in zip(X, G):
        np.testing.assert_array_equal(r, competition_rank(row, groups))
    np.testing.assert_array_equal(group_ranks(X, groups, chunk=7), G)


# ---------------------------------------------------------------------------
# the wrapper on the demo province
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    return load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")


@pytest.fixture(scope="module")
def demo_sens(demo):
    return weight_sensitivity(demo, 2023, spread=0.2, n_base=256, seed=7)


def test_wrapper_tables(demo, demo_sens):
    fw = demo.framework
    res = demo_sens
    codes = demo.year(2023).units["code"].tolist()
    for tab in (res.score, res.rank):
        for name in ("S1", "S1_conf", "ST", "ST_conf"):
            df = getattr(tab, name)
            assert list(df.columns) == fw.dimension_ids
            assert df.index.tolist() == codes
            assert np.isfinite(df.to_numpy()).all()
    assert res.n_evaluations == 256 * (len(fw.dimensions) + 2)
    # every unit's score moves; its S1 add up to about 1 (an almost additive model)
    assert not res.constant_score.any()
    s1_sum = res.score.S1.sum(axis=1)
    assert s1_sum.between(0.8, 1.1).all()
    # units whose category rank never moved report zeros
    assert (res.rank.ST.loc[res.constant_rank].to_numpy() == 0).all()
    assert res.rank.ST.to_numpy().max() > 0.3
    tidy = res.tidy()
    assert len(tidy) == 2 * len(codes) * len(fw.dimensions)
    assert set(tidy["output"]) == {"score", "rank"}


def test_wrapper_is_reproducible_and_seeded(demo, demo_sens):
    again = weight_sensitivity(demo, 2023, spread=0.2, n_base=256, seed=7)
    for a, b in ((demo_sens.score, again.score), (demo_sens.rank, again.rank)):
        for name in ("S1", "S1_conf", "ST", "ST_conf"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    other = weight_sensitivity(demo, 2023, spread=0.2, n_base=256, seed=8)
    assert not other.score.S1.equals(demo_sens.score.S1)


def test_wrapper_model_reproduces_nominal_totals(demo):
    fw = demo.framework
    arr = score_arrays(demo.year(2023), fw)
    t = model_totals(fw.dimension_weights[None, :], arr["dimension_attainment"], arr["bonus"] - arr["deduction"], fw.scale)
    np.testing.assert_allclose(t[0], arr["total_exact"], atol=1e-9)


def test_wrapper_with_a_zero_weight_dimension(demo):
    w = [16, 14, 10, 10, 15, 15, 20, 0]
    res = weight_sensitivity(demo, 2023, spread=0.2, n_base=64, seed=1, dimension_weights=w)
    assert (res.score.ST["priorities"] == 0).all()
    assert res.problem["num_vars"] == 7


@pytest.mark.parametrize(
    "kwargs, where",
    [
        ({"spread": 0.0}, "spread"),
        ({"spread": 1.2}, "spread"),
        ({"n_base": 1000}, "n_base"),
        ({"dimension_weights": [16, 14, 10, 10, 15, 15, 10, 9]}, "dimension_weights"),
    ],
)
def test_wrapper_rejects_bad_requests(demo, kwargs, where):
    with pytest.raises(InputError) as exc:
        weight_sensitivity(demo, 2023, **kwargs)
    assert exc.value.problems[0].where == where
