"""Tests for zhenxing.normalise: hand-worked examples and properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from zhenxing.normalise import (
    NORMALISERS,
    distance_to_target,
    goalpost_attainment,
    min_max,
    normalise,
    rank_score,
    validate_direction,
    z_score,
)

HYPOTHESIS = settings(max_examples=60, deadline=None)
nan = np.nan


# --- goalpost attainment ----------------------------------------------------


def test_goalpost_attainment_hand_example():
    # column 0 higher-is-better, goalpost 50, target 100:
    #   (50-50)/50 = 0, (75-50)/50 = 0.5, (110-50)/50 = 1.2 -> capped at 1
    # column 1 lower-is-better, goalpost 10, target 5 (t - g = -5):
    #   (8-10)/-5 = 0.4, (4-10)/-5 = 1.2 -> 1, (12-10)/-5 = -0.4 -> 0
    x = np.array([[50.0, 8.0], [75.0, 4.0], [110.0, 12.0]])
    result = goalpost_attainment(x, goalpost=[50, 10], target=[100, 5])
    assert_allclose(result, [[0.0, 0.4], [0.5, 1.0], [1.0, 0.0]])


def test_goalpost_targets_per_unit_broadcast_with_x():
    # Targets differ by county category: county 0 needs 100, county 1 needs 80.
    # (70-50)/(100-50) = 0.4 ; (70-50)/(80-50) = 2/3
    x = np.array([[70.0], [70.0]])
    target = np.array([[100.0], [80.0]])
    assert_allclose(goalpost_attainment(x, 50.0, target), [[0.4], [2 / 3]])


def test_goalpost_nan_passes_through():
    result = goalpost_attainment(np.array([[nan, 75.0]]), [50, 50], [100, 100])
    assert np.isnan(result[0, 0])
    assert result[0, 1] == 0.5


def test_goalpost_equal_to_target_raises():
    with pytest.raises(ValueError, match="goalpost equals target"):
        goalpost_attainment(np.ones((2, 2)), [0, 3], [1, 3])


def test_goalpost_wrong_side_for_declared_direction_raises():
    # Indicator 1 is declared lower-is-better but has goalpost 5 < target 10.
    with pytest.raises(ValueError, match=r"wrong side.*\[1\]"):
        goalpost_attainment(np.ones((2, 2)), [0, 5], [1, 10], higher_is_better=np.array([True, False]))


def test_goalpost_shape_mismatch_raises():
    with pytest.raises(ValueError, match="does not broadcast"):
        goalpost_attainment(np.ones((3, 2)), [0, 0, 0], [1, 1, 1])


@HYPOTHESIS
@given(
    low=st.floats(-1e3, 1e3),
    high=st.floats(-1e3, 1e3),
    g=st.floats(-1e3, 1e3),
    t=st.floats(-1e3, 1e3),
)
def test_goalpost_is_monotone_in_x(low, high, g, t):
    if g == t:
        return
    x1, x2 = sorted([low, high])
    a1, a2 = goalpost_attainment(np.array([[x1], [x2]]), [g], [t])[:, 0]
    if g < t:  # higher is better: non-decreasing
        assert a1 <= a2
    else:  # lower is better: non-increasing
        assert a1 >= a2


# --- min-max ----------------------------------------------------------------


def test_min_max_hand_example():
    # col 0 higher-is-better, min 2 max 10: (2-2)/8 = 0, (4-2)/8 = 0.25, 1
    # col 1 lower-is-better,  min 10 max 30: (30-30)/20 = 0, (30-10)/20 = 1, (30-20)/20 = 0.5
    x = np.array([[2.0, 30.0], [4.0, 10.0], [10.0, 20.0]])
    assert_allclose(min_max(x, np.array([True, False])), [[0.0, 0.0], [0.25, 1.0], [1.0, 0.5]])


def test_min_max_constant_column_scores_one_and_nan_ignored():
    # col 0 constant -> 1 everywhere; col 1 has a NaN that is excluded from min/max:
    # values 0, 4 -> 0, 1; NaN stays NaN.
    x = np.array([[7.0, 0.0], [7.0, nan], [7.0, 4.0]])
    result = min_max(x, True)
    assert_array_equal(result[:, 0], [1.0, 1.0, 1.0])
    assert_allclose(result[[0, 2], 1], [0.0, 1.0])
    assert np.isnan(result[1, 1])


def test_min_max_all_nan_column_stays_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = min_max(np.array([[nan, 1.0], [nan, 2.0]]), True)
    assert np.all(np.isnan(result[:, 0]))
    assert_allclose(result[:, 1], [0.0, 1.0])


def test_min_max_leading_axes_are_independent_matrices():
    rng = np.random.default_rng(3)
    stacked = rng.normal(size=(4, 5, 3))
    direction = np.array([True, False, True])
    expected = np.stack([min_max(m, direction) for m in stacked])
    assert_allclose(min_max(stacked, direction), expected)


# --- z-score ----------------------------------------------------------------


def test_z_score_hand_example():
    # col 0 [1, 3, 5]: mean 3, population std sqrt(8/3); z = -2/sqrt(8/3) = -sqrt(3/2), 0, +sqrt(3/2)
    # col 1 [10, 10, 40], lower-is-better: mean 20, std sqrt((100+100+400)/3) = sqrt(200);
    #   z = -10/sqrt(200) = -0.7071, -0.7071, 20/sqrt(200) = 1.4142, then sign flipped
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
    r = math.sqrt(1.5)
    expected = [[-r, 0.70710678], [0.0, 0.70710678], [r, -1.41421356]]
    assert_allclose(z_score(x, np.array([True, False])), expected, rtol=1e-8)


def test_z_score_constant_column_is_zero_even_with_rounding():
    # 0.1 is not exact in binary; the mean of three 0.1s differs from 0.1 by rounding.
    x = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, nan]])
    result = z_score(x, True)
    assert_array_equal(result[:, 0], [0.0, 0.0, 0.0])
    assert_allclose(result[:2, 1], [-1.0, 1.0])  # mean 1.5, std 0.5
    assert np.isnan(result[2, 1])


# --- rank -------------------------------------------------------------------


def test_rank_score_hand_example_with_ties_and_nan():
    # col 0 higher-is-better [1, 5, 5, 9]: ranks 1, 2.5, 2.5, 4; n = 4 -> (r-1)/3 = 0, .5, .5, 1
    # col 1 lower-is-better [7, 7, 3, NaN]: n = 3 non-missing; ascending ranks 2.5, 2.5, 1
    #   -> (r-1)/2 = .75, .75, 0 -> reversed 1 - q = .25, .25, 1; NaN stays NaN
    x = np.array([[1.0, 7.0], [5.0, 7.0], [5.0, 3.0], [9.0, nan]])
    result = rank_score(x, np.array([True, False]))
    assert_allclose(result[:, 0], [0.0, 0.5, 0.5, 1.0])
    assert_allclose(result[:3, 1], [0.25, 0.25, 1.0])
    assert np.isnan(result[3, 1])


def test_rank_score_single_unit_gets_full_marks_in_both_directions():
    x = np.array([[3.0, 3.0], [nan, nan]])
    result = rank_score(x, np.array([True, False]))
    assert_array_equal(result[0], [1.0, 1.0])
    assert np.all(np.isnan(result[1]))


# --- distance to target ------------------------------------------------------


def test_distance_to_target_hand_example():
    # col 0 higher-is-better, target 80: 40/80 = .5, 80/80 = 1, 120/80 = 1.5 -> 1
    # col 1 lower-is-better,  target 4:  4/2 = 2 -> 1, 4/8 = .5, x = 0 <= 0 -> 1
    x = np.array([[40.0, 2.0], [80.0, 8.0], [120.0, 0.0]])
    result = distance_to_target(x, [80, 4], np.array([True, False]))
    assert_allclose(result, [[0.5, 1.0], [1.0, 0.5], [1.0, 1.0]])


def test_distance_to_target_nan_and_negative():
    # higher-is-better -10/80 -> clipped to 0; NaN stays NaN in both directions.
    x = np.array([[-10.0, nan], [nan, 16.0]])
    result = distance_to_target(x, [80, 4], np.array([True, False]))
    assert result[0, 0] == 0.0
    assert result[1, 1] == 0.25
    assert np.isnan(result[0, 1]) and np.isnan(result[1, 0])


def test_distance_to_target_needs_positive_targets():
    with pytest.raises(ValueError, match="targets > 0"):
        distance_to_target(np.ones((2, 2)), [1, 0], True)
    with pytest.raises(ValueError, match="targets > 0"):
        distance_to_target(np.ones((2, 2)), [1, -1], np.array([True, False]))
    # lower-is-better with target 0 ("zero incidents"): 0/3 = 0, and x = 0 -> 1
    result = distance_to_target(np.array([[3.0], [0.0]]), [0.0], False)
    assert_array_equal(result, [[0.0], [1.0]])


# --- direction validation and dispatcher -------------------------------------


def test_direction_must_be_boolean_and_match_columns():
    with pytest.raises(ValueError, match="booleans"):
        validate_direction(np.array([1, -1]), 2)
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        min_max(np.ones((2, 3)), np.array([True, False]))
    assert_array_equal(validate_direction(False, 3), [False, False, False])


def test_matrix_functions_need_a_units_axis():
    with pytest.raises(ValueError, match="n_units, n_indicators"):
        min_max(np.array([1.0, 2.0]), True)


def test_normalise_dispatches_by_name():
    x = np.array([[40.0, 2.0], [80.0, 8.0], [120.0, 0.5]])
    direction = np.array([True, False])
    assert_allclose(normalise("min_max", x, higher_is_better=direction), min_max(x, direction))
    assert_allclose(normalise("z_score", x, higher_is_better=direction), z_score(x, direction))
    assert_allclose(normalise("rank", x, higher_is_better=direction), rank_score(x, direction))
    assert_allclose(
        normalise("distance_to_target", x, higher_is_better=direction, target=[80, 4]),
        distance_to_target(x, [80, 4], direction),
    )
    assert_allclose(
        normalise("goalpost", x, higher_is_better=direction, goalpost=[0, 10], target=[80, 2]),
        # (40/80, (2-10)/(2-10)), (1, (8-10)/-8 = .25), (1, (0.5-10)/-8 = 1.1875 -> 1)
        [[0.5, 1.0], [1.0, 0.25], [1.0, 1.0]],
    )
    assert set(NORMALISERS) == {"goalpost", "min_max", "z_score", "rank", "distance_to_target"}


def test_normalise_rejects_unknown_method_and_missing_parameters():
    with pytest.raises(ValueError, match=r"unknown normalisation method 'minmax'.*'min_max'"):
        normalise("minmax", np.ones((2, 2)), higher_is_better=True)
    with pytest.raises(ValueError, match="needs both goalpost and target"):
        normalise("goalpost", np.ones((2, 2)), higher_is_better=True, target=[1, 1])
    with pytest.raises(ValueError, match="needs a target"):
        normalise("distance_to_target", np.ones((2, 2)), higher_is_better=True)


# --- properties ---------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)
matrices = st.integers(1, 6).flatmap(
    lambda n_units: st.integers(1, 4).flatmap(
        lambda n_ind: st.tuples(
            arrays(np.float64, (n_units, n_ind), elements=finite),
            arrays(np.bool_, (n_ind,)),
        )
    )
)


@HYPOTHESIS
@given(matrices)
def test_bounded_normalisers_stay_in_unit_interval(case):
    x, direction = case
    for result in (min_max(x, direction), rank_score(x, direction)):
        assert np.all((result >= 0) & (result <= 1))
    g = np.where(direction, -100.0, 100.0)
    t = -g
    attainment = goalpost_attainment(x, g, t, higher_is_better=direction)
    assert np.all((attainment >= 0) & (attainment <= 1))
    share = distance_to_target(x, np.full(x.shape[1], 50.0), direction)
    assert np.all((share >= 0) & (share <= 1))


@HYPOTHESIS
@given(matrices)
def test_min_max_and_rank_preserve_order_within_columns(case):
    x, direction = case
    for result in (min_max(x, direction), rank_score(x, direction)):
        for j in range(x.shape[1]):
            sign = 1.0 if direction[j] else -1.0
            order = np.argsort(sign * x[:, j], kind="stable")
            assert np.all(np.diff(result[order, j]) >= -1e-12)
