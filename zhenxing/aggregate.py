"""Aggregation: combine indicator attainments into one score per unit.

Shapes and broadcasting
-----------------------
``a`` has shape ``(..., n_units, n_indicators)`` and the weights ``w`` shape
``(..., n_indicators)``. The leading axes of ``a`` (all but the last two) and of
``w`` (all but the last) broadcast against each other like numpy arrays; the
result has the broadcast leading shape followed by ``n_units``:

* ``a (n_units, n_ind)``,          ``w (n_ind,)``         -> ``(n_units,)``
* ``a (n_units, n_ind)``,          ``w (n_draws, n_ind)`` -> ``(n_draws, n_units)``
* ``a (n_draws, n_units, n_ind)``, ``w (n_draws, n_ind)`` -> ``(n_draws, n_units)``
* ``a (n_draws, n_units, n_ind)``, ``w (n_ind,)``         -> ``(n_draws, n_units)``

so a Monte Carlo batch of weight vectors is scored against one matrix in a
single call, with no Python loop and no ``(n_draws, n_units, n_ind)`` temporary
(the sums are matrix products).

Weights must be finite, non-negative and sum to 1 along their last axis
(±1e-6); anything else raises ``ValueError``. A NaN attainment gives a NaN
score for that unit (even where its weight is 0): the caller decides the
missing-value policy. Scores are unitless; with attainments in ``[0, 1]`` they
lie in ``[0, 1]`` too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt

from .normalise import validate_direction
from .weights import check_weights_sum

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "AGGREGATORS",
    "aggregate",
    "topsis",
    "topsis_absolute_closeness",
    "topsis_closeness",
    "weighted_arithmetic",
    "weighted_geometric",
]

WEIGHT_TOLERANCE = 1e-6


def _prepare(a: npt.ArrayLike, w: npt.ArrayLike, name: str = "a") -> tuple[FloatArray, FloatArray]:
    """Validate and return ``(a, w)`` as float arrays; see the module docstring."""
    matrix = np.asarray(a, dtype=np.float64)
    weights = np.asarray(w, dtype=np.float64)
    if matrix.ndim < 2:
        raise ValueError(f"{name} must have shape (..., n_units, n_indicators), got shape {matrix.shape}")
    if weights.ndim < 1:
        raise ValueError(f"w must have shape (..., n_indicators), got shape {weights.shape}")
    if weights.shape[-1] != matrix.shape[-1]:
        raise ValueError(
            f"w has {weights.shape[-1]} weights but {name} has {matrix.shape[-1]} indicators (last axis)"
        )
    try:
        np.broadcast_shapes(matrix.shape[:-2], weights.shape[:-1])
    except ValueError:
        raise ValueError(
            f"leading (batch) axes do not broadcast: {name} has {matrix.shape[:-2]} before "
            f"(n_units, n_indicators), w has {weights.shape[:-1]} before (n_indicators,)"
        ) from None
    if not np.all(np.isfinite(weights)):
        raise ValueError("w contains NaN or infinite values")
    if np.any(weights < 0):
        raise ValueError(f"weights must be non-negative, got minimum {weights.min()}")
    check_weights_sum(weights, 1.0, WEIGHT_TOLERANCE)
    return matrix, weights


def _weighted_sum(values: FloatArray, weights: FloatArray) -> FloatArray:
    """``sum_j weights_j * values_j`` over the last axis, broadcasting batch axes."""
    if values.ndim == 2:
        # One matrix for a whole batch of weight vectors: a single GEMM, ~20x
        # faster than a stack of matrix-vector products.
        return weights @ values.T
    return (values @ weights[..., :, None])[..., 0]


def weighted_arithmetic(a: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    r"""Weighted arithmetic mean: :math:`S_i = \sum_j w_j a_{ij}`.

    Fully compensatory: a shortfall on one indicator is made up by a surplus on
    any other at the rate ``w_k / w_j``. Monotone non-decreasing in every
    attainment. Returns the score per unit in the units of ``a`` (in ``[0, 1]``
    for attainments), shaped as described in the module docstring.
    """
    matrix, weights = _prepare(a, w)
    return _weighted_sum(matrix, weights)


def weighted_geometric(a: npt.ArrayLike, w: npt.ArrayLike, offset: float = 0.01) -> FloatArray:
    r"""Offset weighted geometric mean: :math:`S_i = \prod_j (a_{ij} + \delta)^{w_j} - \delta`.

    ``δ = offset >= 0``. Without it a single zero attainment would force the
    score to exactly 0 whatever the rest; with it, the score still maps
    all-zero attainments to 0 and all-one attainments to 1 (any constant ``c``
    to ``c``). It is monotone increasing in every attainment and never above the
    arithmetic mean (AM-GM on ``a + δ``): it rewards balance, penalising a
    county that is strong on some indicators and weak on others more than
    :func:`weighted_arithmetic` does. ``offset=0`` gives the plain weighted
    geometric mean (``0^0 = 1``, so a zero on a zero-weight indicator is ignored).

    Attainments must be ``>= 0`` (NaN passes through). Returns the score per unit
    in ``[0, 1]`` for attainments in ``[0, 1]``, shaped as in the module docstring.
    """
    if not np.isfinite(offset) or offset < 0:
        raise ValueError(f"offset must be a finite number >= 0, got {offset!r}")
    matrix, weights = _prepare(a, w)
    if np.any(matrix < 0):
        raise ValueError("weighted_geometric needs attainments >= 0")
    shifted = matrix + offset
    at_zero = shifted == 0
    with np.errstate(divide="ignore"):
        logs = np.where(at_zero, 0.0, np.log(shifted))
    score = np.exp(_weighted_sum(logs, weights)) - offset
    if np.any(at_zero):
        # A zero factor with positive weight annihilates the product.
        hits_zero = _weighted_sum(at_zero.astype(np.float64), (weights > 0).astype(np.float64)) > 0
        score = np.where(hits_zero, 0.0, score)
    return score


def _closeness(
    values: FloatArray,
    weights: FloatArray,
    ideal: FloatArray,
    anti_ideal: FloatArray,
) -> FloatArray:
    # Weights are non-negative, so the weighted distance
    # ||w*(a - ideal)|| = sqrt(sum_j w_j^2 (a_j - ideal_j)^2) is a matrix product
    # with w^2 and a batch of weights never materialises a weighted copy of a.
    squared_weights = weights**2
    to_ideal = np.sqrt(_weighted_sum((values - ideal) ** 2, squared_weights))
    to_anti_ideal = np.sqrt(_weighted_sum((values - anti_ideal) ** 2, squared_weights))
    total = to_ideal + to_anti_ideal
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = to_anti_ideal / total
    # D+ + D- = 0 only when the unit sits on the ideal and the ideal coincides
    # with the anti-ideal (nobody can be told apart): full marks, as in min_max.
    return np.where(total == 0, 1.0, closeness)


def _column_extreme(function: Callable[..., FloatArray], values: FloatArray) -> FloatArray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column -> NaN, quietly
        return function(values, axis=-2, keepdims=True)


def _reference_point(point: npt.ArrayLike, name: str, n_indicators: int) -> FloatArray:
    reference = np.asarray(point, dtype=np.float64)
    if reference.ndim == 0:
        return reference
    if reference.shape[-1] != n_indicators:
        raise ValueError(f"{name} must have shape (..., {n_indicators}) or be a scalar, got {reference.shape}")
    return reference[..., None, :]  # insert the units axis


def topsis_closeness(
    a: npt.ArrayLike,
    w: npt.ArrayLike,
    ideal: npt.ArrayLike | None = None,
    anti_ideal: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""TOPSIS relative closeness on an already normalised, benefit-oriented matrix.

    .. math::
        v_{ij} = w_j a_{ij},\quad
        D^+_i = \lVert v_i - v^+ \rVert_2,\quad
        D^-_i = \lVert v_i - v^- \rVert_2,\quad
        C_i = \frac{D^-_i}{D^+_i + D^-_i}

    By default ``v+`` and ``v-`` are the column max and min of ``v`` over the
    units present (NaN ignored), so scores are relative: adding or removing a
    county can move everyone else. Passing ``ideal`` / ``anti_ideal`` (scalars,
    shape ``(n_indicators,)`` or batched ``(..., n_indicators)``) uses
    ``v+ = w * ideal`` and ``v- = w * anti_ideal`` instead; an absolute pair such
    as 1 and 0 makes each county's score depend on its own attainments only.

    Degenerate case: if ``D+ + D- = 0`` the unit sits on the ideal, which then
    coincides with the anti-ideal (e.g. all units identical), and it gets 1.0,
    the same "nobody can be told apart, nobody loses points" rule as
    :func:`zhenxing.normalise.min_max`.

    Returns closeness in ``[0, 1]`` (unitless; 1 = at the ideal), shaped as in
    the module docstring.
    """
    matrix, weights = _prepare(a, w)
    n_indicators = matrix.shape[-1]
    # max_i(w_j a_ij) = w_j max_i(a_ij) because w_j >= 0: ideals live on the a scale.
    upper = (
        _column_extreme(np.nanmax, matrix)
        if ideal is None
        else _reference_point(ideal, "ideal", n_indicators)
    )
    lower = (
        _column_extreme(np.nanmin, matrix)
        if anti_ideal is None
        else _reference_point(anti_ideal, "anti_ideal", n_indicators)
    )
    return _closeness(matrix, weights, upper, lower)


