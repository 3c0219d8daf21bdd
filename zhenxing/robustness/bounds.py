"""Exact best and worst rank on unrounded scores (one small MILP per bound, see :mod:`zhenxing.robustness`)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .box import _check_inputs, box_extremes, pairwise_dominance
from .published import _published_rank_bounds
from .screen import RankBounds, _bound_arrays, _quiet_highs, _screen_points

#: Default strict margin ε of the worst-rank MILP, as a fraction of the scale (0.001 points on 100).
STRICT_MARGIN_REL = 1e-5


def _solve_bound(
    dprime: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, eps: float, worst: bool, known: int | None = None
) -> tuple[int, np.ndarray] | None:
    """One MILP over the undecided rivals (rows of ``dprime``); returns (Σ y, w) or None.

    ``known``: a value of Σ y already achieved by a screened weight vector; the
    cut ``Σ y <= known`` (best) or ``>= known`` (worst) removes no optimum and
    lets the branch and bound prune earlier.
    The solver works on ``u = w / w_hi`` and on rows divided by their largest
    absolute value over the box, so every coefficient is O(1).
    """
    k, D = dprime.shape
    ref = np.where(w_hi > 0, w_hi, 1.0)
    u_lo, u_hi = w_lo / ref, w_hi / ref
    e = dprime - eps if worst else dprime
    g = e * ref  # the same linear forms in u
    m_lo, m_hi = box_extremes(g, u_lo, u_hi)
    size = np.maximum(np.abs(m_lo), np.abs(m_hi))
    size[size == 0] = 1.0
    g = g / size[:, None]
    m_lo, m_hi = m_lo / size, m_hi / size
    if worst:
        # y_j = 1 forces g_j·u >= 0 (j leads by >= ε points): g_j·u + m_lo_j y_j >= m_lo_j (m_lo_j < 0)
        rows = np.hstack([g, np.diag(m_lo)])
        lb, ub = m_lo, np.full(k, np.inf)
        y_hi = np.where(m_hi >= 0, 1.0, 0.0)  # a rival that cannot lead by ε stays at 0
        objective = np.r_[np.zeros(D), -np.ones(k)]
    else:
        # y_j = 0 forces g_j·u <= 0 (j does not beat i): g_j·u - M_j y_j <= 0 (M_j = m_hi_j > 0)
        rows = np.hstack([g, np.diag(-m_hi)])
        lb, ub = np.full(k, -np.inf), np.zeros(k)
        y_hi = np.ones(k)
        objective = np.r_[np.zeros(D), np.ones(k)]
    if known is not None:  # an achieved value from screening: Σ y <= known (best) or >= known (worst)
        cut = np.r_[np.zeros(D), np.ones(k)]
        rows = np.vstack([rows, cut])
        lb = np.r_[lb, known if worst else -np.inf]
        ub = np.r_[ub, np.inf if worst else known]
    with _quiet_highs():
        res = milp(
            objective,
            constraints=LinearConstraint(rows, lb, ub),
            bounds=Bounds(np.r_[u_lo, np.zeros(k)], np.r_[u_hi, y_hi]),
            integrality=np.r_[np.zeros(D), np.ones(k)],
        )
    if res.x is None:  # pragma: no cover - the screened weights give a feasible point
        return None
    w = np.clip(res.x[:D] * ref, w_lo, w_hi)
    return int(np.round(res.x[D:]).sum()), w


def rank_bounds(
    A: np.ndarray,
    c: np.ndarray,
    w_lo: np.ndarray,
    w_hi: np.ndarray,
    groups: np.ndarray | None = None,
    scale: float = 100.0,
    *,
    tie_tol: float = 0.0,
    strict_margin: float | None = None,
    decimals: int | None = None,
) -> RankBounds:
    """Exact best and worst competition rank of every unit within its group, over the box.

    See the module docstring for the MILPs. ``A``: (n, D) attainments; ``c``:
    (n,) adjustments (points); ``w_lo``, ``w_hi``: (D,) weight bounds (points,
    renormalised inside the score); ``groups``: (n,) labels, None = one group.
    ``tie_tol``: score differences up to this many points are ties;
    ``strict_margin``: ε in points (default ``1e-5 · scale``) by which a rival must
    lead in the worst-rank MILP. ``decimals``: rank on totals published at this
    many decimals (see "Ranks as published"; ``tie_tol`` and ``strict_margin``
    then do not apply); None ranks the unrounded totals.
    """
    if decimals is not None:
        return _published_rank_bounds(A, c, w_lo, w_hi, groups, scale, int(decimals))
    A, c, w_lo, w_hi, groups = _check_inputs(A, c, w_lo, w_hi, groups)
    eps = STRICT_MARGIN_REL * scale if strict_margin is None else float(strict_margin)
    if eps <= 0 or tie_tol < 0:
        raise ValueError("strict_margin must be positive and tie_tol non-negative")
    dom = pairwise_dominance(A, c, w_lo, w_hi, groups, scale, tie_tol=tie_tol)
    n_always = dom.always.sum(axis=1)
    n_never = dom.never.sum(axis=1)
    best, worst, best_w, worst_w = _bound_arrays(*A.shape)
    pts = _screen_points(w_lo, w_hi)
    n_milp = 0
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        for pos, i in enumerate(idx):
            und = np.flatnonzero(~dom.always[i, idx] & ~dom.never[i, idx])
            und = und[und != pos]
            base = 1 + int(n_always[i])
            if len(und) == 0:
                best[i] = worst[i] = base
                best_w[i] = worst_w[i] = pts[0]
                continue
            d_u = scale * (A[idx[und]] - A[i]) + (c[idx[und]] - c[i])[:, None] - tie_tol  # d'_ji, (k, D)
            # screening: rank at the box centre and vertices, counted on the same linear forms
            lead = d_u @ pts.T  # (k, S): d'·w, sign = who is ahead
            r = base + (lead > 0).sum(axis=0)
            s_best, s_worst = int(np.argmin(r)), int(np.argmax(r))
            if r[s_best] == base:
                best[i], best_w[i] = base, pts[s_best]
            else:
                sol = _solve_bound(d_u, w_lo, w_hi, eps, worst=False, known=int(r[s_best]) - base)
                n_milp += 1
                best[i], best_w[i] = (base + sol[0], sol[1]) if sol else (int(r[s_best]), pts[s_best])
                _verify(d_u, best_w[i], best[i] - base, eps, "best", i)
            if r[s_worst] == base + len(und):
                worst[i], worst_w[i] = int(r[s_worst]), pts[s_worst]
            else:
                known = int((lead >= eps * pts.sum(axis=1)).sum(axis=0).max())  # leads by >= ε: MILP-feasible
                sol = _solve_bound(d_u, w_lo, w_hi, eps, worst=True, known=known)
                n_milp += 1
                worst[i], worst_w[i] = (base + sol[0], sol[1]) if sol else (int(r[s_worst]), pts[s_worst])
                _verify(d_u, worst_w[i], worst[i] - base, eps, "worst", i)
    return RankBounds(best, worst, best_w, worst_w, n_always, n_never, n_milp)


def _verify(d_u: np.ndarray, w: np.ndarray, count: int, eps: float, which: str, unit: int) -> None:
    """Recount the undecided rivals that lead by more than ε/2 points at the solver's weights."""
    got = int(((d_u @ w) / w.sum() > eps / 2).sum())
    if got != count:
        warnings.warn(
            f"{which} rank of unit {unit}: the solver's weights give {got} undecided rivals ahead instead of {count} "
            "on rescoring (solver tolerance); the bound may be off by the difference",
            RuntimeWarning,
            stacklevel=3,
        )
