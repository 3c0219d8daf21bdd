"""Tests for zhenxing.aggregate: hand-worked examples, agreement with pymcdm and
scikit-criteria TOPSIS, broadcasting over weight draws, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from pymcdm import normalizations as pymcdm_normalizations
from pymcdm.methods import TOPSIS as PymcdmTOPSIS
from skcriteria.agg.topsis import topsis as skc_topsis

from zhenxing.aggregate import (
    AGGREGATORS,
    aggregate,
    topsis,
    topsis_absolute_closeness,
    topsis_closeness,
    weighted_arithmetic,
    weighted_geometric,
)

HYPOTHESIS = settings(max_examples=60, deadline=None)


# --- hand-worked examples -----------------------------------------------------------


def test_weighted_arithmetic_hand_example():
    # .75*1 + .25*0 = .75 ; .75*.5 + .25*.5 = .5 ; .75*.2 + .25*.8 = .15 + .2 = .35
    a = np.array([[1.0, 0.0], [0.5, 0.5], [0.2, 0.8]])
    assert_allclose(weighted_arithmetic(a, [0.75, 0.25]), [0.75, 0.5, 0.35])


def test_weighted_geometric_hand_example():
    # delta = 0.01, w = (.5, .5):
    #   (1, 1)     -> sqrt(1.01 * 1.01) - .01 = 1
    #   (0, 0)     -> sqrt(.01 * .01) - .01 = 0
    #   (.99, 0)   -> sqrt(1.00 * .01) - .01 = .1 - .01 = .09   (arithmetic would give .495)
    #   (.24, .99) -> sqrt(.25 * 1.00) - .01 = .5 - .01 = .49
    a = np.array([[1.0, 1.0], [0.0, 0.0], [0.99, 0.0], [0.24, 0.99]])
    assert_allclose(weighted_geometric(a, [0.5, 0.5]), [1.0, 0.0, 0.09, 0.49], atol=1e-12)
    # unequal weights: (.15, .63), w = (.25, .75): .16^.25 * .64^.75 - .01
    #   = .4^.5 * .8^1.5 - .01 = .8 * sqrt(.32) - .01 = 0.452548 - .01 = 0.442548
    assert_allclose(weighted_geometric(np.array([[0.15, 0.63]]), [0.25, 0.75]), [0.442548], atol=1e-6)


def test_weighted_geometric_without_offset():
    # offset 0: a zero with positive weight gives exactly 0; a zero with zero weight is ignored
    # (0^0 = 1): (0, .25) with w (0, 1) -> .25 ; (.25, 1) with w (.5, .5) -> sqrt(.25) = .5
    a = np.array([[0.0, 0.25], [0.25, 1.0]])
    assert_allclose(weighted_geometric(a, [0.0, 1.0], offset=0.0), [0.25, 1.0])
    assert_allclose(weighted_geometric(a, [0.5, 0.5], offset=0.0), [0.0, 0.5])
    with pytest.raises(ValueError, match="offset"):
        weighted_geometric(a, [0.5, 0.5], offset=-0.1)
    with pytest.raises(ValueError, match=">= 0"):
        weighted_geometric(-a, [0.5, 0.5])


def test_topsis_closeness_hand_example_relative_ideal():
    # w = (.75, .25); v = w*a = [[.75, 0], [0, .25], [.375, .125]]
    # v+ = column max = (.75, .25), v- = column min = (0, 0)
    #   unit 0: D+ = .25, D- = .75 -> .75
    #   unit 1: D+ = .75, D- = .25 -> .25
    #   unit 2: D+ = D- = sqrt(.375^2 + .125^2) -> .5
    a = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert_allclose(topsis_closeness(a, [0.75, 0.25]), [0.75, 0.25, 0.5])


def test_topsis_closeness_absolute_ideal_differs_from_relative():
    # a = [[.8, .4], [.4, .2]], w = (.5, .5)
    # relative: unit 0 is the column max everywhere (C = 1), unit 1 the min (C = 0)
    # absolute (ideal 1, anti-ideal 0): v0 = (.4, .2): D+ = sqrt(.1^2 + .3^2) = sqrt(.1),
    #   D- = sqrt(.4^2 + .2^2) = sqrt(.2) -> sqrt(.2)/(sqrt(.1)+sqrt(.2)) = 2 - sqrt(2)
    #   v1 = (.2, .1): D+ = sqrt(.3^2 + .4^2) = .5, D- = sqrt(.05) -> sqrt(.05)/(.5 + sqrt(.05))
    a = np.array([[0.8, 0.4], [0.4, 0.2]])
    assert_allclose(topsis_closeness(a, [0.5, 0.5]), [1.0, 0.0])
    expected = [2 - math.sqrt(2), math.sqrt(0.05) / (0.5 + math.sqrt(0.05))]
    assert_allclose(topsis_closeness(a, [0.5, 0.5], ideal=1.0, anti_ideal=0.0), expected)
    assert_allclose(topsis_absolute_closeness(a, [0.5, 0.5]), expected)
    # per-indicator ideals, shape (n_indicators,): ideal (.8, 1), anti-ideal (0, 0)
    # unit 0: D+ = .5*.6 = .3, D- = sqrt(.4^2 + .2^2) = sqrt(.2) -> sqrt(.2)/(.3 + sqrt(.2))
    assert_allclose(
        topsis_closeness(a[:1], [0.5, 0.5], ideal=[0.8, 1.0], anti_ideal=[0.0, 0.0]),
        [math.sqrt(0.2) / (0.3 + math.sqrt(0.2))],
    )


def test_topsis_closeness_degenerate_rule():
    # Identical units: ideal = anti-ideal, D+ = D- = 0 -> everybody gets 1.
    assert_array_equal(topsis_closeness(np.full((3, 2), 0.4), [0.5, 0.5]), [1.0, 1.0, 1.0])


def test_topsis_min_max_matches_pymcdm_docstring_example():
    # pymcdm's TOPSIS docstring: x = [[1, 3000], [2, 3750], [5, 4500]], w = (.5, .5),
    # types (cost, benefit) -> [0.500, 0.617, 0.500]. By hand: r = [[0, 0], [.25, .5], [1, 1]],
    # cost ideal = min. Unit 1: v = (.125, .25), v+ = (0, .5), v- = (.5, 0):
    # D+ = sqrt(.125^2 + .25^2) = .279508, D- = sqrt(.375^2 + .25^2) = .450694 -> .617218
    x = np.array([[1.0, 3000.0], [2.0, 3750.0], [5.0, 4500.0]])
    result = topsis(x, [0.5, 0.5], np.array([False, True]), normalisation="min_max")
    assert_allclose(result, [0.5, 0.617218, 0.5], atol=1e-6)


def test_topsis_vector_hand_example():
    # x = [[3, 4], [4, 3], [0, 0]]: column norms 5 and 5 -> r = [[.6, .8], [.8, .6], [0, 0]]
    # w = (.75, .25): v = [[.45, .2], [.6, .15], [0, 0]]
    # both benefit: v+ = (.6, .2), v- = (0, 0)
    #   unit 0: D+ = .15, D- = sqrt(.45^2 + .2^2) = sqrt(.2425) -> sqrt(.2425)/(.15 + sqrt(.2425))
    #   unit 1: D+ = .05, D- = sqrt(.6^2 + .15^2) = sqrt(.3825) -> sqrt(.3825)/(.05 + sqrt(.3825))
    #   unit 2: D+ = sqrt(.6^2 + .2^2), D- = 0 -> 0
    x = np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 0.0]])
    expected = [
        math.sqrt(0.2425) / (0.15 + math.sqrt(0.2425)),
        math.sqrt(0.3825) / (0.05 + math.sqrt(0.3825)),
        0.0,
    ]
    assert_allclose(topsis(x, [0.75, 0.25], np.array([True, True])), expected)
    # Column 1 as a cost: v+ = (.6, 0), v- = (0, .2)
    #   unit 0: D+ = sqrt(.15^2 + .2^2) = .25, D- = .45 -> .45/.7
    #   unit 1: D+ = .15, D- = sqrt(.6^2 + .05^2) -> sqrt(.3625)/(.15 + sqrt(.3625))
    #   unit 2: D+ = .6, D- = .2 -> .25
    expected_cost = [0.45 / 0.7, math.sqrt(0.3625) / (0.15 + math.sqrt(0.3625)), 0.25]
    assert_allclose(topsis(x, [0.75, 0.25], np.array([True, False])), expected_cost)


def test_topsis_rejects_unknown_normalisation():
    with pytest.raises(ValueError, match="'vector' or 'min_max'"):
        topsis(np.ones((2, 2)), [0.5, 0.5], True, normalisation="sum")  # type: ignore[arg-type]


# --- agreement with independent implementations ------------------------------------------


def _random_problem(seed: int):
    rng = np.random.default_rng(seed)
    n_units, n_ind = rng.integers(3, 40), rng.integers(2, 8)
    x = rng.lognormal(size=(n_units, n_ind)) * rng.uniform(0.1, 1000, size=n_ind)
    w = rng.dirichlet(np.ones(n_ind))
    direction = rng.random(n_ind) < 0.5
    return x, w, direction


@pytest.mark.parametrize("seed", range(10))
def test_topsis_agrees_with_pymcdm(seed):
    x, w, direction = _random_problem(seed)
    types = np.where(direction, 1, -1)
    # pymcdm's vector normalisation maps a cost column to 1 - x/||x|| instead of
    # keeping x/||x|| and taking the minimum as ideal; the shift by 1 cancels in
    # every distance, so the closeness values must be identical.
    pymcdm_vector = PymcdmTOPSIS(pymcdm_normalizations.vector_normalization)(x, w, types)
    assert_allclose(topsis(x, w, direction, normalisation="vector"), pymcdm_vector, rtol=1e-10)
    # pymcdm's default is direction-aware min-max: (max - x)/(max - min) for costs,
    # the mirror image of ours with ideal = min; distances are equal again.
    pymcdm_min_max = PymcdmTOPSIS()(x, w, types)
    assert_allclose(topsis(x, w, direction, normalisation="min_max"), pymcdm_min_max, rtol=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_topsis_agrees_with_scikit_criteria(seed):
    x, w, direction = _random_problem(100 + seed)
    # scikit-criteria's topsis() does no scaling itself (its pipelines add a
    # VectorScaler): feed it the vector-normalised matrix. It takes the minimum
    # as the ideal for MIN objectives, as classic TOPSIS does.
    vector_normalised = x / np.sqrt((x**2).sum(axis=0))
    objectives = np.where(direction, 1, -1)
    _, _, _, similarity = skc_topsis(vector_normalised, objectives, w)
    assert_allclose(topsis(x, w, direction), similarity, rtol=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_topsis_closeness_agrees_with_pymcdm_and_scikit_criteria(seed):
    rng = np.random.default_rng(200 + seed)
    n_units, n_ind = rng.integers(3, 40), rng.integers(2, 8)
    a = rng.uniform(size=(n_units, n_ind))
    w = rng.dirichlet(np.ones(n_ind))
    # An already normalised benefit matrix: pymcdm with an identity normalisation
    # and scikit-criteria with every objective MAX compute exactly topsis_closeness.
    identity = PymcdmTOPSIS(lambda column, cost: column)(a, w, np.ones(n_ind, dtype=int))
    assert_allclose(topsis_closeness(a, w), identity, rtol=1e-10)
    _, _, _, similarity = skc_topsis(a, np.ones(n_ind, dtype=int), w)
    assert_allclose(topsis_closeness(a, w), similarity, rtol=1e-10)


# --- broadcasting over weight draws ----------------------------------------------------------


FUNCTIONS = {
    "arithmetic": weighted_arithmetic,
    "geometric": weighted_geometric,
    "topsis_relative": topsis_closeness,
    "topsis_absolute": topsis_absolute_closeness,
    "topsis_raw": lambda x, w: topsis(x, w, np.array([True, False, True, True])),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_batched_weights_equal_the_loop_over_draws(name):
    function = FUNCTIONS[name]
    rng = np.random.default_rng(7)
    a = rng.uniform(size=(6, 4))
    draws = rng.dirichlet(np.ones(4), size=5)
    one_matrix = function(a, draws)
    assert one_matrix.shape == (5, 6)
    assert_allclose(one_matrix, np.stack([function(a, w) for w in draws]), rtol=1e-12)
    # batched matrices (n_draws, n_units, n_ind) with batched weights (n_draws, n_ind)
    noisy = np.clip(a + rng.normal(scale=0.05, size=(5, 6, 4)), 0, 1)
    paired = function(noisy, draws)
    assert paired.shape == (5, 6)
    assert_allclose(paired, np.stack([function(m, w) for m, w in zip(noisy, draws)]), rtol=1e-12)
    # batched matrices with one weight vector
    assert_allclose(function(noisy, draws[0]), np.stack([function(m, draws[0]) for m in noisy]), rtol=1e-12)


@HYPOTHESIS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_batched_aggregation_equals_loop_property(n_draws, n_units, n_ind, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(size=(n_units, n_ind))
    draws = rng.dirichlet(np.ones(n_ind), size=n_draws)
    for method in AGGREGATORS:
        batched = aggregate(method, a, draws)
        assert_allclose(batched, np.stack([aggregate(method, a, w) for w in draws]), rtol=1e-12)


# --- validation and dispatch ---------------------------------------------------------------------


@pytest.mark.parametrize("function", [weighted_arithmetic, weighted_geometric, topsis_closeness])
def test_weights_are_validated(function):
    a = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match=r"sum to 1\.0.*0\.9"):
        function(a, [0.5, 0.4])
    with pytest.raises(ValueError, match="non-negative"):
        function(a, [1.5, -0.5])
    with pytest.raises(ValueError, match="2 indicators"):
        function(a, [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        function(a, [np.nan, 1.0])
    with pytest.raises(ValueError, match="do not broadcast"):
        function(np.full((3, 4, 2), 0.5), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match=r"n_units, n_indicators"):
        function(np.array([0.5, 0.5]), [0.5, 0.5])
    with pytest.raises(ValueError, match=r"batch index \(1,\)"):
        function(a, [[0.5, 0.5], [0.6, 0.6]])


def test_nan_attainment_gives_nan_score_for_that_unit_only():
    a = np.array([[np.nan, 0.5], [0.2, 0.4]])
    for method in AGGREGATORS:
        result = aggregate(method, a, [0.5, 0.5])
        assert np.isnan(result[0]) and np.isfinite(result[1])


def test_aggregate_dispatches_by_name():
    a = np.array([[0.99, 0.0], [0.24, 0.99]])
    assert_allclose(aggregate("arithmetic", a, [0.5, 0.5]), [0.495, 0.615])
    assert_allclose(aggregate("geometric", a, [0.5, 0.5]), [0.09, 0.49], atol=1e-12)
    assert_allclose(aggregate("geometric", a, [0.5, 0.5], offset=0.0), [0.0, math.sqrt(0.24 * 0.99)])
    assert_allclose(aggregate("topsis", a, [0.5, 0.5]), topsis_closeness(a, [0.5, 0.5], 1.0, 0.0))
    assert set(AGGREGATORS) == {"arithmetic", "geometric", "topsis"}
    with pytest.raises(ValueError, match=r"unknown aggregation method 'mean'.*'arithmetic'"):
        aggregate("mean", a, [0.5, 0.5])


# --- properties -----------------------------------------------------------------------------

unit_floats = st.floats(0.0, 1.0)


@st.composite
def attainments_and_weights(draw):
    n_units = draw(st.integers(1, 6))
    n_ind = draw(st.integers(1, 5))
    a = draw(arrays(np.float64, (n_units, n_ind), elements=unit_floats))
    raw = draw(arrays(np.float64, (n_ind,), elements=st.floats(0.0, 10.0)))
    if raw.sum() == 0:
        raw[0] = 1.0
    return a, raw / raw.sum()


@HYPOTHESIS
@given(attainments_and_weights(), st.data())
def test_arithmetic_and_geometric_are_monotone_in_each_attainment(case, data):
    a, w = case
    i = data.draw(st.integers(0, a.shape[0] - 1))
    j = data.draw(st.integers(0, a.shape[1] - 1))
    raised = a.copy()
    raised[i, j] = data.draw(st.floats(a[i, j], 1.0))
    for function in (weighted_arithmetic, weighted_geometric):
        before, after = function(a, w), function(raised, w)
        assert after[i] >= before[i] - 1e-12
        others = np.arange(a.shape[0]) != i
        assert_array_equal(after[others], before[others])


@HYPOTHESIS
@given(attainments_and_weights(), st.randoms(use_true_random=False))
def test_aggregations_are_permutation_equivariant_over_units(case, random):
    a, w = case
    order = list(range(a.shape[0]))
    random.shuffle(order)
    for method in AGGREGATORS:
        assert_allclose(aggregate(method, a[order], w), aggregate(method, a, w)[order], rtol=1e-12, atol=1e-15)
    assert_allclose(topsis_closeness(a[order], w), topsis_closeness(a, w)[order], rtol=1e-12, atol=1e-15)


@HYPOTHESIS
@given(attainments_and_weights())
def test_scores_are_bounded_and_geometric_never_exceeds_arithmetic(case):
    a, w = case
    arithmetic = weighted_arithmetic(a, w)
    geometric = weighted_geometric(a, w)
    assert np.all(geometric <= arithmetic + 1e-12)  # AM-GM on a + offset
    for scores in (arithmetic, geometric, topsis_closeness(a, w), topsis_absolute_closeness(a, w)):
        assert np.all((scores >= -1e-12) & (scores <= 1 + 1e-12))


@HYPOTHESIS
@given(st.floats(0.0, 1.0), attainments_and_weights())
def test_equal_attainments_aggregate_to_themselves(level, case):
    _, w = case
    a = np.full((2, w.size), level)
    assert_allclose(weighted_arithmetic(a, w), [level, level], atol=1e-12)
    assert_allclose(weighted_geometric(a, w), [level, level], atol=1e-12)
