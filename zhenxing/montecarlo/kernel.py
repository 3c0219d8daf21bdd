"""Compiled loops that rank and count the draws (numba; integers only, so exact).

A draw is one row of published totals in integer steps (``steps[r, i]``,
:func:`zhenxing.precision.to_steps`). For every unit ``i`` of a row the kernel
decides, exactly as :mod:`zhenxing.scoring` does::

    rank_province_i = 1 + #{k: s_k > s_i}
    rank_category_i = 1 + #{k in cat(i): s_k > s_i}          (competition ranks: ties share the best)
    lower_i         = #{k in cat(i): s_k < s_i}               (flagged when lower_i < k_talk)
    city mean       = sign(S) · floor((2|S| + n_c) / 2 n_c)   (S: the city's sum of steps)

and counts the city (or the tied cities) with the lowest mean. The counts
``#{k: s_k > s}`` and ``#{k: s_k < s}`` of a set of ``m`` values come from one of
three exact methods, the cheapest for the set (:func:`_above_below`): direct
comparison of every pair (``m <=`` :data:`PAIRWISE_MAX`, O(m²) but branch-free);
a histogram over the set's range ``R`` of steps and its running sum
(``R <=`` :data:`HIST_BINS_PER_UNIT` ``· m``, O(m + R)); else one sort (O(m log m)).

Ranks are first written into per-worker buffers, one row per draw
(:func:`rank_into`), and counted a tile of units at a time when the buffer is
full (:func:`count_ranks`): a unit's ranks over many draws fall close together,
so the ``n × n`` province counts are updated a cache line at a time instead of
at random. The totals of the default aggregation are compiled too
(:func:`arithmetic_steps`): the same published steps as the numpy path
(:func:`zhenxing.montecarlo.tally.published_totals`); their floats may differ
in the last bit (no BLAS, no fused multiply-add), which the rounding's snap to
``10^-6`` of a step absorbs (:mod:`zhenxing.precision`). Functions are compiled once per machine (``cache=True``, in the
package's ``__pycache__``) and release the GIL, so the threads of
:func:`zhenxing.montecarlo.simulate` run them in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The histogram method is used when a set's range of steps is at most this many bins per value in the set.
HIST_BINS_PER_UNIT = 16
#: Sets of at most this many values are ranked by comparing every pair.
PAIRWISE_MAX = 128


@njit(nogil=True, cache=True)
def _above_below(vals: np.ndarray, above: np.ndarray, below: np.ndarray, hist: np.ndarray) -> None:
    """``above[j] = #{k: vals_k > vals_j}`` and ``below[j] = #{k: vals_k < vals_j}``; ``hist`` is scratch."""
    m = vals.shape[0]
    if m <= PAIRWISE_MAX:
        for j in range(m):
            v = vals[j]
            a = 0
            b = 0
            for k in range(m):
                a += vals[k] > v
                b += vals[k] < v
            above[j] = a
            below[j] = b
        return
    low = vals[0]
    high = low
    for j in range(m):
        v = vals[j]
        if v < low:
            low = v
        elif v > high:
            high = v
    span = high - low + 1  # <= 0 only if the range overflows int64: then sorted
    if 0 < span <= HIST_BINS_PER_UNIT * m and span <= hist.shape[0]:
        for v in range(span):
            hist[v] = 0
        for j in range(m):
            hist[vals[j] - low] += 1
        acc = 0
        for v in range(span - 1, -1, -1):  # hist[v] becomes #(> v)
            h = hist[v]
            hist[v] = acc
            acc += h
        for j in range(m):
            v = vals[j] - low
            above[j] = hist[v]
            below[j] = m - hist[v - 1] if v > 0 else 0  # #(>= v) = #(> v - 1)
        return
    order = np.argsort(vals)  # ascending; the order within a run of ties does not matter
    q = 0
    while q < m:  # a run of ties: below = where it starts, above = the values after it ends
        e = q
        while e + 1 < m and vals[order[e + 1]] == vals[order[q]]:
            e += 1
        for t in range(q, e + 1):
            below[order[t]] = q
            above[order[t]] = m - 1 - e
        q = e + 1


@njit(nogil=True, cache=True)
def _row_ranks(s, by_group, group_start, rank_p, rank_g, lower, hist, vals, above, below) -> None:
    """Province and category ranks and bottom counts of one row ``s`` (see the module docstring)."""
    n = s.shape[0]
    _above_below(s, above, below, hist)
    for i in range(n):
        rank_p[i] = 1 + above[i]
    for g in range(group_start.shape[0] - 1):
        a = group_start[g]
        m = group_start[g + 1] - a
        if m == 0:
            continue
        for j in range(m):
            vals[j] = s[by_group[a + j]]
        _above_below(vals[:m], above[:m], below[:m], hist)
        for j in range(m):
            i = by_group[a + j]
            rank_g[i] = 1 + above[j]
            lower[i] = below[j]


