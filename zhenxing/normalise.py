"""Normalisation: turn raw indicator values into comparable scores.

Conventions shared by every function here
-----------------------------------------
* ``x`` has shape ``(..., n_units, n_indicators)``: rows are counties, columns
  are indicators; any leading axes (scenarios, Monte Carlo draws) are treated
  as independent matrices.
* ``higher_is_better`` is a boolean array of shape ``(n_indicators,)`` (a plain
  ``bool`` applies to every indicator).
* Column statistics (min, max, mean, std, ranks) are taken down the units axis
  (axis ``-2``) and ignore NaN. A NaN input gives a NaN output: the missing-value
  policy belongs to the caller.
* Every function returns a new float64 array of the same shape as ``x``. All
  scores are unitless and lie in ``[0, 1]`` with 1 = best, except
  :func:`z_score`, which is unbounded (standard deviations, higher = better).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "NORMALISERS",
    "distance_to_target",
    "goalpost_attainment",
    "min_max",
    "normalise",
    "rank_score",
    "validate_direction",
    "z_score",
]


def validate_direction(higher_is_better: npt.ArrayLike, n_indicators: int) -> BoolArray:
    """Return ``higher_is_better`` as a boolean array of shape ``(n_indicators,)``.

    A single ``bool`` is broadcast to every indicator. Non-boolean input
    (e.g. the ``1``/``-1`` criterion types of some MCDA libraries) is refused,
    because ``bool(-1)`` is ``True`` and would silently turn costs into benefits.
    """
    direction = np.asarray(higher_is_better)
    if direction.dtype != np.bool_:
        raise ValueError(
            f"higher_is_better must be booleans (True = higher is better), got dtype {direction.dtype}"
        )
    if direction.ndim == 0:
        return np.full(n_indicators, bool(direction))
    if direction.shape != (n_indicators,):
        raise ValueError(
            f"higher_is_better has shape {direction.shape}, expected ({n_indicators},) "
            "to match the number of indicators (last axis of x)"
        )
    return direction.copy()


def _as_matrix(x: npt.ArrayLike, name: str = "x") -> FloatArray:
    matrix = np.asarray(x, dtype=np.float64)
    if matrix.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., n_units, n_indicators), got shape {matrix.shape}"
        )
    return matrix


def _broadcast_parameter(value: npt.ArrayLike, x: FloatArray, name: str) -> FloatArray:
    parameter = np.asarray(value, dtype=np.float64)
    try:
        np.broadcast_shapes(parameter.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"{name} has shape {parameter.shape}, which does not broadcast against x of shape "
            f"{x.shape}; use shape (n_indicators,) or the shape of x"
        ) from None
    return parameter


def _column_stat(function: Callable[..., FloatArray], x: FloatArray, **kwargs: object) -> FloatArray:
    # An all-NaN column legitimately yields NaN; numpy's RuntimeWarning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(x, axis=-2, keepdims=True, **kwargs)


def goalpost_attainment(
    x: npt.ArrayLike,
    goalpost: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    higher_is_better: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""Share of the way from the goalpost to the target: the assessment's default.

    .. math:: a = \mathrm{clip}\left(\frac{x - g}{t - g},\ 0,\ 1\right)

    ``g`` is the goalpost (0 points at or beyond it) and ``t`` the target (full
    marks at or beyond it). One formula serves both directions: a
    higher-is-better indicator has ``g < t``, a lower-is-better one ``g > t``,
    and the sign of ``t - g`` does the rest.

    ``goalpost`` and ``target`` broadcast against ``x``: shape ``(n_indicators,)``
    for one target per indicator, or the shape of ``x`` when targets differ by
    county category. This is elementwise, so ``x`` may have any shape.

    If ``higher_is_better`` is given, it is checked against the goalposts
    (``g < t`` exactly where it is True), which catches a goalpost entered on the
    wrong side of its target.

    Returns attainment in ``[0, 1]`` (unitless; 1 = target reached). NaN in ``x``,
    ``goalpost`` or ``target`` gives NaN.
    """
    values = np.asarray(x, dtype=np.float64)
    g = _broadcast_parameter(goalpost, values, "goalpost")
    t = _broadcast_parameter(target, values, "target")
    span = t - g
    if np.any(span == 0):
        raise ValueError("goalpost equals target for at least one indicator; attainment is undefined")
    if higher_is_better is not None:
        n_indicators = values.shape[-1] if values.ndim else 1
        direction = validate_direction(higher_is_better, n_indicators)
        # NaN spans compare False, so missing targets are not reported here.
        wrong_side = np.where(direction, span < 0, span > 0)
        if np.any(wrong_side):
            columns = np.unique(np.nonzero(wrong_side)[-1]).tolist()
            raise ValueError(
                f"goalpost on the wrong side of target for indicator column(s) {columns}: "
                "higher-is-better needs goalpost < target, lower-is-better goalpost > target"
            )
    with np.errstate(invalid="ignore", over="ignore"):  # overflow -> +-inf -> clipped
        return np.clip((values - g) / span, 0.0, 1.0)