def topsis_absolute_closeness(a: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    """TOPSIS closeness to the absolute ideal 1 and anti-ideal 0 (attainments in ``[0, 1]``).

    ``topsis_closeness(a, w, ideal=1.0, anti_ideal=0.0)``: each county is judged
    against full attainment and zero attainment, not against the other counties,
    so its score does not change when others' values change. Returns closeness in
    ``[0, 1]``; this is the "topsis" entry of :data:`AGGREGATORS`.
    """
    return topsis_closeness(a, w, ideal=1.0, anti_ideal=0.0)


def topsis(
    x: npt.ArrayLike,
    w: npt.ArrayLike,
    higher_is_better: npt.ArrayLike,
    normalisation: Literal["vector", "min_max"] = "vector",
) -> FloatArray:
    r"""Classic TOPSIS (Hwang & Yoon 1981) on a raw decision matrix.

    1. Normalise each column without changing its direction:
       ``"vector"``: :math:`r_{ij} = x_{ij} / \sqrt{\sum_i x_{ij}^2}`
       (an all-zero column gives 0); ``"min_max"``:
       :math:`r_{ij} = (x_{ij} - \min_i x_{ij}) / (\max_i x_{ij} - \min_i x_{ij})`
       (a constant column gives 1).
    2. :math:`v = w r`; the ideal is the column max of ``v`` for
       higher-is-better columns and the column min for lower-is-better ones, the
       anti-ideal the opposite.
    3. :math:`C_i = D^-_i / (D^+_i + D^-_i)` with Euclidean distances, and the
       degenerate rule of :func:`topsis_closeness` (``D+ + D- = 0`` gives 1).

    Column statistics ignore NaN. ``x`` has shape ``(..., n_units, n_indicators)``
    and broadcasts against ``w`` as described in the module docstring.

    Returns closeness in ``[0, 1]`` (unitless; relative to the units present).
    """
    matrix, weights = _prepare(x, w, name="x")
    direction = validate_direction(higher_is_better, matrix.shape[-1])
    if normalisation == "vector":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            norm = np.sqrt(np.nansum(matrix**2, axis=-2, keepdims=True))
        # `0.0 * matrix` rather than 0.0 keeps NaN entries NaN.
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(norm > 0, matrix / norm, 0.0 * matrix)
    elif normalisation == "min_max":
        low = _column_extreme(np.nanmin, matrix)
        high = _column_extreme(np.nanmax, matrix)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(high > low, (matrix - low) / (high - low), 1.0 + 0.0 * matrix)
    else:
        raise ValueError(f"unknown TOPSIS normalisation {normalisation!r}; choose 'vector' or 'min_max'")
    column_max = _column_extreme(np.nanmax, scaled)
    column_min = _column_extreme(np.nanmin, scaled)
    ideal = np.where(direction, column_max, column_min)
    anti_ideal = np.where(direction, column_min, column_max)
    return _closeness(scaled, weights, ideal, anti_ideal)


AGGREGATORS: Mapping[str, Callable[..., FloatArray]] = MappingProxyType(
    {
        "arithmetic": weighted_arithmetic,
        "geometric": weighted_geometric,
        "topsis": topsis_absolute_closeness,
    }
)
"""Aggregation functions by name, each called as ``f(a, w)``. "topsis" is the
closeness to the absolute ideal 1 / anti-ideal 0 (:func:`topsis_absolute_closeness`),
so that a county's score does not depend on the other counties."""


def aggregate(method: str, a: npt.ArrayLike, w: npt.ArrayLike, **options: object) -> FloatArray:
    """Aggregate attainments ``a`` with weights ``w`` by the method named ``method``.

    ``method`` is a key of :data:`AGGREGATORS`; ``options`` go to that function
    (e.g. ``offset`` for "geometric"). Returns the score per unit, shaped as in
    the module docstring.
    """
    try:
        function = AGGREGATORS[method]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown aggregation method {method!r}; choose one of {sorted(AGGREGATORS)}"
        ) from None
    return function(a, w, **options)
