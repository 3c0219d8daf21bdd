"""Exact rank robustness under a box of dimension weights.

Sampling weights (Monte Carlo) shows which ranks are *likely*; this module
computes which ranks are *possible*: the best and the worst rank a county can
reach when every dimension weight may move inside a box, with weights that
achieve each bound. No amount of sampling can promise that.

The model
---------
For one year the default scoring (goalpost attainment, weighted arithmetic
mean) gives, per unit ``i``, a dimension attainment vector ``A_i`` (0..1, from
:func:`zhenxing.scoring.score_arrays`, key ``dimension_attainment``) and a
constant adjustment ``c_i = bonus_i - deduction_i`` (points). With dimension
weights ``w`` (points; the nominal ones sum to ``scale``), renormalised::

    s_i(w) = scale · (A_i · w) / Σ_k w_k + c_i                        (points)

The floor of the assessment (``total = max(0, ·)``) is ignored: with the demo
framework no unit comes near 0; :func:`rank_bounds_table` warns if the floor
could bind. The box is ``w_lo <= w <= w_hi``, for a spread ``x`` around the
nominal weights ``w0``: ``w_lo = w0 (1 - x)``, ``w_hi = w0 (1 + x)``.

Key fact: for two units ::

    s_j(w) - s_i(w) = (d_ji · w) / Σ_k w_k,   d_ji = scale (A_j - A_i) + (c_j - c_i) · 1

so the sign of every comparison is that of the linear form ``d_ji · w``
(``Σ w > 0``): it is invariant to rescaling ``w``, and the box itself can be
searched without a simplex constraint. Unit ``j`` *beats* unit ``i`` when
``s_j - s_i > tie_tol`` (points; 0 by default, i.e. strictly higher), which is
``d'_ji · w > 0`` with ``d'_ji = d_ji - tie_tol · 1`` (still linear). Ranks are
competition ranks within a group (the category, or the province):
``rank_i = 1 + #{j in group: j beats i}`` (ties share the best rank).

Pairwise "LPs" in closed form
-----------------------------
The extremes of a linear form over a box need no solver::

    min_{lo<=w<=hi} d·w = Σ_k min(d_k lo_k, d_k hi_k),   max = Σ_k max(d_k lo_k, d_k hi_k)

``j`` beats ``i`` for every ``w`` in the box iff ``min d'_ji·w > 0``; for no
``w`` iff ``max d'_ji·w <= 0``; otherwise the pair is *undecided*.

Best and worst rank (one small MILP each)
-----------------------------------------
Let ``U`` be the undecided rivals of ``i`` and ``n_a`` the number that always
beat it. With binaries ``y_j`` (j in U) and continuous ``w`` in the box::

    best  = 1 + n_a + min Σ y_j   s.t.  d'_j · w <= M_j y_j                  (y_j = 0: j does not beat i)
    worst = 1 + n_a + max Σ y_j   s.t.  (d'_j - ε·1) · w >= m_j (1 - y_j)    (y_j = 1: j beats i by >= ε points)

with the tight big-M constants from the box, ``M_j = max_box d'_j·w > 0`` and
``m_j = min_box (d'_j - ε·1)·w < 0``. Ties never beat, so "does not beat" is the
closed constraint ``<= 0`` (exact ties are allowed and found); "beats" is strict
and is imposed with a margin: ``s_j - s_i >= tie_tol + ε`` with
``ε = strict_margin``, default ``1e-5 · scale`` points (0.001 points on a
100-point scale, a tenth of the 0.01 to which scores are reported). The worst
rank therefore ignores weight vectors at which a rival leads by less than ε.

Why not smaller: HiGHS accepts a MIP solution when each row holds within its
feasibility tolerance (1e-6 on our rows, which are scaled so that their range
over the box is [-1, 1]); that is up to ~1e-6 × (the largest score gap of the
pair over the box) ≈ 1e-4 points. A margin below that lets the solver "find"
rivals leading by nothing (e.g. two rivals each ahead of a unit that sits
exactly between them). With ε = 1e-3 points the solver slack stays well
inside the margin. Each optimum's weights are rescored: the rivals leading by
more than ``tie_tol + ε/2`` points must be exactly those the MILP counts, else a
``RuntimeWarning`` is raised.

Pre-filtering keeps only the undecided rivals in the MILP; a cheap screen of
the box's vertices (up to 2^12 of them, else 4096 seeded random points) and its
centre settles a bound without a MILP whenever a screened point already reaches
``1 + n_a`` (best) or ``1 + n_a + #U`` (worst); otherwise the best screened
value enters the MILP as the cut ``Σ y <= value`` (best) or ``>= value``
(worst), which removes no optimum and prunes the branch and bound.

Measured on the demo province (100 units, 8 dimensions, categories of
25/50/25), all 400 bounds (best and worst, within category and province), on
a shared 2-core machine: ±10 % 0.9 s (109 MILPs), ±20 % 1.3–1.9 s (202),
±30 % 2.8 s (253), ±50 % 5 s (282). The cost grows with the number of
undecided rivals, i.e. with the spread and the group size.

Ranks as published
------------------
The assessment decides ranks on totals published at ``p`` decimals
(:mod:`zhenxing.precision`): ``j`` beats ``i`` when ``R(s_j) > R(s_i)``, with
``R`` rounding half away from zero to steps of ``10^-p`` points. With
``decimals=p`` the bounds follow that rule. Pre-filtering: ``j`` beats ``i``
for every ``w`` when ``s_j - s_i >= 10^-p`` on the whole box (closed form on
``d_ji - 10^-p · 1``), for no ``w`` when ``s_j <= s_i`` on the whole box. The
MILPs work in the renormalised weights ``v = scale · w / Σ w`` (then
``s_i = A_i · v + c_i`` is linear), whose set is the polytope
``{v: Σ v = scale, λ w_lo <= v <= λ w_hi, λ > 0}``, with an integer ``Q``,
the published total of ``i`` in steps, and ``P = 10^p``::

    Q - 1/2 + η <= P s_i <= Q + 1/2 - η
    best:  y_j = 0  =>  P s_j <= Q + 1/2 - η      (j published at most Q)
    worst: y_j = 1  =>  P s_j >= Q + 1/2 + η      (j published above Q)

The margin ``η`` (:data:`PUBLISHED_MARGIN` steps, 0.00001 points at 2
decimals) keeps every solution clear of a rounding boundary, beyond the
solver's tolerances (the big-M constants come from each pair's score gap over
the box, so that HiGHS's integrality tolerance relaxes a row by far less than
``η``); weight vectors at which a score lies within ``η`` of a
boundary are not counted. Each optimum's weights are rescored and rounded
with the library's own rule, as above.

Smallest swap (closed form of an LP)
------------------------------------
The smallest uniform relative change ``t`` (``|w_k - w0_k| <= t w0_k``) that
lets ``j`` score at least ``margin`` points above ``i`` is the LP
``min t  s.t. (d_ji - margin·1)·w >= 0, w0(1-t) <= w <= w0(1+t), w >= 0``.
With ``e = d_ji - margin·1`` the maximum of ``e·w`` over the box of size
``t <= 1`` is ``e·w0 + t |e|·w0``, hence ::

    t* = max(0, -e·w0 / (|e|·w0)),   w*_k = w0_k (1 + t* sign(e_k))

and no ``t`` works when no dimension with ``w0_k > 0`` has ``e_k > 0`` (``i``
then scores at least as well as ``j`` on every dimension, adjustments included).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from .data import Dataset
from .errors import InputError, Problem
from .precision import to_steps
from .scoring import ScoringOptions, competition_rank, score_arrays

#: Default strict margin ε of the worst-rank MILP, as a fraction of the scale (0.001 points on 100).
STRICT_MARGIN_REL = 1e-5
#: Default margin of :func:`smallest_swap` (closed form, no solver), as a fraction of the scale.
SWAP_MARGIN_REL = 1e-9
#: Margin η (in publication steps) that keeps MILP solutions clear of rounding boundaries when ranks are published.
PUBLISHED_MARGIN = 1e-3
#: Box vertices screened before any MILP (all of them up to this many dimensions).
MAX_SCREEN_DIMS = 12
#: Memory for the pairwise differences formed at a time by the dominance screen (a block of units against its group).
DOMINANCE_BLOCK_BYTES = 32 * 2**20


# ---------------------------------------------------------------------------
# pairwise differences and their box extremes
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# exact best and worst rank
# ---------------------------------------------------------------------------


class RankBounds(NamedTuple):
    """Exact rank bounds inside a weight box (competition ranks, 1 = best).

    ``best``, ``worst``: (n,) ints; ``best_weights``, ``worst_weights``: (n, D)
    weights in points (not renormalised) inside the box at which the unit has
    exactly that rank; ``n_always``, ``n_never``: (n,) numbers of rivals in the
    group that beat it for every / for no weight vector; ``n_milp``: number of
    MILPs solved (the rest was settled by pre-filtering and screening).
    """

    best: np.ndarray
    worst: np.ndarray
    best_weights: np.ndarray
    worst_weights: np.ndarray
    n_always: np.ndarray
    n_never: np.ndarray
    n_milp: int


def group_scores(A: np.ndarray, c: np.ndarray, W: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """Scores ``scale · (W @ A.T) / W.sum(1) + c`` for weight rows ``W`` (S, D) → (S, n), points."""
    W = np.atleast_2d(np.asarray(W, float))
    return scale * (W @ np.asarray(A, float).T) / W.sum(axis=1)[:, None] + np.asarray(c, float)[None, :]


def _screen_points(w_lo: np.ndarray, w_hi: np.ndarray, rng_seed: int = 0) -> np.ndarray:
    """Box centre plus all vertices (or 4096 random points when D > MAX_SCREEN_DIMS)."""
    D = len(w_lo)
    free = np.flatnonzero(w_hi > w_lo)
    centre = (w_lo + w_hi) / 2
    if len(free) <= MAX_SCREEN_DIMS:
        pts = np.tile(centre, (2 ** len(free), 1))
        corners = np.array(list(itertools.product((0, 1), repeat=len(free))), dtype=float).reshape(-1, len(free))
        pts[:, free] = w_lo[free] + corners * (w_hi[free] - w_lo[free])
    else:
        rng = np.random.default_rng(rng_seed)
        pts = w_lo + rng.random((4096, D)) * (w_hi - w_lo)
    return np.vstack([centre, pts])


@contextlib.contextmanager
def _quiet_highs() -> Iterator[None]:
    """Drop a stray debug line that HiGHS 1.12 prints to the C-level stdout from its MIP
    solver (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``,
    HiGHS issue #2783); anything else printed meanwhile is passed on unchanged.

    File descriptor 1 is redirected while the solver runs, so output written to it
    by other threads in that window is delayed until the solver returns."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no usable file descriptor 1
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield
        finally:
            try:
                sys.stdout.flush()
            except (OSError, ValueError):  # pragma: no cover
                pass
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            kept = [ln for ln in tmp.read().decode(errors="replace").splitlines(keepends=True) if _HIGHS_NOISE not in ln]
            if kept:
                sys.stdout.write("".join(kept))


_HIGHS_NOISE = "transformNewIntegerFeasibleSolution"


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


def _bound_arrays(n: int, D: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty best and worst ranks (n,) and their weight vectors (n, D), filled per unit."""
    return np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, D)), np.empty((n, D))


def _published_rank_bounds(
    A: np.ndarray, c: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, groups: np.ndarray | None, scale: float, decimals: int,
    limit: int | None = None, only: np.ndarray | None = None,
) -> RankBounds:
    """:func:`rank_bounds` on totals published at ``decimals`` (module docstring, "Ranks as published").

    ``limit``: only which side of ``limit`` each bound lies on is wanted (is the
    best / worst rank at most ``limit``?): a unit that ``limit`` or more rivals
    beat everywhere gets ``base = 1 + n_always`` for both bounds without
    screening, and a screened point already on the far side of ``limit``
    settles a bound without a MILP. The reported bounds are then on the same
    side of ``limit`` as the exact ones, not necessarily equal to them.
    ``only``: a boolean mask of the units whose bounds are wanted (every unit
    still counts as a rival); the others get 0.
    """
    A, c, w_lo, w_hi, groups = _check_inputs(A, c, w_lo, w_hi, groups)
    n, D = A.shape
    step = 10.0**-decimals
    # j beats i everywhere when it leads by a whole step everywhere (min >= 0, closed), nowhere when it never leads
    always = np.zeros((n, n), dtype=bool)
    never = np.zeros((n, n), dtype=bool)
    for idx, rows, d in _difference_blocks(A, c, groups, scale):
        off = idx[None, :] != rows[:, None]
        sub = np.ix_(rows, idx)
        always[sub] = (box_extremes(d - step, w_lo, w_hi)[0] >= 0) & off
        never[sub] = (box_extremes(d, w_lo, w_hi)[1] <= 0) & off
    n_always, n_never = always.sum(axis=1), never.sum(axis=1)
    best, worst, best_w, worst_w = _bound_arrays(n, D)
    pts = _screen_points(w_lo, w_hi)
    n_milp = 0
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        screened = to_steps(group_scores(A[idx], c[idx], pts, scale), decimals)  # (S, m) published steps
        for pos, i in enumerate(idx):
            if only is not None and not only[i]:
                best[i] = worst[i] = 0
                best_w[i] = worst_w[i] = pts[0]
                continue
            und = np.flatnonzero(~always[i, idx] & ~never[i, idx])
            und = und[und != pos]
            base = 1 + int(n_always[i])
            if len(und) == 0 or (limit is not None and base > limit):
                best[i] = worst[i] = base
                best_w[i] = worst_w[i] = pts[0]
                continue
            r = base + (screened[:, und] > screened[:, [pos]]).sum(axis=1)
            s_best, s_worst = int(np.argmin(r)), int(np.argmax(r))
            best_done = r[s_best] == base or (limit is not None and r[s_best] <= limit)
            worst_done = r[s_worst] == base + len(und) or (limit is not None and r[s_worst] > limit)
            for which, s_k, done in (("best", s_best, best_done), ("worst", s_worst, worst_done)):
                if done:
                    value, w = int(r[s_k]), pts[s_k]
                else:
                    sol = _solve_published_bound(A[idx], c[idx], pos, und, w_lo, w_hi, scale, decimals, which == "worst", int(r[s_k]) - base)
                    n_milp += 1
                    value, w = (base + sol[0], sol[1]) if sol else (int(r[s_k]), pts[s_k])
                    ranks = to_steps(group_scores(A[idx], c[idx], w, scale)[0], decimals)
                    recount = base + int((ranks[und] > ranks[pos]).sum())
                    if recount != value:
                        warnings.warn(
                            f"{which} rank of unit {i}: the solver's weights give rank {recount} instead of {value} on "
                            "rescoring (solver tolerance); the bound may be off by the difference",
                            RuntimeWarning,
                            stacklevel=3,
                        )
                if which == "best":
                    best[i], best_w[i] = value, w
                else:
                    worst[i], worst_w[i] = value, w
    return RankBounds(best, worst, best_w, worst_w, n_always, n_never, n_milp)


def _solve_published_bound(
    A: np.ndarray, c: np.ndarray, i: int, rivals: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray,
    scale: float, decimals: int, worst: bool, known: int,
) -> tuple[int, np.ndarray] | None:
    """One MILP for unit ``i`` against its undecided ``rivals`` on published totals; (Σ y, w in the box) or None.

    Variables ``[v (D), λ, Q, y (k)]``; rows in publication steps (see the
    module docstring). ``known``: a count already reached at a screened point
    (cut ``Σ y <= known`` for the best rank, ``>= known`` for the worst).
    """
    D = A.shape[1]
    k = len(rivals)
    P = 10.0**decimals
    eta = PUBLISHED_MARGIN
    n_var = D + 2 + k
    iv, il, iq = slice(0, D), D, D + 1
    # score ranges over any weights (loose but valid) for Q's bounds, in steps
    s_min = P * (scale * A.min(axis=1) + c)
    s_max = P * (scale * A.max(axis=1) + c)
    # the range of s_j - s_i over the box, for tight big-M constants: d·w / Σw with d·w in [lo, hi] and Σw in [Σ w_lo, Σ w_hi]
    d = scale * (A[rivals] - A[i]) + (c[rivals] - c[i])[:, None]
    d_lo, d_hi = box_extremes(d, w_lo, w_hi)
    gap_max = P * np.where(d_hi > 0, d_hi / w_lo.sum(), d_hi / w_hi.sum())
    gap_min = P * np.where(d_lo < 0, d_lo / w_lo.sum(), d_lo / w_hi.sum())
    rows, lb, ub = [], [], []

    def row() -> np.ndarray:
        return np.zeros(n_var)

    r = row()
    r[iv] = 1.0
    rows.append(r), lb.append(scale), ub.append(scale)  # Σ v = scale
    for d in range(D):  # λ w_lo <= v <= λ w_hi
        r = row()
        r[d], r[il] = 1.0, -w_lo[d]
        rows.append(r), lb.append(0.0), ub.append(np.inf)
        r = row()
        r[d], r[il] = 1.0, -w_hi[d]
        rows.append(r), lb.append(-np.inf), ub.append(0.0)
    r = row()  # Q - 1/2 + η <= P s_i <= Q + 1/2 - η
    r[iv], r[iq] = P * A[i], -1.0
    rows.append(r), lb.append(-0.5 + eta - P * c[i]), ub.append(0.5 - eta - P * c[i])
    for q, j in enumerate(rivals):
        r = row()
        r[iv], r[iq] = P * A[j], -1.0  # P s_j - Q (minus P c_j)
        if worst:  # y = 1 => P s_j - Q >= 1/2 + η
            m = gap_min[q] - 1.0 - eta - 1e-6  # a lower bound of P s_j - Q - 1/2 - η (Q <= P s_i + 1/2)
            r[D + 2 + q] = m
            rows.append(r), lb.append(0.5 + eta - P * c[j] + m), ub.append(np.inf)
        else:  # y = 0 => P s_j - Q <= 1/2 - η
            M = gap_max[q] + eta + 1e-6  # an upper bound of P s_j - Q - 1/2 + η (Q >= P s_i - 1/2)
            r[D + 2 + q] = -M
            rows.append(r), lb.append(-np.inf), ub.append(0.5 - eta - P * c[j])
    r = row()
    r[D + 2 :] = 1.0
    rows.append(r), lb.append(known if worst else -np.inf), ub.append(np.inf if worst else known)
    lo = np.r_[np.zeros(D), scale / w_hi.sum(), np.floor(s_min[i]) - 1, np.zeros(k)]
    hi = np.r_[np.full(D, scale), scale / w_lo.sum(), np.ceil(s_max[i]) + 1, np.ones(k)]
    objective = np.r_[np.zeros(D + 2), (-1.0 if worst else 1.0) * np.ones(k)]
    integrality = np.r_[np.zeros(D + 1), 1, np.ones(k)]
    with _quiet_highs():
        res = milp(objective, constraints=LinearConstraint(np.array(rows), lb, ub), bounds=Bounds(lo, hi), integrality=integrality)
    if res.x is None:
        return None
    v, lam = res.x[iv], res.x[il]
    return int(np.round(res.x[D + 2 :]).sum()), np.clip(v / lam, w_lo, w_hi)


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


# ---------------------------------------------------------------------------
# smallest swap
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# pandas wrapper
# ---------------------------------------------------------------------------


def weight_box_arrays(
    dataset: Dataset,
    year: int,
    spread: float,
    options: ScoringOptions | None,
    dimension_weights: Sequence[float] | np.ndarray | None,
    extra_problems: Sequence[Problem] = (),
    purpose: str = "weight-robustness",
):
    """Validate a weight-box request and score ``year`` at the box's centre.

    The centre ``w0`` is ``dimension_weights``, else ``options.dimension_weights``,
    else the framework's (points summing to the scale); ``spread`` must lie in
    (0, 1) and the aggregation must be the weighted arithmetic mean (the score
    is then linear in the weights). Returns ``(framework, year data, w0, score
    arrays)``; raises one :class:`InputError` with every problem, plus
    ``extra_problems`` found by the caller.
    """
    fw = dataset.framework
    options = options or ScoringOptions()
    problems: list[Problem] = list(extra_problems)
    if not (isinstance(spread, (int, float)) and 0 < spread < 1):
        problems.append(Problem("spread", f"expected a relative spread strictly between 0 and 1 (0.2 means ±20 %), got {spread!r}"))
    w0 = np.asarray(dimension_weights, float) if dimension_weights is not None else options.weights(fw)[0].copy()
    if w0.shape != (len(fw.dimensions),) or not np.isfinite(w0).all() or (w0 < 0).any():
        problems.append(Problem("dimension_weights", f"expected {len(fw.dimensions)} non-negative weights ({', '.join(fw.dimension_ids)}), got {list(np.ravel(w0))}"))
    elif abs(w0.sum() - fw.scale) > 1e-6 * fw.scale:
        problems.append(Problem("dimension_weights", f"weights sum to {w0.sum():g}, expected {fw.scale:g} (the framework's scale)"))
    if options.aggregation != "arithmetic":
        problems.append(
            Problem("aggregation", f"{purpose} needs the weighted arithmetic mean (score linear in the weights); got '{options.aggregation}'")
        )
    if problems:
        raise InputError(problems, f"invalid {purpose} request")
    options = replace(options, dimension_weights=tuple(float(v) for v in w0))
    yd = dataset.year(year)
    arr = score_arrays(yd, fw, options)
    return fw, yd, w0, arr


#: the largest number of units whose bounds the reports and ``zhenxing simulate`` compute for every unit by
#: default; above it, for the home city's units (measured: 400 units took minutes, 2,800 would take days)
ALL_UNITS_MAX = 400


def rank_bounds_table(
    dataset: Dataset,
    year: int,
    spread: float,
    options: ScoringOptions | None = None,
    dimension_weights: Sequence[float] | np.ndarray | None = None,
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Best and worst rank of every unit when each dimension weight moves within ±``spread``.

    The box is ``w0 (1 - spread) <= w <= w0 (1 + spread)`` around the scenario's
    weights ``w0`` (``dimension_weights``, else ``options.dimension_weights``,
    else the framework's; points summing to the scale), renormalised inside the
    score. ``A`` and ``c = bonus - deduction`` come from
    :func:`~zhenxing.scoring.score_arrays`; only the weighted arithmetic
    aggregation is linear in the weights and accepted.

    Columns: ``code, name_zh, city, category, total`` (nominal, points),
    ``rank_category, rank_province`` (nominal), ``n_category``, ``n_province``,
    ``best_rank_category, worst_rank_category, best_rank_province,
    worst_rank_province``, ``n_always_beaten_by`` / ``n_never_beaten_by`` (rivals
    in the category that beat the unit for every / for no weights in the box),
    ``warning_possible`` (for some weights in the box the unit is summoned) and
    ``warning_certain`` (for all of them), decided by the warning-talk rule
    itself: fewer than ``k`` units of the category published strictly below it.
    The number of units below comes from the same bounds on the negated scores
    (ranks from the bottom; rounding half away from zero is symmetric), so ties
    at the line count as the nominal flags count them; those bounds are settled
    only up to the line (``limit=k``), so units that ``k`` or more always
    outscore need no MILP. Sorted by category
    (framework order) then nominal rank. ``units``: the codes whose bounds are
    wanted (every unit still counts as a rival; the table has their rows only):
    at national size a city's units take minutes where every unit would take days.

    Raises :class:`~zhenxing.errors.InputError` for a spread outside (0, 1),
    weights not summing to the scale, or a non-arithmetic aggregation.
    """
    fw, yd, w0, arr = weight_box_arrays(dataset, year, spread, options, dimension_weights)
    A = arr["dimension_attainment"]
    c = arr["bonus"] - arr["deduction"]
    w_lo, w_hi = w0 * (1 - spread), w0 * (1 + spread)
    lowest = fw.scale * A.min(axis=1) + c  # lower bound of s_i over any weights
    if (lowest < 0).any():
        warnings.warn(
            "some units could score below 0 inside the box; the floor at 0 is ignored by the rank bounds", RuntimeWarning, stacklevel=2
        )
    cat = yd.category_index
    p = fw.publication.decimals  # ranks as published
    codes = yd.units["code"].astype(str).to_numpy()
    only = None
    if units is not None:
        wanted = {str(u) for u in units}
        unknown = sorted(wanted - set(codes))
        if unknown:
            raise InputError([Problem("units", f"unit(s) {', '.join(unknown)} not assessed in {year}")], "invalid rank-bounds request")
        only = np.isin(codes, list(wanted))
    by_cat = _published_rank_bounds(A, c, w_lo, w_hi, cat, fw.scale, p, only=only)
    by_prov = _published_rank_bounds(A, c, w_lo, w_hi, None, fw.scale, p, only=only)
    k = fw.warning_talk.per_category
    # 1 + units strictly below; only whether fewer than k can be (or always are) below matters
    from_bottom = _published_rank_bounds(-A, -c, w_lo, w_hi, cat, fw.scale, p, limit=k, only=only)
    total = arr["total"]
    units = yd.units
    n_cat = np.bincount(cat, minlength=len(fw.categories))[cat]
    out = pd.DataFrame(
        {
            "code": units["code"].to_numpy(),
            "name_zh": units["name_zh"].to_numpy(),
            "name_en": units["name_en"].to_numpy(),
            "city": units["city"].to_numpy(),
            "city_en": units["city_en"].to_numpy(),
            "category": units["category"].to_numpy(),
            "total": total,
            "rank_category": competition_rank(total, cat),
            "rank_province": competition_rank(total),
            "n_category": n_cat,
            "n_province": len(units),
            "best_rank_category": by_cat.best,
            "worst_rank_category": by_cat.worst,
            "best_rank_province": by_prov.best,
            "worst_rank_province": by_prov.worst,
            "n_always_beaten_by": by_cat.n_always,
            "n_never_beaten_by": by_cat.n_never,
            "warning_possible": from_bottom.best - 1 < k,
            "warning_certain": from_bottom.worst - 1 < k,
        }
    )
    out["_c"] = cat
    if only is not None:
        out = out[only]
    out = out.sort_values(["_c", "rank_category", "code"], kind="stable").drop(columns="_c").reset_index(drop=True)
    return out
