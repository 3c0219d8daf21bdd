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

import os
from collections.abc import Callable
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


def noisy_members(model: Model, seed: int, first: int, stop: int) -> np.ndarray:
    """Noise-pool members ``first..stop-1``: ``(k, n, m)`` copies x (1 + σ ε), clipped to the valid ranges.

    Member k's noise comes from the stream of its member block
    (``SeedSequence(seed, spawn_key=(2**31, k // MEMBER_BLOCK))``), so a member is
    the same whatever the pool size or the order in which members are built.
    Without noise in the scenario there is one member: the data themselves.
    """
    unc = model.scenario.uncertainty
    if not unc.has_noise:
        return model.values[None]
    lo = np.array([i.valid_range[0] for i in model.framework.indicators])
    hi = np.array([i.valid_range[1] for i in model.framework.indicators])
    out = np.empty((stop - first, *model.values.shape))
    for blk in range(first // MEMBER_BLOCK, (stop - 1) // MEMBER_BLOCK + 1):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2**31, blk))))
        # single precision is ample for a relative error of a few per cent, and twice as fast
        eps = rng.standard_normal((MEMBER_BLOCK, *model.values.shape), dtype=np.float32)
        a, b = max(first, blk * MEMBER_BLOCK), min(stop, (blk + 1) * MEMBER_BLOCK)
        part = eps[a - blk * MEMBER_BLOCK : b - blk * MEMBER_BLOCK]
        out[a - first : b - first] = np.clip(model.values * (1.0 + unc.noise * part), lo, hi)
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


def build_pool(model: Model, seed: int, size: int, workers: int = 1) -> np.ndarray:
    """The pool the draws pick from, built :data:`MEMBER_BLOCK` members at a time (bounded memory).

    Indicator attainments ``(n_norm, K, n, m)`` when indicator weights vary per
    draw, else dimension attainments ``(n_norm, n_agg, K, n, D)``. Member blocks
    are independent, so ``workers`` threads share them; the pool is the same.
    """
    unc = model.scenario.uncertainty
    per_draw_weights = unc.indicator_weights is not None
    n, m = model.values.shape
    last = (len(unc.normalisations), size, n, m) if per_draw_weights else (
        len(unc.normalisations), len(unc.aggregations), size, n, len(model.framework.dimensions))
    pool = np.empty(last)

    def fill(first: int) -> None:
        stop = min(size, first + MEMBER_BLOCK)
        att = attainment_pool(model, noisy_members(model, seed, first, stop))
        if per_draw_weights:
            pool[:, first:stop] = att
        else:
            pool[:, :, first:stop] = dimension_pool(model, att)

    starts = range(0, size, MEMBER_BLOCK)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            list(ex.map(fill, starts))
    else:
        for first in starts:
            fill(first)
    return pool


# ---------------------------------------------------------------------------
# one chunk of draws
# ---------------------------------------------------------------------------


def competition_ranks(steps: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (one draw): province and group competition ranks and the bottom-count of each unit.

    ``steps`` (c, n) published totals as integers, ``groups`` (n,) group index.
    Returns ``(rank_province, rank_group, lower_in_group)``, each (c, n) int32:
    ranks are ``1 + #{k: s_k > s_i}`` (over the province, over the unit's group)
    and ``lower_in_group = #{k in group: s_k < s_i}``, as
    :func:`zhenxing.scoring.competition_rank` and
    :func:`~zhenxing.scoring.bottom_flags` count them. One sort per row: a
    unit's rank is the position where its run of equal scores starts, and the
    units of its group before that start (or after that run) are counted by a
    running count per group.
    """
    c, n = steps.shape
    order = np.argsort(-steps, axis=1, kind="stable")
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


def _chunk(model: Model, pool: np.ndarray, seed: int, start: int, stop: int, noise_pool: int) -> _Tally:
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
    totals = np.empty((c, n))
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
    totals = np.maximum(0.0, totals + model.offset)
    steps = to_steps(totals, fw.publication.decimals)  # decided as published

    # one sort per draw gives the province ranks and, by running counts, the category ranks and bottom counts
    rank_prov, rank_cat, lower = competition_ranks(steps, model.category_index)
    k = fw.warning_talk.per_category
    max_g = int(np.bincount(model.category_index).max())
    unit = np.arange(n, dtype=np.int64)[None, :]
    rank_cat_counts = np.bincount((unit * max_g + rank_cat - 1).ravel(), minlength=n * max_g).reshape(n, max_g)
    rank_prov_counts = np.bincount((unit * n + rank_prov - 1).ravel(), minlength=n * n).reshape(n, n)
    bottom = (lower < k).sum(axis=0)  # fewer than k strictly lower: every unit tied at the line is flagged
    change = (rank_cat - model.nominal_rank_category).sum(axis=0)

    city_steps = mean_steps(steps, model.city_index, len(model.cities))
    city_last = (city_steps == city_steps.min(axis=1, keepdims=True)).sum(axis=0).astype(np.int64)

    # integer sums do not depend on the order of addition, so chunking cannot change the mean
    score_sum = steps.sum(axis=0)
    return _Tally(rank_cat_counts, rank_prov_counts, bottom, city_last, change, score_sum)


# ---------------------------------------------------------------------------
# the run
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
) -> SimulationResult:
    """Run ``n_draws`` draws of ``scenario`` for ``year`` (see the module docstring).

    ``workers`` threads share the chunks (numpy releases the GIL in the heavy
    steps); ``progress`` is called with the number of draws finished by each chunk.
    """
    problems = []
    if n_draws < 1:
        problems.append(Problem("draws", f"expected at least 1 draw, got {n_draws}"))
    if chunk_size < 1:
        problems.append(Problem("chunk_size", f"expected a positive chunk size, got {chunk_size}"))
    if noise_pool is not None and noise_pool < 1:
        problems.append(Problem("noise_pool", f"expected a positive pool size, got {noise_pool}"))
    if problems:
        raise InputError(problems, "invalid simulation settings")
    model = build_model(dataset, year, scenario)
    K = pool_size(model, n_draws, noise_pool)
    pool = build_pool(model, seed, K, workers=max(1, workers or (os.cpu_count() or 1)))
    bounds = [(s, min(s + chunk_size, n_draws)) for s in range(0, n_draws, chunk_size)]
    workers = max(1, min(workers or (os.cpu_count() or 1), len(bounds)))
    n = model.n_units
    max_g = int(np.bincount(model.category_index).max())
    tally = _Tally(np.zeros((n, max_g), np.int64), np.zeros((n, n), np.int64), np.zeros(n, np.int64),
                   np.zeros(len(model.cities), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))

    def work(b: tuple[int, int]) -> _Tally:
        return _chunk(model, pool, seed, b[0], b[1], K)

    if workers == 1:
        results = map(work, bounds)
    else:
        executor = ThreadPoolExecutor(max_workers=workers)
        results = executor.map(work, bounds)
    try:
        for (s, e), part in zip(bounds, results):
            tally.add(part)
            if progress is not None:
                progress(e - s)
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


def _blocks_tally(model: Model, pool: np.ndarray, seed: int, first: int, stop: int, n_draws: int, noise_pool: int) -> _Tally:
    """Dask task: the integer tally of seed blocks ``first..stop-1`` (one :data:`BLOCK` of draws at a time)."""
    tally = None
    for b in range(first, stop):
        part = _chunk(model, pool, seed, b * BLOCK, min((b + 1) * BLOCK, n_draws), noise_pool)
        if tally is None:
            tally = part
        else:
            tally.add(part)
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
    ``progress`` is called with the draws of each finished task. A task that
    fails (or whose worker died more often than the scheduler allows) raises here.
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
    pool = build_pool(model, seed, K, workers=max(1, pool_workers or (os.cpu_count() or 1)))
    n_blocks = -(-n_draws // BLOCK)
    per_task = blocks_per_task or max(1, n_blocks // (8 * worker_count(client)))
    model_f, pool_f = client.scatter([model, pool], broadcast=True, hash=False)  # hashing 64 MB of pool costs more than it saves
    futures = {}
    for first in range(0, n_blocks, per_task):
        stop = min(first + per_task, n_blocks)
        f = client.submit(_blocks_tally, model_f, pool_f, seed, first, stop, n_draws, K, pure=False)
        futures[f] = min(stop * BLOCK, n_draws) - first * BLOCK
    n = model.n_units
    max_g = int(np.bincount(model.category_index).max())
    tally = _Tally(np.zeros((n, max_g), np.int64), np.zeros((n, n), np.int64), np.zeros(n, np.int64),
                   np.zeros(len(model.cities), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))
    try:
        for f in as_completed(list(futures)):
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
    k = fw.warning_talk.per_category
    sizes = np.bincount(model.category_index)
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