@njit(nogil=True, cache=True)
def _scratch(n: int):
    return (np.empty(HIST_BINS_PER_UNIT * n + 1, np.int64), np.empty(n, np.int64), np.empty(n, np.int64),
            np.empty(n, np.int64))


@njit(nogil=True, cache=True)
def ranks(steps: np.ndarray, by_group: np.ndarray, group_start: np.ndarray):
    """``(rank_province, rank_group, lower_in_group)`` of every row of ``steps`` (c, n), each (c, n) int32."""
    c, n = steps.shape
    rp = np.empty((c, n), np.int32)
    rg = np.empty((c, n), np.int32)
    lo = np.empty((c, n), np.int32)
    hist, vals, above, below = _scratch(n)
    for r in range(c):
        _row_ranks(steps[r], by_group, group_start, rp[r], rg[r], lo[r], hist, vals, above, below)
    return rp, rg, lo


@njit(nogil=True, cache=True)
def _city_last_row(row, city_index, city_size, sums, city_last) -> None:
    """Count the city (every tied city) whose published mean of ``row`` is the lowest."""
    n_cities = city_size.shape[0]
    for q in range(n_cities):
        sums[q] = 0
    for i in range(row.shape[0]):
        sums[city_index[i]] += row[i]
    lowest = np.int64(0)
    for q in range(n_cities):
        total = sums[q]
        k = city_size[q]
        mean = (2 * abs(total) + k) // (2 * k)
        if total < 0:
            mean = -mean
        sums[q] = mean
        if q == 0 or mean < lowest:
            lowest = mean
    for q in range(n_cities):
        if sums[q] == lowest:
            city_last[q] += 1


@njit(nogil=True, cache=True)
def rank_into(steps, by_group, group_start, k_talk, city_index, city_size, rank_p, rank_g, row0,
              bottom, score_sum, city_last_counts) -> None:
    """Rank the rows of ``steps`` (c, n) into rows ``row0 .. row0 + c - 1`` of the (B, n) int32 buffers.

    Adds, per unit, the draws in the bottom ``k_talk`` of its category
    (``lower < k_talk``: every unit tied at the line is flagged) and its steps
    (``score_sum``), and per city the draws in which it comes last.
    """
    c, n = steps.shape
    hist, vals, above, below = _scratch(n)
    lo = np.empty(n, np.int32)
    sums = np.empty(city_size.shape[0], np.int64)
    for r in range(c):
        row = steps[r]
        _row_ranks(row, by_group, group_start, rank_p[row0 + r], rank_g[row0 + r], lo, hist, vals, above, below)
        for i in range(n):
            if lo[i] < k_talk:
                bottom[i] += 1
            score_sum[i] += row[i]
        _city_last_row(row, city_index, city_size, sums, city_last_counts)


#: Units counted together by :func:`count_ranks` (their rows of counts stay in cache while the draws are read).
COUNT_TILE = 256


@njit(nogil=True, cache=True)
def count_ranks(rank_p, rank_g, rows, nominal_rank_group, province_counts, group_counts, rank_change) -> None:
    """Add the first ``rows`` draws of the (B, n) rank buffers to the counts, a tile of units at a time.

    ``province_counts[i, r - 1]`` and ``group_counts[i, r - 1]`` count the draws
    in which unit ``i`` ranks ``r``; ``rank_change[i]`` adds its category rank
    minus its nominal one. A unit's ranks over many draws fall close together,
    so a tile's counts are updated a cache line at a time.
    """
    n = rank_p.shape[1]
    for i0 in range(0, n, COUNT_TILE):
        i1 = min(n, i0 + COUNT_TILE)
        for r in range(rows):
            rp = rank_p[r]
            rg = rank_g[r]
            for i in range(i0, i1):
                province_counts[i, rp[i] - 1] += 1
                g = rg[i]
                group_counts[i, g - 1] += 1
                rank_change[i] += g - nominal_rank_group[i]


@njit(nogil=True, cache=True)
def arithmetic_steps(dims, norm_i, pool_i, wn, scale, offset, step_factor, out) -> None:
    """Published totals of weighted arithmetic means, into ``out`` (c, n) int64 steps.

    ``dims`` (n_norm, K, n, D) dimension attainments of the pool; draw ``r``
    takes member ``pool_i[r]`` under normalisation ``norm_i[r]`` and weights
    ``wn[r]`` (shares)::

        total = max(0, scale · Σ_d wn_d a_d + offset_i)           (points)
        steps = floor(rint(total · P · 10^6) / 10^6 + 1/2)         (P = step_factor = 10^decimals)

    which is :func:`zhenxing.precision.to_steps` for a non-negative total.
    """
    c, n = out.shape
    D = dims.shape[3]
    for r in range(c):
        a = dims[norm_i[r], pool_i[r]]
        w = wn[r]
        for i in range(n):
            t = 0.0
            for d in range(D):
                t += a[i, d] * w[d]
            t = t * scale + offset[i]
            if t < 0.0:
                t = 0.0
            out[r, i] = np.int64(np.floor(np.rint(t * step_factor * 1e6) / 1e6 + 0.5))
