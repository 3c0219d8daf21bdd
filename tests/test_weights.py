"""Tests for zhenxing.weights: hand-worked examples, published AHP examples,
agreement with pymcdm and scikit-criteria, and properties."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from pymcdm import weights as pymcdm_weights
from skcriteria.preprocessing.weighters import critic_weights as skc_critic_weights
from skcriteria.preprocessing.weighters import entropy_weights as skc_entropy_weights

from zhenxing.normalise import min_max
from zhenxing.weights import (
    RANDOM_INDEX,
    AHPResult,
    ahp_weights,
    check_weights_sum,
    critic_weights,
    entropy_weights,
    entropy_weights_from_normalised,
    equal_weights,
    normalise_weights,
)

HYPOTHESIS = settings(max_examples=60, deadline=None)

# A 3 x 2 example shared by the entropy and CRITIC hand calculations.
# col 0 higher-is-better [10, 20, 30] -> min-max y = [0, 0.5, 1]
# col 1 lower-is-better  [5, 1, 1]    -> min-max y = [0, 1, 1]
HAND_X = np.array([[10.0, 5.0], [20.0, 1.0], [30.0, 1.0]])
HAND_DIRECTION = np.array([True, False])


# --- simple weights -----------------------------------------------------------


def test_equal_weights():
    assert_array_equal(equal_weights(4), [0.25, 0.25, 0.25, 0.25])
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            equal_weights(bad)


def test_normalise_weights_single_and_batch():
    assert_allclose(normalise_weights([1, 3]), [0.25, 0.75])
    assert_allclose(normalise_weights([[2, 2, 4], [0, 0, 5]]), [[0.25, 0.25, 0.5], [0, 0, 1]])


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1, -1, 2], "non-negative"), ([1, np.nan], "NaN"), ([0, 0], "all zero"), ([[1, 1], [0, 0]], "all zero")],
)
def test_normalise_weights_rejects_bad_input(weights, message):
    with pytest.raises(ValueError, match=message):
        normalise_weights(weights)


def test_check_weights_sum_names_the_actual_sum():
    check_weights_sum([0.2, 0.3, 0.5])  # passes silently
    check_weights_sum([20, 30, 50], total=100)
    with pytest.raises(ValueError, match=r"sum to 0\.9"):
        check_weights_sum([0.2, 0.2, 0.5])
    with pytest.raises(ValueError, match=r"sum to 1\.2.*batch index \(1,\)"):
        check_weights_sum([[0.5, 0.5], [0.6, 0.6]])
    with pytest.raises(ValueError, match="nan"):
        check_weights_sum([0.5, np.nan])


# --- entropy -------------------------------------------------------------------


def test_entropy_weights_hand_example():
    # col 0: y = [0, .5, 1] -> p = [0, 1/3, 2/3]
    #   e0 = -(1/ln 3)(1/3 ln 1/3 + 2/3 ln 2/3) = 1/3 + (2/3) ln 1.5 / ln 3 = 0.579380
    # col 1: y = [0, 1, 1] -> p = [0, .5, .5]; e1 = ln 2 / ln 3 = 0.630930
    # d = [0.420620, 0.369070]; w = d / 0.789690 = [0.532639, 0.467361]
    assert_allclose(entropy_weights(HAND_X, HAND_DIRECTION), [0.532639, 0.467361], atol=1e-6)


def test_entropy_constant_column_gets_zero_and_all_constant_gives_equal():
    x = np.array([[1.0, 7.0, 2.0], [2.0, 7.0, 4.0], [4.0, 7.0, 3.0]])
    weights = entropy_weights(x, True)
    assert weights[1] == 0.0
    assert_allclose(weights.sum(), 1.0)
    assert_allclose(entropy_weights(np.full((3, 2), 5.0), True), [0.5, 0.5])


def test_entropy_from_normalised_zero_column_is_uninformative():
    # A zero column gets p = 1/n, entropy 1, weight 0; the other column y = [1, 0, 0]
    # has p = [1, 0, 0], entropy 0 (0 ln 0 = 0) and takes all the weight.
    y = np.array([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    assert_allclose(entropy_weights_from_normalised(y), [0.0, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        entropy_weights_from_normalised(-y)


@pytest.mark.parametrize("function", [entropy_weights, critic_weights])
def test_objective_weights_refuse_nan_and_single_unit(function):
    with pytest.raises(ValueError, match="impute"):
        function(np.array([[1.0, 2.0], [np.nan, 3.0]]), True)
    with pytest.raises(ValueError, match="at least 2 units"):
        function(np.array([[1.0, 2.0]]), True)
    with pytest.raises(ValueError, match=r"shape \(n_units, n_indicators\)"):
        function(np.ones((2, 3, 4)), True)


@pytest.mark.parametrize("seed", range(8))
def test_entropy_agrees_with_scikit_criteria(seed):
    rng = np.random.default_rng(seed)
    n_units, n_ind = rng.integers(3, 30), rng.integers(2, 8)
    x = rng.lognormal(size=(n_units, n_ind))
    direction = rng.random(n_ind) < 0.5
    # scikit-criteria has no direction-aware min-max inside its entropy: give it
    # the same min-max matrix ours builds. It uses scipy.stats.entropy, which
    # normalises columns to sum 1 and takes 0 ln 0 = 0, exactly our formula.
    expected = skc_entropy_weights(min_max(x, direction))
    assert_allclose(entropy_weights(x, direction), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_entropy_agrees_with_pymcdm_on_positive_matrices(seed):
    rng = np.random.default_rng(100 + seed)
    n_units, n_ind = rng.integers(3, 30), rng.integers(2, 8)
    # pymcdm sum-normalises the raw matrix, refuses zeros (sum_normalization
    # raises) and would give a column containing a zero entropy 0 instead of
    # using 0 ln 0 = 0; so it is compared on the stage after min-max, on a
    # strictly positive, benefit-oriented matrix where both define p = y / sum(y).
    y = rng.uniform(0.05, 1.0, size=(n_units, n_ind))
    assert_allclose(entropy_weights_from_normalised(y), pymcdm_weights.entropy_weights(y), rtol=1e-10)


# --- CRITIC ------------------------------------------------------------------------


def test_critic_weights_hand_example():
    # y col 0 = [0, .5, 1]: mean .5, sample std sqrt((.25 + 0 + .25)/2) = 0.5
    # y col 1 = [0, 1, 1]:  mean 2/3, sample std sqrt((4/9 + 1/9 + 1/9)/2) = sqrt(1/3) = 0.577350
    # r = sum(dev0*dev1) / sqrt(sum dev0^2 * sum dev1^2) = 0.5 / sqrt(0.5 * 2/3) = sqrt(3)/2 = 0.866025
    # C = sigma * (1 - r): [0.5, 0.577350] * 0.133975 -> w = sigma / sum(sigma)
    #   = 0.5 / 1.077350 = 0.464102 (= 2 sqrt 3 - 3), 0.535898
    expected = [2 * math.sqrt(3) - 3, 4 - 2 * math.sqrt(3)]
    assert_allclose(critic_weights(HAND_X, HAND_DIRECTION), expected, rtol=1e-12)


def test_critic_constant_column():
    # The constant column has sigma = 0 -> weight 0; its correlation with the
    # others is taken as 0, so it does not produce NaN elsewhere.
    x = np.array([[1.0, 7.0, 2.0], [2.0, 7.0, 4.0], [4.0, 7.0, 3.0]])
    weights = critic_weights(x, True)
    assert weights[1] == 0.0 and np.all(np.isfinite(weights))
    assert_allclose(weights.sum(), 1.0)
    assert_allclose(critic_weights(np.full((3, 2), 5.0), True), [0.5, 0.5])


@pytest.mark.parametrize("seed", range(8))
def test_critic_agrees_with_pymcdm_and_scikit_criteria(seed):
    rng = np.random.default_rng(200 + seed)
    n_units, n_ind = rng.integers(4, 30), rng.integers(2, 8)
    x = rng.normal(size=(n_units, n_ind)) * rng.uniform(0.1, 100, size=n_ind)
    direction = rng.random(n_ind) < 0.5
    ours = critic_weights(x, direction)
    # pymcdm min-max normalises every column as a benefit (it ignores types):
    # negating the lower-is-better columns gives it the same oriented matrix.
    # pymcdm uses ddof=1 and scikit-criteria ddof=0: a common factor that
    # cancels in C / sum(C), so both must match ours without adjustment.
    assert_allclose(ours, pymcdm_weights.critic_weights(np.where(direction, x, -x)), rtol=1e-10)
    objectives = np.where(direction, 1, -1)
    assert_allclose(ours, skc_critic_weights(x, objectives), rtol=1e-10)


# --- AHP ----------------------------------------------------------------------------


def _reciprocal_matrix(names: list[str], upper: dict[tuple[str, str], float]) -> np.ndarray:
    matrix = np.ones((len(names), len(names)))
    for (row, column), value in upper.items():
        i, j = names.index(row), names.index(column)
        matrix[i, j], matrix[j, i] = value, 1.0 / value
    return matrix


def test_ahp_saaty_2008_drinks_example():
    # Saaty, T. L. (2008), "Decision making with the analytic hierarchy process",
    # Int. J. Services Sciences 1(1), 83-98: relative consumption of drinks in the
    # US. Published eigenvector (3 decimals): coffee .177, wine .019, tea .042,
    # beer .116, sodas .190, milk .129, water .327; C.R. = .022 (these are also
    # the values asserted by AHPy's test suite for this matrix).
    names = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
    judgements = {
        ("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
        ("coffee", "milk"): 1, ("coffee", "water"): 1 / 2,
        ("wine", "tea"): 1 / 3, ("wine", "beer"): 1 / 9, ("wine", "soda"): 1 / 9,
        ("wine", "milk"): 1 / 9, ("wine", "water"): 1 / 9,
        ("tea", "beer"): 1 / 3, ("tea", "soda"): 1 / 4, ("tea", "milk"): 1 / 3, ("tea", "water"): 1 / 9,
        ("beer", "soda"): 1 / 2, ("beer", "milk"): 1, ("beer", "water"): 1 / 3,
        ("soda", "milk"): 2, ("soda", "water"): 1 / 2,
        ("milk", "water"): 1 / 3,
    }  # fmt: skip
    pairwise = _reciprocal_matrix(names, judgements)
    published = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    for table in ("saaty1980", "saaty2005"):  # RI(7) = 1.32 or 1.35: both round to .022
        result = ahp_weights(pairwise, random_index=table)
        assert_allclose(result.weights, published, atol=5e-4)
        assert result.cr == pytest.approx(0.022, abs=5e-4)
        assert result.ci == pytest.approx((result.lambda_max - 7) / 6)
        assert result.cr == pytest.approx(result.ci / RANDOM_INDEX[table][6])


def test_ahp_consistent_matrix_returns_its_weights():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    result = ahp_weights(np.outer(w, 1 / w))  # a_ij = w_i / w_j
    assert_allclose(result.weights, w, rtol=1e-12)
    assert result.lambda_max == pytest.approx(4.0, abs=1e-12)
    assert abs(result.ci) < 1e-12 and abs(result.cr) < 1e-12


def test_ahp_inconsistent_matrix_raises_unless_allowed():
    # A cycle: 1 beats 2 by 9, 2 beats 3 by 9, 3 beats 1 by 9. Every row holds
    # 1, 9, 1/9, so (1,1,1) is the principal eigenvector with
    # lambda_max = 1 + 9 + 1/9 = 91/9, CI = (91/9 - 3)/2 = 32/9, CR = (32/9)/0.58 = 6.1303.
    cyclic = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.raises(ValueError, match=r"CR = 6\.1303 exceeds the threshold 0\.1"):
        ahp_weights(cyclic)
    result = ahp_weights(cyclic, allow_inconsistent=True)
    assert_allclose(result.weights, [1 / 3, 1 / 3, 1 / 3])
    assert result.lambda_max == pytest.approx(91 / 9)
    assert result.ci == pytest.approx(32 / 9)
    assert result.cr == pytest.approx(32 / 9 / 0.58)
    # The threshold is a parameter.
    assert ahp_weights(cyclic, max_cr=7.0).cr == pytest.approx(6.1303, abs=1e-4)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.array([[1, 3], [3, 1]]), "not reciprocal"),
        (np.array([[1, 3, 2], [1 / 3, 1, 1], [0.5, 0.9, 1]]), r"not reciprocal: a\[1,2\]"),
        (np.array([[2, 3], [1 / 3, 1]]), "diagonal must be 1"),
        (np.array([[1, 0], [0, 1]]), "strictly positive"),
        (np.ones((2, 3)), "square"),
        (np.array([[1, np.nan], [np.nan, 1]]), "NaN"),
    ],
)
def test_ahp_rejects_invalid_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp_weights(matrix)


def test_ahp_accepts_rounded_reciprocals():
    # 0.333 for 1/3 and 0.143 for 1/7 are how people type judgements.
    result = ahp_weights(np.array([[1, 3, 7], [0.333, 1, 3], [0.143, 0.333, 1]]))
    assert_allclose(result.weights.sum(), 1.0)


def test_ahp_small_and_large_matrices():
    one = ahp_weights(np.array([[1.0]]))
    assert_array_equal(one.weights, [1.0]) and one.cr == 0.0
    two = ahp_weights(np.array([[1, 3], [1 / 3, 1]]))
    assert_allclose(two.weights, [0.75, 0.25])  # 3 : 1
    assert two.lambda_max == pytest.approx(2.0) and two.cr == 0.0
    w = normalise_weights(np.arange(1, 17))
    sixteen = np.outer(w, 1 / w)
    with pytest.raises(ValueError, match="tabulated for n <= 15"):
        ahp_weights(sixteen)
    assert math.isnan(ahp_weights(sixteen, allow_inconsistent=True).cr)


def test_ahp_result_is_frozen_and_weights_read_only():
    result = ahp_weights(np.array([[1, 3], [1 / 3, 1]]))
    assert isinstance(result, AHPResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.cr = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.weights[0] = 1.0


def test_ahp_unknown_random_index_table():
    with pytest.raises(ValueError, match="saaty1980"):
        ahp_weights(np.eye(1), random_index="saaty1999")  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------

matrices = st.integers(2, 8).flatmap(
    lambda n_units: st.integers(1, 5).flatmap(
        lambda n_ind: st.tuples(
            arrays(np.float64, (n_units, n_ind), elements=st.floats(-1e4, 1e4)),
            arrays(np.bool_, (n_ind,)),
        )
    )
)


@HYPOTHESIS
@given(matrices)
def test_objective_weights_are_non_negative_and_sum_to_one(case):
    x, direction = case
    for weights in (entropy_weights(x, direction), critic_weights(x, direction)):
        assert weights.shape == (x.shape[1],)
        assert np.all(weights >= 0)
        assert weights.sum() == pytest.approx(1.0, abs=1e-9)


SAATY_SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9, 2, 4, 1 / 2, 1 / 4]


@HYPOTHESIS
@given(st.integers(1, 9).flatmap(lambda n: st.lists(st.sampled_from(SAATY_SCALE), min_size=n * (n - 1) // 2,
                                                    max_size=n * (n - 1) // 2).map(lambda v: (n, v))))
def test_ahp_weights_are_positive_and_sum_to_one(case):
    n, upper = case
    matrix = np.ones((n, n))
    for (i, j), value in zip(itertools.combinations(range(n), 2), upper):
        matrix[i, j], matrix[j, i] = value, 1 / value
    result = ahp_weights(matrix, allow_inconsistent=True)
    assert np.all(result.weights > 0)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert result.lambda_max >= n - 1e-9  # Saaty: lambda_max >= n for reciprocal matrices


@HYPOTHESIS
@given(arrays(np.float64, st.integers(1, 12), elements=st.floats(0.05, 20)))
def test_ahp_recovers_any_consistent_weight_vector(raw):
    w = raw / raw.sum()
    result = ahp_weights(np.outer(w, 1 / w))
    assert_allclose(result.weights, w, rtol=1e-9)
    assert abs(result.cr) < 1e-9
