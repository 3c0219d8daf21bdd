"""The smallest uniform change of the weights that lets one unit overtake another (closed form of an LP)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

#: Default margin of :func:`smallest_swap` (closed form, no solver), as a fraction of the scale.
SWAP_MARGIN_REL = 1e-9


class Swap(NamedTuple):
    """``t``: smallest uniform relative weight change (0.1 = every weight within ±10 %),
    ``inf`` if no weights work; ``weights``: (D,) weights in points achieving it, or None."""

    t: float
    weights: np.ndarray | None


def smallest_swap(
    A: np.ndarray,
    c: np.ndarray,
    w0: np.ndarray,
    i: int,
    j: int,
    scale: float = 100.0,
    *,
    margin: float | None = None,
) -> Swap:
    """Smallest ``t`` such that some ``w`` with ``|w_k - w0_k| <= t w0_k`` puts ``j`` at
    least ``margin`` points above ``i`` (default ``1e-9 · scale``: strictly above).

    Closed form of the LP ``min t`` (module docstring): with
    ``e = scale (A_j - A_i) + (c_j - c_i - margin)·1``,
    ``t* = max(0, -e·w0 / (|e|·w0))`` and ``w*_k = w0_k (1 + t* sign(e_k))``.
    ``t* = 0`` (``w* = w0``) when ``j`` already leads by the margin; ``(inf, None)``
    when no dimension with positive weight favours ``j`` (then no weights,
    however far from ``w0``, can swap them).
    """
    A = np.asarray(A, float)
    c = np.zeros(len(A)) if c is None else np.asarray(c, float)
    w0 = np.asarray(w0, float)
    if w0.shape != (A.shape[1],) or (w0 < 0).any() or w0.sum() <= 0:
        raise ValueError("w0 must be non-negative weights, one per dimension, with a positive sum")
    m = SWAP_MARGIN_REL * scale if margin is None else float(margin)
    e = scale * (A[j] - A[i]) + (c[j] - c[i] - m)
    now = float(e @ w0)
    if now >= 0:
        return Swap(0.0, w0.copy())
    if not ((e > 0) & (w0 > 0)).any():
        return Swap(math.inf, None)
    t = -now / float(np.abs(e) @ w0)
    return Swap(t, w0 * (1.0 + t * np.sign(e)))
