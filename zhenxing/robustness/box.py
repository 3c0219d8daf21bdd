"""Pairwise differences of two units' scores and their extremes over a box of weights (closed form)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

#: Memory for the pairwise differences formed at a time by the dominance screen (a block of units against its group).
DOMINANCE_BLOCK_BYTES = 32 * 2**20


def pair_differences(A: np.ndarray, c: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """The linear forms ``d[i, j] = scale (A_j - A_i) + (c_j - c_i) · 1``, shape (n, n, D).

    ``s_j(w) - s_i(w) = d[i, j] · w / Σ w`` (points).
    """
    A = np.asarray(A, float)
    c = np.asarray(c, float)
    return scale * (A[None, :, :] - A[:, None, :]) + (c[None, :] - c[:, None])[:, :, None]


def box_extremes(d: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of ``d · w`` over the box ``w_lo <= w <= w_hi`` (last axis of ``d``).

    ``min = Σ_k min(d_k lo_k, d_k hi_k)`` and ``max = Σ_k max(d_k lo_k, d_k hi_k)``:
    each coordinate goes to the end of its interval that favours the objective.
    """
    a = d * w_lo
    b = d * w_hi
    return np.minimum(a, b).sum(axis=-1), np.maximum(a, b).sum(axis=-1)


def _check_inputs(A: np.ndarray, c: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, groups: np.ndarray | None):
    A = np.asarray(A, float)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (n_units, n_dims), got shape {A.shape}")
    n, D = A.shape
    c = np.zeros(n) if c is None else np.asarray(c, float)
    w_lo = np.asarray(w_lo, float)
    w_hi = np.asarray(w_hi, float)
    if c.shape != (n,):
        raise ValueError(f"c must have shape ({n},), got {c.shape}")
    if w_lo.shape != (D,) or w_hi.shape != (D,):
        raise ValueError(f"w_lo and w_hi must have shape ({D},)")
    if (w_lo < 0).any() or (w_lo > w_hi).any() or w_lo.sum() <= 0:
        raise ValueError("the weight box needs 0 <= w_lo <= w_hi and Σ w_lo > 0")
    if not (np.isfinite(A).all() and np.isfinite(c).all() and np.isfinite(w_hi).all()):
        raise ValueError("A, c and the box must be finite")
    groups = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must have shape ({n},)")
    return A, c, w_lo, w_hi, groups


def _difference_blocks(
    A: np.ndarray, c: np.ndarray, groups: np.ndarray, scale: float, block_bytes: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(idx, rows, d)`` per group and block of its units: ``d[a, b] = d_{rows[a], idx[b]}`` (b, m, D).

    ``idx`` are the group's units, ``rows`` a block of them sized so that ``d``
    and the temporaries of :func:`box_extremes` (3 arrays of 8 b m D bytes) stay
    within ``block_bytes`` (default :data:`DOMINANCE_BLOCK_BYTES`).
    """
    budget = DOMINANCE_BLOCK_BYTES if block_bytes is None else block_bytes
    D = A.shape[1]
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        step = max(1, budget // (3 * 8 * len(idx) * D))
        for first in range(0, len(idx), step):
            rows = idx[first : first + step]
            yield idx, rows, scale * (A[idx][None, :, :] - A[rows][:, None, :]) + (c[idx][None, :] - c[rows][:, None])[:, :, None]


class Dominance(NamedTuple):
    """Pairwise dominance inside a weight box (rows ``i`` = the unit, columns ``j`` = rivals).

    * ``always[i, j]``: ``j`` beats ``i`` for every ``w`` in the box;
    * ``never[i, j]``: ``j`` beats ``i`` for no ``w`` in the box;
    * ``lower[i, j]``, ``upper[i, j]``: min and max over the box of ``d'_ji · w``
      (points × weight points; only their signs are meaningful).

    Only pairs in the same group with ``j != i`` are marked; other entries are
    False (``lower``/``upper``: NaN).
    """

    always: np.ndarray
    never: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def pairwise_dominance(
    A: np.ndarray,
    c: np.ndarray,
    w_lo: np.ndarray,
    w_hi: np.ndarray,
    groups: np.ndarray | None = None,
    scale: float = 100.0,
    *,
    tie_tol: float = 0.0,
    block_bytes: int | None = None,
) -> Dominance:
    """Which rivals beat each unit for every / for no weight vector in the box.

    ``j`` beats ``i`` at ``w`` when ``s_j(w) - s_i(w) > tie_tol`` (points), i.e.
    ``d'_ji · w > 0`` with ``d'_ji = scale (A_j - A_i) + (c_j - c_i - tie_tol)·1``.
    Always: ``min_box d'_ji · w > 0``; never: ``max_box d'_ji · w <= 0`` (closed
    form, see :func:`box_extremes`). ``A``: (n, D) attainments 0..1; ``c``: (n,)
    adjustments in points; ``w_lo``, ``w_hi``: (D,) weight bounds in points;
    ``groups``: (n,) labels (None = one group). The differences are formed
    ``block_bytes`` (default :data:`DOMINANCE_BLOCK_BYTES`) at a time, a block of
    units against their whole group, never the full (n, n, D) array.
    """
    A, c, w_lo, w_hi, groups = _check_inputs(A, c, w_lo, w_hi, groups)
    n = len(A)
    always = np.zeros((n, n), dtype=bool)
    never = np.zeros((n, n), dtype=bool)
    lower = np.full((n, n), np.nan)
    upper = np.full((n, n), np.nan)
    for idx, rows, d in _difference_blocks(A, c, groups, scale, block_bytes):
        lo, hi = box_extremes(d - tie_tol, w_lo, w_hi)
        off = idx[None, :] != rows[:, None]
        sub = np.ix_(rows, idx)
        always[sub] = (lo > 0) & off
        never[sub] = (hi <= 0) & off
        lower[sub] = np.where(off, lo, np.nan)
        upper[sub] = np.where(off, hi, np.nan)
    return Dominance(always, never, lower, upper)
