"""Monte Carlo ranking simulation at array speed.

For one year and scenario, each draw varies what the scenario declares
uncertain (dimension and indicator weights, relative measurement noise, the
choice of normalisation and aggregation) and records every unit's rank within
its category and the province, whether it falls in the bottom ``k`` of its
category (the warning talk), and which city comes last.

How it stays fast
-----------------
* Draws are computed as arrays, a chunk of draws at a time, never one pandas
  rebuild per draw. Scores come from the library's own normalisation and
  aggregation functions called on batched arrays.
* Noise enters through a *pool* of independent noisy copies of the data, each
  normalised and aggregated to dimension attainments once; each draw pairs its
  own weights with one pool member drawn at random. With independent weights
  and noise this samples the same joint distribution. By default the pool has
  one member per draw up to :data:`POOL_BYTES` of memory (10,485 members for
  the demo province); beyond that, draws share members, and the noise part of
  a probability's error no longer shrinks with more draws (its standard error
  is about that of ``noise_pool`` independent draws).
* Memory is bounded by a budget (``simulate(memory=...)``, ``--memory``,
  default :data:`DEFAULT_MEMORY`) for the working arrays of all workers
  together: the chunk size comes from the number of units (:func:`chunk_draws`;
  a chunk keeps two int32 ranks per unit and draw, and counts them at its end
  into ``8 n²`` bytes), inside a chunk draws are scored and ranked
  :func:`sub_batch_draws` at a time (cache-sized), and the noise pool is built
  :func:`pool_piece` members at a time. The pool (:data:`POOL_BYTES`) and the
  one shared tally (``8 n (n + max category size)`` bytes) come on top.
* Ranks within category and province are counted, not sorted, when the
  published totals of a sub-batch span few steps against the number of units
  (:func:`competition_ranks`): O(n) per draw at 2,800 units.
* Random numbers are generated per fixed block of :data:`BLOCK` draws from
  ``SeedSequence(seed, spawn_key=(block,))``; every count is an integer and
  the sum of totals is kept in integer publication steps. The result for
  a seed is therefore identical whatever the chunk size or number of workers.

Ranks, flags and the last city are decided in each draw exactly as the
nominal scoring decides them (:mod:`zhenxing.scoring`): on totals published at
the framework's precision (:mod:`zhenxing.precision`), with competition ranks
(units equal as published share the best rank of their tie), every unit tied
at the warning line flagged, city scores the published mean of their units'
published totals, and every city tied for last place counted as last (so the
``p_city_last`` of tied cities may add up to more than 1).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import aggregate
from .data import Dataset
from .errors import InputError, Problem
from .framework import Framework
from .scenarios import Scenario, WeightSpread
from .precision import mean_steps, to_steps
from .scoring import attainment, competition_rank, fill_missing, score_arrays

BLOCK = 4096
DEFAULT_CHUNK = 16384
#: Noise-pool members are generated this many at a time, each block from its own stream.
MEMBER_BLOCK = 512
#: Memory the noise pool may take when its size is not given (one member per draw up to this).
POOL_BYTES = 64 * 2**20
#: Working memory of all workers together when ``memory`` is not given (the pool and the tallies come on top).
DEFAULT_MEMORY = 384 * 2**20
#: Target size of a sub-batch's arrays (draws scored and ranked together inside a chunk).
SUB_BYTES = 32 * 2**20
#: Unit-sized (8 n bytes) arrays a draw of a sub-batch needs, besides its gathered attainments.
SUB_ARRAYS = 28
#: Ranks are counted with a histogram when its bins, over all groups and the province, are at most this many per unit.
HIST_BINS_PER_UNIT = 16
#: Member-sized (8 n m bytes) arrays one noise-pool member needs while it is built, besides its attainments.
POOL_BUILD_ARRAYS = 4


@dataclass(frozen=True)
class Model:
    """Everything a draw needs, as arrays (rows = assessed units, framework order)."""

    framework: Framework
    units: pd.DataFrame
    values: np.ndarray  # (n, m), NaN = missing
    category_index: np.ndarray  # (n,)
    city_index: np.ndarray  # (n,)
    cities: list[str]
    offset: np.ndarray  # bonus - deduction, points, (n,)
    scenario: Scenario
    nominal_total: np.ndarray
    nominal_rank_category: np.ndarray
    nominal_rank_province: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.values)


def build_model(dataset: Dataset, year: int, scenario: Scenario) -> Model:
    """Arrays for ``year`` under ``scenario``, with its nominal scores and ranks."""
    fw = dataset.framework
    if scenario.options.treatment is not None:  # draws rescore raw values: a treatment would be silently dropped
        raise InputError([Problem(f"scenario {scenario.id}", "a scenario with a what-if treatment (winsorise) cannot drive the Monte Carlo run; "
                                  "compare it with --scenarios instead")], "invalid Monte Carlo scenario")
    yd = dataset.year(year)
    arr = score_arrays(yd, fw, scenario.options)
    cities = list(dict.fromkeys(yd.units["city"]))
    city_index = yd.units["city"].map({c: k for k, c in enumerate(cities)}).to_numpy()
    cat = yd.category_index
    return Model(
        framework=fw,
        units=yd.units,
        values=yd.values,
        category_index=cat,
        city_index=city_index,
        cities=cities,
        offset=arr["bonus"] - arr["deduction"],
        scenario=scenario,
        nominal_total=arr["total"],
        nominal_rank_category=competition_rank(arr["total"], cat),
        nominal_rank_province=competition_rank(arr["total"]),
    )


# ---------------------------------------------------------------------------
# random inputs, per fixed block of draws
# ---------------------------------------------------------------------------


def _spread_weights(rng: np.random.Generator, w0: np.ndarray, spread: WeightSpread | None, size: int) -> np.ndarray:
    """Draw ``size`` weight vectors around ``w0`` (rows sum to ``w0.sum()``)."""
    total = w0.sum()
    if spread is None:
        return np.broadcast_to(w0, (size, len(w0))).copy()
    if spread.kind == "dirichlet":
        alpha = np.maximum(spread.concentration * w0 / total, 1e-12)
        return rng.dirichlet(alpha, size=size) * total
    u = rng.uniform(-1.0, 1.0, size=(size, len(w0)))
    w = w0 * (1.0 + spread.spread * u)
    return w * (total / w.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class _Block:
    dim_w: np.ndarray  # (B, D) points
    ind_w: np.ndarray | None  # (B, m) shares within dimensions, or None when fixed
    pool: np.ndarray  # (B,) noise-pool member
    norm: np.ndarray  # (B,) index into scenario normalisations
    agg: np.ndarray  # (B,) index into scenario aggregations


def _block(model: Model, seed: int, b: int, noise_pool: int) -> _Block:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
    sc = model.scenario
    fw = model.framework
    unc = sc.uncertainty
    dim_w = _spread_weights(rng, sc.dimension_weights, unc.dimension_weights, BLOCK)
    ind_w = None
    if unc.indicator_weights is not None:
        ind_w = np.empty((BLOCK, len(fw.indicators)))
        for d in range(len(fw.dimensions)):
            cols = fw.dimension_of_indicator == d
            ind_w[:, cols] = _spread_weights(rng, sc.indicator_weights[cols], unc.indicator_weights, BLOCK)
    pool = rng.integers(0, noise_pool, BLOCK) if unc.has_noise else np.zeros(BLOCK, dtype=np.int64)
    norm = rng.integers(0, len(unc.normalisations), BLOCK)
    agg = rng.integers(0, len(unc.aggregations), BLOCK)
    return _Block(dim_w, ind_w, pool, norm, agg)


def _noise_pieces(model: Model, seed: int, first: int, stop: int, piece: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(member, ε)`` for members ``first..stop-1``: ε ``(k, n, m)`` float32 normals, ``k <= piece``.

    Member block ``b`` has the stream ``SeedSequence(seed, spawn_key=(2**31, b))``;
    it is read from its start up to the last member needed, ``piece`` members
    at a time (successive calls continue a stream exactly, so a member's noise
    does not depend on ``piece``; members before ``first`` are drawn and dropped).
    """
    shape = model.values.shape
    for blk in range(first // MEMBER_BLOCK, (stop - 1) // MEMBER_BLOCK + 1):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2**31, blk))))
        at, end = blk * MEMBER_BLOCK, min(stop, (blk + 1) * MEMBER_BLOCK)
        while at < end:
            k = min(piece, (first if at < first else end) - at)
            # single precision is ample for a relative error of a few per cent, and twice as fast
            eps = rng.standard_normal((k, *shape), dtype=np.float32)
            if at >= first:
                yield at, eps
            at += k


def _apply_noise(model: Model, eps: np.ndarray) -> np.ndarray:
    """``x (1 + σ ε)`` clipped to the indicators' valid ranges, float64 ``(k, n, m)``."""
    lo = np.array([i.valid_range[0] for i in model.framework.indicators])
    hi = np.array([i.valid_range[1] for i in model.framework.indicators])
    out = np.multiply(model.scenario.uncertainty.noise, eps, dtype=np.float64)  # in place: the same arithmetic, one array
    out += 1.0
    out *= model.values
    return np.clip(out, lo, hi, out=out)


def noisy_members(model: Model, seed: int, first: int, stop: int, piece: int = MEMBER_BLOCK) -> np.ndarray:
    """Noise-pool members ``first..stop-1``: ``(k, n, m)`` copies x (1 + σ ε), clipped to the valid ranges.

    Member k's noise comes from the stream of its member block
    (``SeedSequence(seed, spawn_key=(2**31, k // MEMBER_BLOCK))``), so a member is
    the same whatever the pool size, the order in which members are built or
    the ``piece`` size in which normals are drawn (which bounds the temporary
    memory to ``piece`` members). Without noise in the scenario there is one
    member: the data themselves.
    """
    if not model.scenario.uncertainty.has_noise:
        return model.values[None]
    out = np.empty((stop - first, *model.values.shape))
    for a, eps in _noise_pieces(model, seed, first, stop, piece):
        out[a - first : a - first + len(eps)] = _apply_noise(model, eps)
    return out


def pool_size(model: Model, n_draws: int, noise_pool: int | None) -> int:
    """Members in the noise pool: as asked, else one per draw up to :data:`POOL_BYTES` of pool."""
    unc = model.scenario.uncertainty
    if not unc.has_noise:
        return 1
    if noise_pool is not None:
        return noise_pool
    n, m = model.values.shape
    per_member = 8 * n * len(unc.normalisations) * (
        m if unc.indicator_weights is not None else len(model.framework.dimensions) * len(unc.aggregations)
    )
    return int(max(1, min(n_draws, POOL_BYTES // per_member)))


def attainment_pool(model: Model, noisy: np.ndarray) -> np.ndarray:
    """Indicator attainments ``(n_norm, K, n, m)`` after the missing-value rule."""
    fw = model.framework
    sc = model.scenario
    policy = sc.options.missing or fw.missing_values
    out = np.empty((len(sc.uncertainty.normalisations), *noisy.shape))
    for a, method in enumerate(sc.uncertainty.normalisations):
        # all members at once: relative methods take their statistics per member (over units)
        raw = attainment(noisy, model.category_index, fw.targets, fw.goalposts, fw.higher_is_better, method)
        out[a] = fill_missing(raw, model.category_index, policy)
    return out


def dimension_pool(model: Model, att: np.ndarray) -> np.ndarray:
    """Dimension attainments ``(n_norm, n_agg, K, n, D)`` for the scenario's indicator weights."""
    fw = model.framework
    sc = model.scenario
    D = len(fw.dimensions)
    out = np.empty((att.shape[0], len(sc.uncertainty.aggregations), *att.shape[1:3], D))
    for g, method in enumerate(sc.uncertainty.aggregations):
        for d in range(D):
            cols = fw.dimension_of_indicator == d
            out[:, g, :, :, d] = aggregate(method, att[..., cols], sc.indicator_weights[cols])
    return out


def build_pool(model: Model, seed: int, size: int, workers: int = 1, piece: int = MEMBER_BLOCK) -> np.ndarray:
    """The pool the draws pick from, built ``piece`` members at a time (bounded memory).

    Indicator attainments ``(n_norm, K, n, m)`` when indicator weights vary per
    draw, else dimension attainments ``(n_norm, n_agg, K, n, D)``. Member blocks
    (:data:`MEMBER_BLOCK` members, one random stream each) are independent, so
    ``workers`` threads share them; the pool is the same whatever ``workers``
    and ``piece`` (see :func:`noisy_members`).
    """
    unc = model.scenario.uncertainty
    per_draw_weights = unc.indicator_weights is not None
    n, m = model.values.shape
    last = (len(unc.normalisations), size, n, m) if per_draw_weights else (
        len(unc.normalisations), len(unc.aggregations), size, n, len(model.framework.dimensions))
    pool = np.empty(last)

    def put(first: int, noisy: np.ndarray) -> None:
        att = attainment_pool(model, noisy)
        stop = first + len(noisy)
        if per_draw_weights:
            pool[:, first:stop] = att
        else:
            pool[:, :, first:stop] = dimension_pool(model, att)

    if not unc.has_noise:
        put(0, model.values[None])
        return pool
    pieces = (item for first in range(0, size, MEMBER_BLOCK)
              for item in _noise_pieces(model, seed, first, min(size, first + MEMBER_BLOCK), piece))
    if workers == 1:
        for a, eps in pieces:
            put(a, _apply_noise(model, eps))
        return pool
    # the streams are read here, one piece ahead, while the workers turn pieces into attainments
    with ThreadPoolExecutor(max_workers=workers) as ex:
        running: deque = deque()
        for a, eps in pieces:
            running.append(ex.submit(lambda a, eps: put(a, _apply_noise(model, eps)), a, eps))
            if len(running) >= workers:
                running.popleft().result()
        for f in running:
            f.result()
    return pool


# ---------------------------------------------------------------------------
# one chunk of draws
# ---------------------------------------------------------------------------


def competition_ranks(steps: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (one draw): province and group competition ranks and the bottom-count of each unit.

    ``steps`` (c, n) published totals as integers, ``groups`` (n,) group index 0..G-1.
    Returns ``(rank_province, rank_group, lower_in_group)``, each (c, n) int32:
    ranks are ``1 + #{k: s_k > s_i}`` (over the province, over the unit's group)
    and ``lower_in_group = #{k in group: s_k < s_i}``, as
    :func:`zhenxing.scoring.competition_rank` and
    :func:`~zhenxing.scoring.bottom_flags` count them.

    Two exact methods, the cheaper one for the rows' range of values
    ``R = max - min + 2`` steps: counting (:func:`_ranks_by_counting`, O(n + G R)
    per row) when ``(G + 1) R <= HIST_BINS_PER_UNIT · n``, which holds for
    thousands of units scored to 0.01 points, else one sort per row
    (:func:`_ranks_by_sorting`, O(n log n)). Both give the same integers.
    """
    steps = np.asarray(steps, dtype=np.int64)
    groups = np.asarray(groups)
    n_groups = int(groups.max()) + 1 if groups.size else 1
    span = int(steps.max()) - int(steps.min()) + 2 if steps.size else 2
    if (n_groups + 1) * span <= HIST_BINS_PER_UNIT * steps.shape[1]:
        return _ranks_by_counting(steps, groups, n_groups)
    return _ranks_by_sorting(steps, groups)


def _ranks_by_counting(steps: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`competition_ranks` by counting: one histogram of (row, group, value) and its running sum.

    With ``v = s - min + 1`` (1..R-1; bin 0 stays empty) and ``H[r, g, v]`` the
    units of group g at value v in row r, ``C = cumsum_v H``: ``#{k in g: s_k <= s_i}
    = C[r, g, v_i]``, ``lower_i = C[r, g, v_i - 1]``, ``rank_group = 1 + |g| - C[r, g, v_i]``
    and ``rank_province = 1 + n - Σ_g C[r, g, v_i]``.
    """
    c, n = steps.shape
    sizes = np.bincount(groups, minlength=n_groups)
    low = int(steps.min())
    span = int(steps.max()) - low + 2
    v = steps - (low - 1)
    key = v + (groups * span)[None, :]
    key += (np.arange(c, dtype=np.int64) * (n_groups * span))[:, None]
    cum = np.bincount(key.ravel(), minlength=c * n_groups * span).reshape(c, n_groups, span)
    np.cumsum(cum, axis=2, out=cum)
    flat = cum.reshape(-1)
    at_or_below = flat[key]
    key -= 1
    lower = flat[key].astype(np.int32)
    rank_group = (1 + sizes[groups][None, :] - at_or_below).astype(np.int32)
    province = cum.sum(axis=1).reshape(-1)  # (c, R): units at or below each value
    v += (np.arange(c, dtype=np.int64) * span)[:, None]
    rank_prov = (1 + n - province[v]).astype(np.int32)
    return rank_prov, rank_group, lower


def _ranks_by_sorting(steps: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`competition_ranks` by one sort per row.

    A unit's rank is the position where its run of equal scores starts, and the
    units of its group before that start (or after that run) are counted by a
    running count per group. The order within a run of ties does not matter,
    so the sort need not be stable.
    """
    c, n = steps.shape
    order = np.argsort(-steps, axis=1)
    sorted_s = np.take_along_axis(steps, order, axis=1)
    pos = np.broadcast_to(np.arange(n), (c, n))
    new_run = np.ones((c, n), dtype=bool)
    new_run[:, 1:] = sorted_s[:, 1:] != sorted_s[:, :-1]
    start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=1)  # first position of each run
    end_run = np.ones((c, n), dtype=bool)
    end_run[:, :-1] = new_run[:, 1:]
    end = np.minimum.accumulate(np.where(end_run, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]  # last position of each run
    grp_sorted = groups[order]
    rank_group_sorted = np.zeros((c, n), dtype=np.int32)
    lower_sorted = np.zeros((c, n), dtype=np.int32)
    rows = np.arange(c)[:, None]
    for g in np.unique(groups):
        mask = grp_sorted == g
        before = np.zeros((c, n + 1), dtype=np.int32)  # before[:, j] = members of g at positions < j
        np.cumsum(mask, axis=1, dtype=np.int32, out=before[:, 1:])
        size = before[:, -1:]
        rank_group_sorted += np.where(mask, before[rows, start] + 1, 0).astype(np.int32)
        lower_sorted += np.where(mask, size - before[rows, end + 1], 0).astype(np.int32)
    rank_prov = np.empty((c, n), dtype=np.int32)
    rank_group = np.empty((c, n), dtype=np.int32)
    lower = np.empty((c, n), dtype=np.int32)
    np.put_along_axis(rank_prov, order, (start + 1).astype(np.int32), axis=1)
    np.put_along_axis(rank_group, order, rank_group_sorted, axis=1)
    np.put_along_axis(lower, order, lower_sorted, axis=1)
    return rank_prov, rank_group, lower


@dataclass
class _Tally:
    rank_category: np.ndarray  # (n, max group size) counts
    rank_province: np.ndarray  # (n, n) counts
    bottom: np.ndarray  # (n,)
    city_last: np.ndarray  # (C,)
    rank_change: np.ndarray  # (n,) sum of (simulated - nominal) category rank, integers
    score_sum: np.ndarray  # (n,) sum of published totals in integer steps, exact in any order

    def add(self, other: _Tally) -> None:
        self.rank_category += other.rank_category
        self.rank_province += other.rank_province
        self.bottom += other.bottom
        self.city_last += other.city_last
        self.rank_change += other.rank_change
        self.score_sum += other.score_sum


def _published_totals(model: Model, pool: np.ndarray, wn: np.ndarray, pool_i: np.ndarray, norm_i: np.ndarray,
                      agg_i: np.ndarray, ind_w: np.ndarray | None) -> np.ndarray:
    """Totals of a few draws as published, (b, n) int64 steps: ``max(0, scale · agg(dims, wn) + offset)``."""
    fw = model.framework
    sc = model.scenario
    n = model.n_units
    totals = np.empty((len(wn), n))
    for g, method in enumerate(sc.uncertainty.aggregations):
        rows = np.flatnonzero(agg_i == g)
        if not len(rows):
            continue
        if ind_w is None:
            single = pool.shape[0] == 1 and pool.shape[2] == 1
            # one matrix for all draws: a single matrix product; else gather each draw's pool member
            dims = pool[0, g, 0] if single else pool[norm_i[rows], g, pool_i[rows]]
        else:
            att = pool[norm_i[rows], pool_i[rows]]  # (r, n, m) indicator attainments
            dims = np.empty((len(rows), n, len(fw.dimensions)))
            for d in range(len(fw.dimensions)):
                cols = fw.dimension_of_indicator == d
                w = ind_w[rows][:, cols]
                dims[:, :, d] = aggregate(method, att[:, :, cols], w / w.sum(axis=1, keepdims=True))
        totals[rows] = fw.scale * aggregate(method, dims, wn[rows])
    totals += model.offset
    np.maximum(totals, 0.0, out=totals)
    return to_steps(totals, fw.publication.decimals)  # decided as published


def _city_last(steps: np.ndarray, city_index: np.ndarray, n_cities: int) -> np.ndarray:
    """Per city, the draws (rows of ``steps``) in which its published mean is the lowest (ties all count).

    The means are those of :func:`~zhenxing.precision.mean_steps` (sum ``S`` of
    ``k`` units, ``sign(S) · floor((2|S| + k) / 2k)``), the sums taken per city
    with one ``reduceat`` over the units ordered by city.
    """
    order = np.argsort(city_index, kind="stable")
    k = np.bincount(city_index, minlength=n_cities)
    sums = np.add.reduceat(steps[:, order], np.r_[0, np.cumsum(k)[:-1]], axis=1)
    means = np.sign(sums) * ((2 * np.abs(sums) + k) // (2 * k))
    return (means == means.min(axis=1, keepdims=True)).sum(axis=0).astype(np.int64)


def sub_batch_draws(n_units: int, n_dims: int, n_indicators: int, per_draw_indicator_weights: bool) -> int:
    """Draws scored and ranked together inside a chunk: ``max(1, SUB_BYTES // bytes_per_draw)``.

    ``bytes_per_draw = 8 n (SUB_ARRAYS + D)`` (``+ m`` when indicator weights vary
    per draw): the gathered dimension (and indicator) attainments, totals,
    steps, ranks and the counting histogram (at most ``HIST_BINS_PER_UNIT`` bins
    per unit) of one draw. Small enough to stay in cache, large enough that
    numpy's per-call overhead is negligible.
    """
    per_draw = 8 * n_units * (SUB_ARRAYS + n_dims + (n_indicators if per_draw_indicator_weights else 0))
    return max(1, SUB_BYTES // per_draw)


def _chunk(model: Model, pool: np.ndarray, seed: int, start: int, stop: int, noise_pool: int,
           into: _Tally | None = None, lock: threading.Lock | None = None) -> _Tally:
    """Draws ``start..stop-1`` counted into ``into`` (under ``lock``), or into a new tally that is returned.

    The draws are scored and ranked :func:`sub_batch_draws` at a time; the
    chunk keeps only each draw's two ranks (int32) and counts them once at the
    end, so its memory is ``8 n²`` (the province rank counts) plus ``16 n`` per draw.
    """
    fw = model.framework
    sc = model.scenario
    n = model.n_units
    blocks = range(start // BLOCK, (stop - 1) // BLOCK + 1)
    parts = [_block(model, seed, b, noise_pool) for b in blocks]
    lo = start - blocks[0] * BLOCK
    sl = slice(lo, lo + (stop - start))

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])[sl]

    dim_w, pool_i, norm_i, agg_i = cat("dim_w"), cat("pool"), cat("norm"), cat("agg")
    ind_w = cat("ind_w") if sc.uncertainty.indicator_weights is not None else None
    c = stop - start
    wn = dim_w / dim_w.sum(axis=1, keepdims=True)
    k = fw.warning_talk.per_category
    max_g = int(np.bincount(model.category_index).max())
    rank_prov = np.empty((c, n), dtype=np.int32)
    rank_cat = np.empty((c, n), dtype=np.int32)
    bottom = np.zeros(n, np.int64)
    change = np.zeros(n, np.int64)
    score_sum = np.zeros(n, np.int64)
    city_last = np.zeros(len(model.cities), np.int64)
    step = sub_batch_draws(n, len(fw.dimensions), len(fw.indicators), ind_w is not None)
    for a in range(0, c, step):
        b = min(c, a + step)
        steps = _published_totals(model, pool, wn[a:b], pool_i[a:b], norm_i[a:b], agg_i[a:b],
                                  None if ind_w is None else ind_w[a:b])
        rank_prov[a:b], rank_cat[a:b], lower = competition_ranks(steps, model.category_index)
        bottom += (lower < k).sum(axis=0)  # fewer than k strictly lower: every unit tied at the line is flagged
        change += (rank_cat[a:b] - model.nominal_rank_category).sum(axis=0)
        # integer sums do not depend on the order of addition, so chunking cannot change the mean
        score_sum += steps.sum(axis=0)
        city_last += _city_last(steps, model.city_index, len(model.cities))

    def counts(ranks: np.ndarray, width: int) -> np.ndarray:
        """(n, width) counts of each unit's ranks 1..width over the chunk's draws."""
        key = ranks.astype(np.int64)
        key += np.arange(-1, n * width - 1, width, dtype=np.int64)[None, :]
        return np.bincount(key.ravel(), minlength=n * width).reshape(n, width)

    category = counts(rank_cat, max_g)
    if into is None:
        return _Tally(category, counts(rank_prov, n), bottom, city_last, change, score_sum)
    guard = lock or contextlib.nullcontext()
    with guard:
        into.rank_category += category
        into.bottom += bottom
        into.city_last += city_last
        into.rank_change += change
        into.score_sum += score_sum
    del category, rank_cat
    province = counts(rank_prov, n)  # the chunk's largest array (8 n² bytes), counted last
    with guard:
        into.rank_province += province
    return into


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(I?B)?\s*$", re.IGNORECASE)


def parse_memory(text: str | int, where: str = "--memory") -> int:
    """Bytes from ``"512M"``, ``"1G"``, ``"800MB"``, ``"1.5GiB"`` or plain bytes ``"536870912"``.

    Suffixes K, M, G, T (optionally followed by ``B`` or ``iB``, any case) are
    binary: ``1M = 2**20`` bytes, ``1G = 2**30``. Anything else, or less than one
    byte, raises an :class:`InputError` naming ``where``.
    """
    m = _MEMORY.match(str(text))
    value = 0.0
    if m and not (m.group(3) and m.group(3).upper() == "IB" and not m.group(2)):  # "512iB" is no size
        value = float(m.group(1)) * 1024 ** (" KMGT".index(m.group(2).upper() or " "))
    if value < 1:
        raise InputError([Problem(where, f"expected a memory size such as 512M, 1G, 800MB or a number of bytes, got {text!r}")],
                         "invalid options")
    return int(value)


# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate`.

    ``units``: one row per unit with the nominal total and ranks, the mean
    simulated total, the median and 5-95 % band of its rank in category and
    province, ``p_bottom`` (probability of a bottom-k finish in its category),
    ``p_city_last`` (probability that its city comes last) and
    ``mean_rank_change`` (mean simulated minus nominal rank in category:
    positive = falls). ``cities``: nominal score and rank, ``p_last``.
    ``rank_counts_category`` (n, max category size) and ``rank_counts_province``
    (n, n) hold the full rank distributions (counts over draws).
    """

    scenario: str
    year: int
    n_draws: int
    seed: int
    noise_pool: int
    units: pd.DataFrame
    cities: pd.DataFrame
    rank_counts_category: np.ndarray
    rank_counts_province: np.ndarray


def rank_quantiles(counts: np.ndarray, q: float) -> np.ndarray:
    """The smallest rank r (1-based) whose cumulative share reaches q, per row."""
    cum = np.cumsum(counts, axis=1)
    need = q * cum[:, -1:]
    return (cum < need - 1e-9).sum(axis=1) + 1


def chunk_draws(n_units: int, max_group: int, n_dims: int, n_indicators: int, per_draw_indicator_weights: bool,
                memory: int, workers: int, upper: int = DEFAULT_CHUNK) -> int:
    """Draws per chunk so that ``workers`` chunks in progress fit in ``memory`` bytes; 0 if not even one draw fits.

    Each worker holds one chunk: ``fixed = 8 n² + 8 n max_group`` (the chunk's
    rank counts, province then category) ``+ sub-batch`` (at most
    ``max(SUB_BYTES, one draw's 8 n (SUB_ARRAYS + D [+ m]))``, see
    :func:`sub_batch_draws`) ``+ 2 · BLOCK · 8 (D + m + 4)`` (the random inputs of
    two blocks), plus per draw ``16 n`` (its two int32 ranks and the int64
    counting key) ``+ 8 (D + m + 4)``. Then::

        chunk = min(upper, floor((memory / workers - fixed) / per_draw))

    Results do not depend on the chunk size.
    """
    fixed, per_draw = chunk_bytes(n_units, max_group, n_dims, n_indicators, per_draw_indicator_weights)
    return int(max(0, min(upper, (memory // workers - fixed) // per_draw)))


def chunk_bytes(n_units: int, max_group: int, n_dims: int, n_indicators: int,
                per_draw_indicator_weights: bool) -> tuple[int, int]:
    """``(fixed, per_draw)`` bytes of one worker's chunk, as in :func:`chunk_draws`."""
    n, D, m = n_units, n_dims, n_indicators
    inputs = 8 * (D + m + 4)
    one_draw = 8 * n * (SUB_ARRAYS + D + (m if per_draw_indicator_weights else 0))
    fixed = 8 * n * n + 8 * n * max_group + max(SUB_BYTES, one_draw) + 2 * BLOCK * inputs
    return fixed, 16 * n + inputs


def pool_piece(model: Model, memory: int, workers: int) -> int:
    """Noise-pool members built at a time: ``memory / (workers + 1)`` (a piece per worker and the next being
    drawn) over the bytes one member takes
    while it is built (ε in float32, the noisy copy and the attainments in float64, and their temporaries:
    ``8 n (m (POOL_BUILD_ARRAYS + n_norm) + D n_norm n_agg)``), between 1 and :data:`MEMBER_BLOCK`."""
    unc = model.scenario.uncertainty
    n, m = model.values.shape
    n_norm, n_agg = len(unc.normalisations), len(unc.aggregations)
    per_member = 8 * n * (m * (POOL_BUILD_ARRAYS + n_norm) + len(model.framework.dimensions) * n_norm * n_agg)
    return int(min(MEMBER_BLOCK, max(1, memory // (workers + 1) // per_member)))


def simulate(
    dataset: Dataset,
    year: int,
    scenario: Scenario,
    n_draws: int = 10_000,
    seed: int = 20231,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | None = None,
    noise_pool: int | None = None,
    progress: Callable[[int], None] | None = None,
    memory: int | None = None,
) -> SimulationResult:
    """Run ``n_draws`` draws of ``scenario`` for ``year`` (see the module docstring).

    ``workers`` threads share the chunks (numpy releases the GIL in the heavy
    steps); ``progress`` is called with the number of draws finished by each chunk.
    ``memory`` (bytes, default :data:`DEFAULT_MEMORY`) bounds the working arrays of
    all workers together: the chunk size is :func:`chunk_draws` (at most
    ``chunk_size``) and the noise pool is built :func:`pool_piece` members at a
    time. The noise pool (at most :data:`POOL_BYTES` unless ``noise_pool`` is
    given) and the rank counts (``8 n (n + max category size)`` bytes) come on top.
    """
    problems = []
    if n_draws < 1:
        problems.append(Problem("draws", f"expected at least 1 draw, got {n_draws}"))
    if chunk_size < 1:
        problems.append(Problem("chunk_size", f"expected a positive chunk size, got {chunk_size}"))
    if noise_pool is not None and noise_pool < 1:
        problems.append(Problem("noise_pool", f"expected a positive pool size, got {noise_pool}"))
    if memory is not None and memory < 1:
        problems.append(Problem("--memory", f"expected a positive number of bytes, got {memory}"))
    if problems:
        raise InputError(problems, "invalid simulation settings")
    memory = DEFAULT_MEMORY if memory is None else int(memory)
    model = build_model(dataset, year, scenario)
    fw = model.framework
    n = model.n_units
    max_g = int(np.bincount(model.category_index).max())
    asked = max(1, workers or (os.cpu_count() or 1))
    per_draw_weights = scenario.uncertainty.indicator_weights is not None
    chunk = chunk_draws(n, max_g, len(fw.dimensions), len(fw.indicators), per_draw_weights, memory, asked, chunk_size)
    if chunk < 1:
        need = asked * sum(chunk_bytes(n, max_g, len(fw.dimensions), len(fw.indicators), per_draw_weights))
        raise InputError([Problem("--memory", f"{memory / 2**20:.0f} MiB cannot hold one draw of {n} units on {asked} "
                                  f"worker(s); expected at least {-(-need // 2**20)} MiB (e.g. --memory {-(-need // 2**20)}M), "
                                  "or fewer --workers")], "invalid simulation settings")
    K = pool_size(model, n_draws, noise_pool)
    pool = build_pool(model, seed, K, workers=asked, piece=pool_piece(model, memory, asked))
    bounds = [(s, min(s + chunk, n_draws)) for s in range(0, n_draws, chunk)]
    workers = max(1, min(asked, len(bounds)))
    tally = _Tally(np.zeros((n, max_g), np.int64), np.zeros((n, n), np.int64), np.zeros(n, np.int64),
                   np.zeros(len(model.cities), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))
    lock = threading.Lock()

    def work(b: tuple[int, int]) -> int:
        _chunk(model, pool, seed, b[0], b[1], K, into=tally, lock=lock)
        return b[1] - b[0]

    if workers == 1:
        results = map(work, bounds)
    else:
        executor = ThreadPoolExecutor(max_workers=workers)
        results = executor.map(work, bounds)
    try:
        for done in results:
            if progress is not None:
                progress(done)
    finally:
        if workers > 1:
            executor.shutdown(wait=True, cancel_futures=True)
    return _summarise(model, tally, year, n_draws, seed, K)


def _summarise(model: Model, tally: _Tally, year: int, n_draws: int, seed: int, K: int) -> SimulationResult:
    """The tables of :class:`SimulationResult` from the integer tallies of ``n_draws`` draws."""
    scenario = model.scenario
    mean_total = tally.score_sum / 10.0**model.framework.publication.decimals / n_draws
    units = model.units[["code", "name_zh", "name_en", "city", "city_en", "category"]].copy()
    units["nominal_total"] = model.nominal_total
    units["nominal_rank_category"] = model.nominal_rank_category
    units["nominal_rank_province"] = model.nominal_rank_province
    units["mean_total"] = mean_total
    rc, rp = tally.rank_category, tally.rank_province
    units["median_rank_category"] = rank_quantiles(rc, 0.5)
    units["p05_rank_category"] = rank_quantiles(rc, 0.05)
    units["p95_rank_category"] = rank_quantiles(rc, 0.95)
    units["median_rank_province"] = rank_quantiles(rp, 0.5)
    units["p05_rank_province"] = rank_quantiles(rp, 0.05)
    units["p95_rank_province"] = rank_quantiles(rp, 0.95)
    units["p_bottom"] = tally.bottom / n_draws
    p_city = tally.city_last / n_draws
    units["p_city_last"] = p_city[model.city_index]
    units["mean_rank_change"] = tally.rank_change / n_draws
    p = model.framework.publication.decimals
    nominal_city = mean_steps(to_steps(model.nominal_total, p), model.city_index, len(model.cities)) / 10.0**p
    cities = pd.DataFrame({
        "city": model.cities,
        "city_en": model.units.groupby("city", sort=False)["city_en"].first().reindex(model.cities).to_numpy(),
        "nominal_score": nominal_city,
        "nominal_rank": competition_rank(nominal_city),
        "p_last": p_city,
    }).sort_values(["p_last", "nominal_rank"], ascending=[False, False]).reset_index(drop=True)
    return SimulationResult(scenario.id, year, n_draws, seed, K, units, cities, rc, rp)



# ---------------------------------------------------------------------------
# the same draws on a Dask cluster (--scheduler dask / tcp://...)
# ---------------------------------------------------------------------------


def _blocks_tally(model: Model, pool: np.ndarray, seed: int, first: int, stop: int, n_draws: int, noise_pool: int,
                  chunk: int = BLOCK) -> _Tally:
    """Dask task: the integer tally of seed blocks ``first..stop-1``, ``chunk`` draws at a time (any chunk: the same tally)."""
    tally = None
    end = min(stop * BLOCK, n_draws)
    for s in range(first * BLOCK, end, chunk):
        tally = _chunk(model, pool, seed, s, min(s + chunk, end), noise_pool, into=tally)
    return tally


def simulate_dask(
    dataset: Dataset,
    year: int,
    scenario: Scenario,
    client,
    n_draws: int = 10_000,
    seed: int = 20231,
    noise_pool: int | None = None,
    blocks_per_task: int | None = None,
    pool_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    memory: int | None = None,
) -> SimulationResult:
    """:func:`simulate` with the draws run as tasks of a :class:`distributed.Client`; the same result, bit for bit.

    The model and the noise pool are built here (the pool with
    ``pool_workers`` threads) and sent once to every worker
    (``client.scatter(..., broadcast=True)``). Each task draws
    ``blocks_per_task`` seed blocks of :data:`BLOCK` draws, each block from
    ``SeedSequence(seed, spawn_key=(block,))`` as in :func:`simulate`, and
    returns its :class:`_Tally` of integers; the tallies are added here as the
    tasks finish (integer sums: the order cannot change them). Default
    ``blocks_per_task``: one block per task, grouped when there are more than
    8 blocks per worker thread, so that the tallies sent back stay few.
    ``progress`` is called with the draws of each finished task. ``memory``
    (default :data:`DEFAULT_MEMORY`) bounds the pool's construction here as in
    :func:`simulate`, and each task draws :func:`chunk_draws` at a time for its
    worker thread's share of ``memory`` (the cluster's threads sharing it as
    local threads do). A task that fails (or whose worker died more often than the
    scheduler allows) raises here.
    """
    import importlib

    from distributed import as_completed

    from .cluster import worker_count, workers_info

    problems = []
    if n_draws < 1:
        problems.append(Problem("draws", f"expected at least 1 draw, got {n_draws}"))
    if noise_pool is not None and noise_pool < 1:
        problems.append(Problem("noise_pool", f"expected a positive pool size, got {noise_pool}"))
    if blocks_per_task is not None and blocks_per_task < 1:
        problems.append(Problem("blocks_per_task", f"expected at least 1 block per task, got {blocks_per_task}"))
    if problems:
        raise InputError(problems, "invalid simulation settings")
    model = build_model(dataset, year, scenario)
    # the workers import this module (seconds: pandas, scipy) while the pool is built here
    warm = [client.submit(importlib.import_module, __name__, workers=[w], pure=False)
            for w in workers_info(client)]
    K = pool_size(model, n_draws, noise_pool)
    asked = max(1, pool_workers or (os.cpu_count() or 1))
    pool = build_pool(model, seed, K, workers=asked, piece=pool_piece(model, DEFAULT_MEMORY if memory is None else int(memory), asked))
    n_blocks = -(-n_draws // BLOCK)
    threads = worker_count(client)
    per_task = blocks_per_task or max(1, n_blocks // (8 * threads))
    fw = model.framework
    max_g = int(np.bincount(model.category_index).max())
    # each worker thread's share of the budget, as the local threads share it
    chunk = max(1, chunk_draws(model.n_units, max_g, len(fw.dimensions), len(fw.indicators),
                               scenario.uncertainty.indicator_weights is not None,
                               DEFAULT_MEMORY if memory is None else int(memory), threads))
    model_f, pool_f = client.scatter([model, pool], broadcast=True, hash=False)  # hashing 64 MB of pool costs more than it saves
    futures = {}
    for first in range(0, n_blocks, per_task):
        stop = min(first + per_task, n_blocks)
        f = client.submit(_blocks_tally, model_f, pool_f, seed, first, stop, n_draws, K, chunk, pure=False)
        futures[f] = min(stop * BLOCK, n_draws) - first * BLOCK
    n = model.n_units
    tally = _Tally(np.zeros((n, max_g), np.int64), np.zeros((n, n), np.int64), np.zeros(n, np.int64),
                   np.zeros(len(model.cities), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))
    try:
        for f in as_completed(list(futures), loop=client.loop):  # the client need not be the default one
            tally.add(f.result())
            draws = futures.pop(f)
            if progress is not None:
                progress(draws)
    finally:
        client.cancel(list(futures) + [model_f, pool_f] + warm)
    return _summarise(model, tally, year, n_draws, seed, K)


# ---------------------------------------------------------------------------
# a plain reference, for tests and benchmarks
# ---------------------------------------------------------------------------


def reference_simulate(
    dataset: Dataset, year: int, scenario: Scenario, n_draws: int, seed: int = 20231, noise_pool: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The same draws, each scored by rebuilding the pandas path (:func:`score_year`).

    Slow on purpose: one dataset rebuild and one full scoring per draw, as a
    spreadsheet-minded loop would do. Returns ``(rank_counts_category, bottom)``
    in the layout of :class:`SimulationResult`; ranks and flags are those of
    :func:`score_year` (published totals, competition ranks), as in :func:`simulate`.
    """
    from .scoring import ScoringOptions, score_year

    model = build_model(dataset, year, scenario)
    K = pool_size(model, n_draws, noise_pool)
    noisy = noisy_members(model, seed, 0, K)
    fw = model.framework
    unc = scenario.uncertainty
    n = model.n_units
    max_g = int(np.bincount(model.category_index).max())
    counts = np.zeros((n, max_g), np.int64)
    bottom = np.zeros(n, np.int64)
    codes = model.units["code"].to_numpy()
    other_years = dataset.values[dataset.values["year"] != year]
    ids = fw.indicator_ids
    adj = dataset.values[(dataset.values["year"] == year) & ~dataset.values["indicator"].isin(ids)]
    for draw in range(n_draws):
        b = _block(model, seed, draw // BLOCK, K)
        r = draw % BLOCK
        member = noisy[b.pool[r]]
        long = pd.DataFrame({
            "code": np.repeat(codes, len(ids)),
            "year": year,
            "indicator": np.tile(ids, n),
            "value": member.ravel(),
        })
        values = pd.concat([other_years, long, adj], ignore_index=True)
        ds = Dataset(fw, dataset.register, values, dataset.sources)
        ind_w = scenario.indicator_weights if b.ind_w is None else b.ind_w[r]
        options = ScoringOptions(
            normalisation=unc.normalisations[b.norm[r]],
            aggregation=unc.aggregations[b.agg[r]],
            missing=scenario.options.missing,
            dimension_weights=tuple(b.dim_w[r]),
            indicator_weights=tuple(ind_w),
        )
        units = score_year(ds, year, options).units.set_index("code").loc[codes]
        ranks = units["rank_category"].to_numpy()
        counts[np.arange(n), ranks - 1] += 1
        bottom += units["warning_talk"].to_numpy()
    return counts, bottom
