"""Weights: equal, declared (checked), entropy, CRITIC and AHP.

Every weight vector returned here is a float64 array of shape
``(n_indicators,)``, non-negative, summing to 1 (unitless shares). Objective
methods (entropy, CRITIC) take a complete matrix ``x`` of shape
``(n_units, n_indicators)`` and a boolean ``higher_is_better`` of shape
``(n_indicators,)``; they refuse NaN, because a weight computed on the units that
happen to be complete would silently depend on who is missing: impute first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .normalise import min_max, validate_direction

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "AHPResult",
    "RANDOM_INDEX",
    "ahp_weights",
    "check_weights_sum",
    "critic_weights",
    "entropy_weights",
    "entropy_weights_from_normalised",
    "equal_weights",
    "normalise_weights",
]

RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    # Saaty, The Analytic Hierarchy Process (1980): the table most software and
    # most of the Chinese literature uses (its 1.48 at n = 12 is not a typo).
    "saaty1980": (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
    # Saaty, Theory and Applications of the Analytic Network Process (2005), p. 31.
    "saaty2005": (0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
}
"""Saaty's random consistency index RI(n) for n = 1..15, by table name."""


def equal_weights(n: int) -> FloatArray:
    """Return ``n`` equal weights, ``w_j = 1/n`` (unitless shares summing to 1)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return np.full(int(n), 1.0 / n)


def normalise_weights(w: npt.ArrayLike) -> FloatArray:
    r"""Rescale weights to sum to 1 along the last axis: :math:`w_j / \sum_k w_k`.

    Accepts shape ``(..., n_indicators)``, e.g. a batch of weight vectors.
    Raises ``ValueError`` for NaN, negative weights, or a vector that is all zero.
    Returns unitless shares of the same shape.
    """
    weights = np.asarray(w, dtype=np.float64)
    if weights.ndim == 0:
        raise ValueError("weights must have at least one axis (the indicators)")
    if np.any(np.isnan(weights)) or np.any(np.isinf(weights)):
        raise ValueError("weights contain NaN or infinite values")
    if np.any(weights < 0):
        raise ValueError(f"weights must be non-negative, got minimum {weights.min()}")
    totals = weights.sum(axis=-1, keepdims=True)
    if np.any(totals == 0):
        raise ValueError("weights are all zero; there is nothing to normalise")
    return weights / totals


def check_weights_sum(w: npt.ArrayLike, total: float = 1.0, tol: float = 1e-6) -> None:
    """Raise ``ValueError`` unless weights sum to ``total`` (±``tol``) along the last axis.

    Works on one vector ``(n_indicators,)`` or a batch ``(..., n_indicators)``;
    the message gives the actual sum (of the first offending vector in a batch).
    """
    sums = np.sum(np.asarray(w, dtype=np.float64), axis=-1)
    off = ~(np.abs(sums - total) <= tol)  # also flags NaN sums
    if np.any(off):
        where = tuple(int(i) for i in np.argwhere(off)[0]) if sums.ndim else ()
        place = f" (weight vector at batch index {where})" if where else ""
        raise ValueError(
            f"weights must sum to {total} (tolerance {tol}); they sum to {float(sums[where])!r}{place}"
        )


def _complete_matrix(x: npt.ArrayLike, min_units: int = 2) -> FloatArray:
    matrix = np.asarray(x, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"x must have shape (n_units, n_indicators), got shape {matrix.shape}")
    if matrix.shape[0] < min_units:
        raise ValueError(f"need at least {min_units} units (rows), got {matrix.shape[0]}")
    if matrix.shape[1] < 1:
        raise ValueError("x has no indicator columns")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("x contains NaN or infinite values; impute missing values first")
    return matrix


def entropy_weights_from_normalised(y: npt.ArrayLike) -> FloatArray:
    r"""Entropy weights of an already normalised, benefit-oriented matrix.

    For ``y`` of shape ``(n_units, n_indicators)`` with ``y >= 0``:

    .. math::
        p_{ij} = \frac{y_{ij}}{\sum_i y_{ij}},\qquad
        e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}\ \ (0 \ln 0 = 0),\qquad
        d_j = 1 - e_j,\qquad
        w_j = \frac{d_j}{\sum_k d_k}

    A column summing to 0 gets ``p_ij = 1/n`` (no information, ``d_j = 0``). If
    every ``d_j`` is 0 (no column discriminates) the weights are equal. A
    constant column gets ``d_j = 0`` exactly (not a rounding residue), and
    ``d_j`` is clipped at 0 in case rounding pushes ``e_j`` a hair above 1.

    Returns unitless shares of shape ``(n_indicators,)`` summing to 1.
    """
    values = _complete_matrix(y)
    if np.any(values < 0):
        raise ValueError("entropy weights need a non-negative matrix; normalise it first")
    n_units, n_indicators = values.shape
    column_sums = values.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(column_sums > 0, values / column_sums, 1.0 / n_units)
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(n_units)
    divergence = np.clip(1.0 - entropy, 0.0, None)
    # A constant column has p = 1/n exactly in theory but e = 1 - 2e-16 in
    # floating point; set d = 0 so it gets exactly no weight.
    divergence[np.ptp(values, axis=0) == 0] = 0.0
    if divergence.sum() == 0:
        return equal_weights(n_indicators)
    return divergence / divergence.sum()


def entropy_weights(x: npt.ArrayLike, higher_is_better: npt.ArrayLike) -> FloatArray:
    r"""Entropy weights (熵权法), the variant usual in the Chinese literature.

    1. ``y = min_max(x, higher_is_better)``: direction-aware min-max, a constant
       column becomes all ones;
    2. then :func:`entropy_weights_from_normalised` on ``y``:

    .. math::
        p_{ij} = \frac{y_{ij}}{\sum_i y_{ij}},\quad
        e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}\ (0 \ln 0 = 0),\quad
        w_j = \frac{1 - e_j}{\sum_k (1 - e_k)}

    Indicators on which the units differ more get more weight; a constant
    indicator gets 0. ``x`` has shape ``(n_units, n_indicators)``, at least two
    units and no NaN.

    Returns unitless shares of shape ``(n_indicators,)`` summing to 1.
    """
    matrix = _complete_matrix(x)
    return entropy_weights_from_normalised(min_max(matrix, higher_is_better))


def critic_weights(x: npt.ArrayLike, higher_is_better: npt.ArrayLike) -> FloatArray:
    r"""CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    With ``y = min_max(x, higher_is_better)``:

    .. math::
        \sigma_j = \sqrt{\tfrac{1}{n-1} \textstyle\sum_i (y_{ij} - \bar{y}_j)^2},\qquad
        C_j = \sigma_j \sum_k (1 - r_{jk}),\qquad
        w_j = \frac{C_j}{\sum_k C_k}

    where ``r_jk`` is the Pearson correlation between columns ``j`` and ``k`` of
    ``y``. ``σ`` is the sample standard deviation (``ddof=1``, as in pymcdm);
    the choice of ``ddof`` rescales every ``C_j`` by the same factor and so does
    not change the weights. A constant column has ``σ = 0`` and its correlation
    with every other column is taken as 0 (``r_jj = 1`` still). If every ``C_j``
    is 0 the weights are equal.

    ``x`` has shape ``(n_units, n_indicators)``, at least two units and no NaN.
    Returns unitless shares of shape ``(n_indicators,)`` summing to 1.
    """
    matrix = _complete_matrix(x)
    n_indicators = matrix.shape[1]
    scaled = min_max(matrix, validate_direction(higher_is_better, n_indicators))
    std = scaled.std(axis=0, ddof=1)
    centred = scaled - scaled.mean(axis=0)
    constant = np.ptp(scaled, axis=0) == 0
    norms = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = (centred.T @ centred) / np.outer(norms, norms)
    correlation[constant, :] = 0.0
    correlation[:, constant] = 0.0
    np.fill_diagonal(correlation, 1.0)
    information = std * (1.0 - correlation).sum(axis=0)
    if information.sum() == 0:
        return equal_weights(n_indicators)
    return information / information.sum()


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Outcome of :func:`ahp_weights`.

    ``weights``: principal eigenvector, unitless shares summing to 1, read-only;
    ``lambda_max``: principal eigenvalue (equals n for a consistent matrix);
    ``ci``: consistency index ``(lambda_max - n) / (n - 1)``;
    ``cr``: consistency ratio ``ci / RI(n)`` (0 for n <= 2; NaN for n > 15,
    where no random index is tabulated).
    """

    weights: FloatArray
    lambda_max: float
    ci: float
    cr: float


