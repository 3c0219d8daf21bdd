"""Exact best and worst rank on totals as published (rounded), with MILPs over the undecided rivals only."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from ..precision import to_steps
from .box import _check_inputs, _difference_blocks, box_extremes
from .screen import RankBounds, _bound_arrays, _quiet_highs, _screen_points, group_scores

#: Margin η (in publication steps) that keeps MILP solutions clear of rounding boundaries when ranks are published.
PUBLISHED_MARGIN = 1e-3
#: MILPs go to worker processes when their work, Σ (rivals + 1)² over them, is at least this much (the demo
#: province's 204 MILPs: about 81,000, 5 s in one process; a unit with 300 rivals at 1,600 units: 180,000, 10-30 s).
PARALLEL_MIN_WORK = 200_000


class _Job(NamedTuple):
    """The MILPs one unit still needs: its row and its undecided rivals' (``A[0]``, ``A[1:]``), and per bound
    ``(which, known count, fallback rank, fallback weights)``."""

    unit: int
    A: np.ndarray
    c: np.ndarray
    base: int
    bounds: list[tuple[str, int, int, np.ndarray]]


def _settle(job: _Job, w_lo: np.ndarray, w_hi: np.ndarray, scale: float, decimals: int,
            time_limit: float | None = None) -> list[tuple[str, int, np.ndarray, str | None, bool]]:
    """Solve a unit's remaining MILPs: ``(which, rank, weights, warning or None, proven)`` per bound (a task of its own)."""
    rivals = np.arange(1, len(job.A))
    out = []
    for which, known, fallback, fallback_w in job.bounds:
        sol = _solve_published_bound(job.A, job.c, 0, rivals, w_lo, w_hi, scale, decimals, which == "worst", known, time_limit)
        value, w, proven = (job.base + sol[0], sol[1], sol[2]) if sol else (fallback, fallback_w, False)
        ranks = to_steps(group_scores(job.A, job.c, w, scale)[0], decimals)
        recount = job.base + int((ranks[1:] > ranks[0]).sum())
        message = None
        if recount != value:
            message = (f"{which} rank of unit {job.unit}: the solver's weights give rank {recount} instead of {value} on "
                       "rescoring (solver tolerance); the bound may be off by the difference")
        out.append((which, value, w, message, proven))
    return out


def _solved(jobs: list[_Job], w_lo: np.ndarray, w_hi: np.ndarray, scale: float, decimals: int, workers: int,
            time_limit: float | None = None):
    """``(job, results)`` for every job: in this process, or in ``workers`` processes when the MILPs are many.

    Processes (not threads) because HiGHS holds the interpreter while it solves;
    a unit's MILPs do not depend on which process solves them, so the bounds
    are the same whatever ``workers``. The longest jobs (most rivals) go first.
    A script that asks for ``workers > 1`` must guard its own code with
    ``if __name__ == "__main__":`` (the processes are spawned).
    """
    work = sum(len(j.A) ** 2 * len(j.bounds) for j in jobs)
    if workers <= 1 or len(jobs) < 2 or work < PARALLEL_MIN_WORK:
        for job in jobs:
            yield job, _settle(job, w_lo, w_hi, scale, decimals, time_limit)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ordered = sorted(jobs, key=lambda j: -len(j.A) ** 2 * len(j.bounds))
    # spawn: a clean interpreter whatever threads this one runs (numba, BLAS, a notebook kernel)
    ex = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = [ex.submit(_settle, job, w_lo, w_hi, scale, decimals, time_limit) for job in ordered]
        for job, f in zip(ordered, futures):
            yield job, f.result()
    finally:  # an error here (or in the caller) does not wait for the MILPs not yet started
        ex.shutdown(wait=True, cancel_futures=True)


def _published_rank_bounds(
    A: np.ndarray, c: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, groups: np.ndarray | None, scale: float, decimals: int,
    limit: int | None = None, only: np.ndarray | None = None, workers: int = 1, time_limit: float | None = None,
) -> RankBounds:
    """:func:`rank_bounds` on totals published at ``decimals`` (module docstring, "Ranks as published").

    ``limit``: only which side of ``limit`` each bound lies on is wanted (is the
    best / worst rank at most ``limit``?): a unit that ``limit`` or more rivals
    beat everywhere gets ``base = 1 + n_always`` for both bounds without
    screening, and a screened point already on the far side of ``limit``
    settles a bound without a MILP. The reported bounds are then on the same
    side of ``limit`` as the exact ones, not necessarily equal to them.
    ``only``: a boolean mask of the units whose bounds are wanted (every unit
    still counts as a rival); the others get 0. ``workers``: processes for the
    MILPs when they are much work (:data:`PARALLEL_MIN_WORK`); the same bounds.
    ``time_limit``: seconds per MILP; a MILP stopped there gives the best rank
    found (reached at its weights) and ``proven[i] = False``.
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
    jobs = []
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
            needed = []
            for which, s_k, done, ranks, weights in (("best", s_best, best_done, best, best_w),
                                                     ("worst", s_worst, worst_done, worst, worst_w)):
                ranks[i], weights[i] = int(r[s_k]), pts[s_k]  # the screened point: final when done, else the fallback
                if not done:
                    needed.append((which, int(r[s_k]) - base, int(r[s_k]), pts[s_k]))
            if needed:
                rows = idx[np.r_[pos, und]]  # the unit, then its undecided rivals
                jobs.append(_Job(int(i), A[rows], c[rows], base, needed))
    n_milp = 0
    proven = np.ones(n, dtype=bool)
    for job, results in _solved(jobs, w_lo, w_hi, scale, decimals, workers, time_limit):
        for which, value, w, message, exact in results:
            n_milp += 1
            proven[job.unit] &= exact
            if message:
                warnings.warn(message, RuntimeWarning, stacklevel=3)
            if which == "best":
                best[job.unit], best_w[job.unit] = value, w
            else:
                worst[job.unit], worst_w[job.unit] = value, w
    return RankBounds(best, worst, best_w, worst_w, n_always, n_never, n_milp, None if time_limit is None else proven)


def _solve_published_bound(
    A: np.ndarray, c: np.ndarray, i: int, rivals: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray,
    scale: float, decimals: int, worst: bool, known: int, time_limit: float | None = None,
) -> tuple[int, np.ndarray, bool] | None:
    """One MILP for unit ``i`` against its undecided ``rivals`` on published totals; (Σ y, w in the box, proven) or None.

    ``time_limit`` (seconds): HiGHS stops there with its best solution so far
    (``proven`` False), or none (None).

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
        res = milp(objective, constraints=LinearConstraint(np.array(rows), lb, ub), bounds=Bounds(lo, hi), integrality=integrality,
                   options={} if time_limit is None else {"time_limit": float(time_limit)})
    if res.x is None:
        return None
    v, lam = res.x[iv], res.x[il]
    return int(np.round(res.x[D + 2 :]).sum()), np.clip(v / lam, w_lo, w_hi), bool(res.status == 0)