def min_max(x: npt.ArrayLike, higher_is_better: npt.ArrayLike) -> FloatArray:
    r"""Column-wise min-max scaling, oriented so that 1 is best.

    .. math::
        y_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}
        \ \text{(higher is better)},\qquad
        y_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}}
        \ \text{(lower is better)}

    A constant column gives 1.0 for every unit: nobody can be told apart on that
    indicator, so nobody loses points on it.

    Returns scores in ``[0, 1]`` (unitless, relative to the units present).
    """
    values = _as_matrix(x)
    direction = validate_direction(higher_is_better, values.shape[-1])
    low = _column_stat(np.nanmin, values)
    high = _column_stat(np.nanmax, values)
    spread = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        rising = (values - low) / spread
    scaled = np.where(direction, rising, 1.0 - rising)
    constant = (spread == 0) & ~np.isnan(values)
    return np.where(constant, 1.0, scaled)


def z_score(x: npt.ArrayLike, higher_is_better: npt.ArrayLike) -> FloatArray:
    r"""Column-wise standard score, sign-flipped for lower-is-better indicators.

    .. math:: z_{ij} = s_j \, \frac{x_{ij} - \bar{x}_j}{\sigma_j},\qquad
              \sigma_j = \sqrt{\tfrac{1}{n_j} \textstyle\sum_i (x_{ij} - \bar{x}_j)^2}

    with ``s_j = +1`` for higher-is-better and ``-1`` for lower-is-better, and
    ``σ_j`` the population standard deviation (``ddof=0``) over the ``n_j``
    non-missing units. A constant column gives 0 (everyone is average).

    NOT bounded: returns standard deviations from the column mean (higher =
    better), typically within about ±3.
    """
    values = _as_matrix(x)
    direction = validate_direction(higher_is_better, values.shape[-1])
    mean = _column_stat(np.nanmean, values)
    std = _column_stat(np.nanstd, values, ddof=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        standardised = (values - mean) / std
    # Test constancy with min == max: rounding in the mean can leave a tiny
    # non-zero std on a constant column and blow noise up to +-1.
    constant = _column_stat(np.nanmax, values) == _column_stat(np.nanmin, values)
    standardised = np.where(constant & ~np.isnan(values), 0.0, standardised)
    return np.where(direction, standardised, -standardised)


def rank_score(x: npt.ArrayLike, higher_is_better: npt.ArrayLike) -> FloatArray:
    r"""Column-wise percentile rank: 0 for the worst unit, 1 for the best.

    .. math:: q_{ij} = \frac{r_{ij} - 1}{n_j - 1}

    where ``r_ij`` is the ascending rank of ``x_ij`` in its column (ties share
    their average rank) and ``n_j`` the number of non-missing units. For
    lower-is-better indicators the score is ``1 - q``, which equals ranking in
    descending order. A column with a single non-missing unit gives 1.0.

    Returns scores in ``[0, 1]`` (unitless; only the order of values matters).
    """
    values = _as_matrix(x)
    direction = validate_direction(higher_is_better, values.shape[-1])
    ranks = rankdata(values, method="average", axis=-2, nan_policy="omit")
    count = np.sum(~np.isnan(values), axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rising = (ranks - 1.0) / (count - 1.0)
    scores = np.where(direction, rising, 1.0 - rising)
    # A lone unit has nobody to lose to: full marks in both directions.
    return np.where((count == 1) & ~np.isnan(values), 1.0, scores)


def distance_to_target(
    x: npt.ArrayLike, target: npt.ArrayLike, higher_is_better: npt.ArrayLike
) -> FloatArray:
    r"""Share of the target reached, as a ratio (no goalpost).

    .. math::
        d = \mathrm{clip}(x / t,\ 0,\ 1)\ \text{(higher is better)},\qquad
        d = \mathrm{clip}(t / x,\ 0,\ 1)\ \text{(lower is better)}

    For lower-is-better indicators a value ``x <= 0`` is already at or below any
    target and gives 1.0; a target of 0 ("zero incidents") is allowed there and
    gives 0 to any positive value. Otherwise targets must be strictly positive:
    a ratio to a zero or negative target has no meaning. ``target`` broadcasts against ``x``
    like in :func:`goalpost_attainment`; ``x`` may have any shape whose last axis
    is the indicators.

    Returns the share in ``[0, 1]`` (unitless; 1 = target reached).
    """
    values = np.asarray(x, dtype=np.float64)
    t = _broadcast_parameter(target, values, "target")
    n_indicators = values.shape[-1] if values.ndim else 1
    direction = validate_direction(higher_is_better, n_indicators)
    if np.any(np.where(direction, t <= 0, t < 0)):
        raise ValueError(
            "distance_to_target needs targets > 0 (or >= 0 for lower-is-better indicators)"
        )
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # overflow -> inf -> clipped
        upward = values / t
        downward = np.where(values > 0, t / values, 1.0)
    downward = np.where(np.isnan(values), np.nan, downward)  # the `values > 0` test maps NaN to 1
    return np.clip(np.where(direction, upward, downward), 0.0, 1.0)


def _goalpost_method(
    x: npt.ArrayLike,
    *,
    higher_is_better: npt.ArrayLike,
    goalpost: npt.ArrayLike | None,
    target: npt.ArrayLike | None,
) -> FloatArray:
    if goalpost is None or target is None:
        raise ValueError("normalisation 'goalpost' needs both goalpost and target")
    return goalpost_attainment(x, goalpost, target, higher_is_better=higher_is_better)


def _distance_to_target_method(
    x: npt.ArrayLike,
    *,
    higher_is_better: npt.ArrayLike,
    goalpost: npt.ArrayLike | None,
    target: npt.ArrayLike | None,
) -> FloatArray:
    if target is None:
        raise ValueError("normalisation 'distance_to_target' needs a target")
    return distance_to_target(x, target, higher_is_better)


NORMALISERS: Mapping[str, Callable[..., FloatArray]] = MappingProxyType(
    {
        "goalpost": goalpost_attainment,
        "min_max": min_max,
        "z_score": z_score,
        "rank": rank_score,
        "distance_to_target": distance_to_target,
    }
)
"""Normalisation functions by name. Their signatures differ; use :func:`normalise`
to call one by name with a uniform signature."""

_DISPATCH: Mapping[str, Callable[..., FloatArray]] = {
    "goalpost": _goalpost_method,
    "min_max": lambda x, *, higher_is_better, **_: min_max(x, higher_is_better),
    "z_score": lambda x, *, higher_is_better, **_: z_score(x, higher_is_better),
    "rank": lambda x, *, higher_is_better, **_: rank_score(x, higher_is_better),
    "distance_to_target": _distance_to_target_method,
}


def normalise(
    method: str,
    x: npt.ArrayLike,
    *,
    higher_is_better: npt.ArrayLike,
    goalpost: npt.ArrayLike | None = None,
    target: npt.ArrayLike | None = None,
) -> FloatArray:
    """Normalise ``x`` with the method named ``method`` (a key of :data:`NORMALISERS`).

    ``goalpost`` and ``target`` are required by "goalpost", ``target`` by
    "distance_to_target"; the other methods ignore them. For "goalpost",
    ``higher_is_better`` is checked against the side of the goalpost.

    Returns what the chosen function returns (see its docstring for units).
    """
    try:
        function = _DISPATCH[method]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown normalisation method {method!r}; choose one of {sorted(NORMALISERS)}"
        ) from None
    return function(x, higher_is_better=higher_is_better, goalpost=goalpost, target=target)