def _validate_pairwise(pairwise: npt.ArrayLike, rtol: float) -> FloatArray:
    matrix = np.asarray(pairwise, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"pairwise matrix must be square and non-empty, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("pairwise matrix contains NaN or infinite values")
    if np.any(matrix <= 0):
        raise ValueError("pairwise matrix must be strictly positive")
    if not np.allclose(np.diag(matrix), 1.0, rtol=0.0, atol=rtol):
        raise ValueError(f"pairwise matrix diagonal must be 1, got {np.diag(matrix).tolist()}")
    product = matrix * matrix.T  # a_ij * a_ji must be 1
    bad = np.argwhere(~np.isclose(product, 1.0, rtol=0.0, atol=rtol))
    if bad.size:
        i, j = (int(k) for k in bad[0])
        raise ValueError(
            f"pairwise matrix is not reciprocal: a[{i},{j}] = {matrix[i, j]!r} but "
            f"a[{j},{i}] = {matrix[j, i]!r} (expected {1 / matrix[i, j]!r})"
        )
    return matrix


def ahp_weights(
    pairwise: npt.ArrayLike,
    *,
    max_cr: float = 0.1,
    allow_inconsistent: bool = False,
    random_index: Literal["saaty1980", "saaty2005"] = "saaty1980",
    rtol: float = 5e-3,
) -> AHPResult:
    r"""AHP weights from a Saaty pairwise comparison matrix, with its consistency.

    ``pairwise[i, j]`` says how many times more important indicator ``i`` is than
    ``j`` (Saaty's 1-9 scale). The matrix must be square, strictly positive,
    with unit diagonal and reciprocal: ``a_ji * a_ij = 1`` within ``rtol``
    (default 5e-3, so 0.333 for 1/3 or 0.143 for 1/7 pass but 0.33 does not).

    .. math::
        A w = \lambda_{max} w,\quad \textstyle\sum_j w_j = 1,\qquad
        CI = \frac{\lambda_{max} - n}{n - 1},\qquad CR = \frac{CI}{RI(n)}

    ``w`` is the principal right eigenvector. ``RI`` comes from
    :data:`RANDOM_INDEX` (``random_index`` names the table). For ``n <= 2`` the
    matrix is always consistent and ``CR = 0``; for ``n > 15`` no RI is tabulated
    and ``CR`` is NaN.

    Raises ``ValueError`` stating CR and the threshold if ``CR > max_cr`` (or CR
    cannot be computed) unless ``allow_inconsistent`` is True.
    """
    try:
        table = RANDOM_INDEX[random_index]
    except KeyError:
        raise ValueError(
            f"unknown random index table {random_index!r}; choose one of {sorted(RANDOM_INDEX)}"
        ) from None
    matrix = _validate_pairwise(pairwise, rtol)
    n = matrix.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    principal = int(np.argmax(eigenvalues.real))  # Perron root: real, simple, largest
    lambda_max = float(eigenvalues[principal].real)
    vector = eigenvectors[:, principal].real
    weights = vector / vector.sum()  # also fixes the arbitrary sign
    if n <= 2:
        ci, cr = 0.0, 0.0
    else:
        ci = (lambda_max - n) / (n - 1)
        cr = ci / table[n - 1] if n <= len(table) else float("nan")
    if not allow_inconsistent:
        if np.isnan(cr):
            raise ValueError(
                f"cannot check consistency of a {n}x{n} matrix: random index is tabulated for n <= "
                f"{len(table)}; split the comparison or pass allow_inconsistent=True"
            )
        if cr > max_cr:
            raise ValueError(
                f"pairwise matrix is inconsistent: CR = {cr:.4f} exceeds the threshold {max_cr}; "
                "revise the judgements or pass allow_inconsistent=True"
            )
    weights.setflags(write=False)
    return AHPResult(weights=weights, lambda_max=lambda_max, ci=float(ci), cr=float(cr))
