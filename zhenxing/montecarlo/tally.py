"""Scoring pieces of draws and counting them into integer tallies, in bounded memory.

A worker owns a :class:`Workspace`: its own :class:`Tally` and two rank
buffers of ``chunk`` draws (:func:`chunk_draws`, from the memory budget). A
piece of draws (:func:`run_piece`) is scored :func:`sub_batch_draws` at a time
(published totals, :func:`published_totals`: compiled for the weighted
arithmetic mean, else numpy), ranked by the compiled kernel (:mod:`.kernel`)
into the buffers, and the buffers are counted into the tally when full. Every
count is an integer and every draw is scored on its own (never a matrix
product across draws, whose last bits depend on the batch), so the tallies of
any split of the draws add up to the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..aggregate import aggregate
from ..precision import to_steps
from . import kernel
from .draws import BLOCK, Block, block
from .model import Model

#: Target size of a sub-batch's arrays (draws scored together in numpy before the kernel ranks them).
SUB_BYTES = 16 * 2**20
#: Unit-sized (8 n bytes) arrays a draw of a sub-batch needs, besides its gathered attainments
#: (its total, its steps and the temporaries of the rounding).
SUB_ARRAYS = 8
#: Largest number of draws a worker buffers before counting them, whatever the memory.
DEFAULT_CHUNK = 16384
#: Largest size of a worker's two rank buffers: larger ones count no faster and only raise the peak memory.
BUFFER_BYTES = 32 * 2**20


@dataclass
class Tally:
    """Integer counts over draws (rows: units in framework order)."""

    rank_category: np.ndarray  # (n, max category size) counts
    rank_province: np.ndarray  # (n, n) counts
    bottom: np.ndarray  # (n,)
    city_last: np.ndarray  # (C,)
    rank_change: np.ndarray  # (n,) sum of (simulated - nominal) category rank
    score_sum: np.ndarray  # (n,) sum of published totals in integer steps, exact in any order

    @classmethod
    def zeros(cls, model: Model, counts: type = np.int64) -> Tally:
        """An empty tally; ``counts``: the integer type of the rank counts (int32 in a worker: runs have fewer than 2**31 draws)."""
        n = model.n_units
        return cls(np.zeros((n, model.max_group), counts), np.zeros((n, n), counts), np.zeros(n, np.int64),
                   np.zeros(len(model.cities), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64))

    def add(self, other: Tally) -> None:
        self.rank_category += other.rank_category
        self.rank_province += other.rank_province
        self.bottom += other.bottom
        self.city_last += other.city_last
        self.rank_change += other.rank_change
        self.score_sum += other.score_sum


def rank_dtype(n_units: int) -> type:
    """The integer type of buffered ranks: int16 up to 32,767 units (half the memory traffic), else int32."""
    return np.int16 if n_units <= np.iinfo(np.int16).max else np.int32


#: Draws in one run at most: a worker's rank counts are int32.
MAX_DRAWS = 2**31 - 1


class Workspace:
    """One worker's tally (int32 rank counts), rank buffers (``(chunk, n)`` :func:`rank_dtype`, draw by unit:
    ``buffer_province``, ``buffer_category``) and the last random block it built."""

    def __init__(self, model: Model, chunk: int):
        n = model.n_units
        self.model = model
        # int32 counts halve the memory the counting sweeps; enough for any run (at most MAX_DRAWS draws)
        self.tally = Tally.zeros(model, np.int32)
        # np.empty: pages are touched (and counted by the OS) only as rows fill
        dtype = rank_dtype(n)
        self.buffer_province = np.empty((chunk, n), dtype)
        self.buffer_category = np.empty((chunk, n), dtype)
        self.rows = 0
        self._block: tuple[tuple[int, int, int], Block] | None = None

    @property
    def capacity(self) -> int:
        return self.buffer_province.shape[0]

    def block(self, seed: int, b: int, noise_pool: int) -> Block:
        key = (seed, b, noise_pool)
        if self._block is None or self._block[0] != key:
            self._block = None  # one block in memory at a time, as chunk_bytes counts it
            self._block = (key, block(self.model, seed, b, noise_pool))
        return self._block[1]

    def flush(self) -> None:
        """Count the buffered ranks into the tally."""
        if self.rows:
            t = self.tally
            kernel.count_ranks(self.buffer_province, self.buffer_category, self.rows, self.model.nominal_rank_category,
                               t.rank_province, t.rank_category, t.rank_change)
            self.rows = 0

    def release(self) -> Tally:
        """Count what is buffered, free the buffers and hand over the tally."""
        self.flush()
        self.buffer_province = self.buffer_category = self._block = None
        tally, self.tally = self.tally, None
        return tally


def published_totals(model: Model, pool: np.ndarray, wn: np.ndarray, pool_i: np.ndarray, norm_i: np.ndarray,
                     agg_i: np.ndarray, ind_w: np.ndarray | None) -> np.ndarray:
    """Totals of a few draws as published, (b, n) int64 steps: ``max(0, scale · agg(dims, wn) + offset)``.

    ``wn`` (b, D) dimension weights as shares; ``pool_i``, ``norm_i``, ``agg_i`` (b,)
    each draw's pool member, normalisation and aggregation; ``ind_w`` (b, m)
    indicator weights per draw, or None when they are the scenario's.
    """
    fw = model.framework
    sc = model.scenario
    n = model.n_units
    methods = sc.uncertainty.aggregations
    if ind_w is None and methods == ("arithmetic",):  # the common case, compiled: the same steps, bit for bit
        out = np.empty((len(wn), n), np.int64)
        kernel.arithmetic_steps(pool[:, 0], norm_i, pool_i, wn, float(fw.scale), model.offset,
                                10.0**fw.publication.decimals, out)
        return out
    totals = None if len(methods) == 1 else np.empty((len(wn), n))
    for g, method in enumerate(methods):
        rows = slice(None) if totals is None else np.flatnonzero(agg_i == g)
        if totals is not None and not len(rows):
            continue
        if ind_w is None:
            # each draw's own (n, D) matrix, even when the pool has one member: a product over a whole
            # batch of draws would round differently with the batch's size
            dims = pool[norm_i[rows], g, pool_i[rows]]
        else:
            att = pool[norm_i[rows], pool_i[rows]]  # (r, n, m) indicator attainments
            dims = np.empty((len(att), n, len(fw.dimensions)))
            for d in range(len(fw.dimensions)):
                cols = fw.dimension_of_indicator == d
                w = ind_w[rows][:, cols]
                dims[:, :, d] = aggregate(method, att[:, :, cols], w / w.sum(axis=1, keepdims=True))
        part = aggregate(method, dims, wn[rows])
        part *= fw.scale
        if totals is None:
            totals = part
        else:
            totals[rows] = part
    totals += model.offset
    np.maximum(totals, 0.0, out=totals)
    return to_steps(totals, fw.publication.decimals)  # decided as published


def sub_batch_draws(n_units: int, n_dims: int, n_indicators: int, per_draw_indicator_weights: bool) -> int:
    """Draws scored together: ``max(1, SUB_BYTES // bytes_per_draw)``.

    ``bytes_per_draw = 8 n (SUB_ARRAYS + D)`` (``+ 2 m`` when indicator weights
    vary per draw: the gathered indicator attainments and their copy per
    dimension): the gathered dimension attainments, the total, its steps and
    the rounding's temporaries of one draw. Large enough that numpy's per-call
    overhead is negligible.
    """
    per_draw = 8 * n_units * (SUB_ARRAYS + n_dims + (2 * n_indicators if per_draw_indicator_weights else 0))
    return max(1, SUB_BYTES // per_draw)


def chunk_bytes(n_units: int, max_group: int, n_dims: int, n_indicators: int,
                per_draw_indicator_weights: bool) -> tuple[int, int]:
    """``(fixed, per_draw)`` bytes of one worker's :class:`Workspace`, as in :func:`chunk_draws`."""
    n, D, m = n_units, n_dims, n_indicators
    one_draw = 8 * n * (SUB_ARRAYS + D + (2 * m if per_draw_indicator_weights else 0))
    fixed = (4 * n * n + 4 * n * max_group  # the worker's tally: int32 province, then category rank counts
             + max(SUB_BYTES, one_draw)  # a sub-batch
             + BLOCK * 8 * (D + m + 4)  # one block's random inputs
             + 8 * n * (kernel.HIST_BINS_PER_UNIT + 4))  # the kernel's scratch
    return fixed, 2 * n * np.dtype(rank_dtype(n)).itemsize  # per buffered draw: two ranks per unit


def chunk_draws(n_units: int, max_group: int, n_dims: int, n_indicators: int, per_draw_indicator_weights: bool,
                memory: int, workers: int, upper: int = DEFAULT_CHUNK) -> int:
    """Draws a worker buffers so that ``workers`` workspaces fit in ``memory`` bytes; 0 if not even one draw fits.

    Each worker holds ``fixed = 4 n² + 4 n max_group`` (its tally's int32 rank
    counts, province then category) ``+ max(SUB_BYTES, 8 n (SUB_ARRAYS + D [+ 2 m]))`` (a
    sub-batch, :func:`sub_batch_draws`) ``+ 8 BLOCK (D + m + 4)`` (a block's random
    inputs) ``+ 8 n (HIST_BINS_PER_UNIT + 4)`` (the kernel's scratch), plus ``4 n``
    per buffered draw (two int16 ranks per unit; ``8 n`` beyond 32,767 units). Then::

        chunk = min(upper, BUFFER_BYTES / (4 n), floor((memory / workers - fixed) / (4 n)))

    Results do not depend on the chunk size.
    """
    fixed, per_draw = chunk_bytes(n_units, max_group, n_dims, n_indicators, per_draw_indicator_weights)
    return int(max(0, min(upper, max(1, BUFFER_BYTES // per_draw), (memory // workers - fixed) // per_draw)))


def run_piece(model: Model, pool: np.ndarray, seed: int, start: int, stop: int, noise_pool: int, ws: Workspace) -> None:
    """Draws ``start .. stop - 1`` (inside one random block) scored, ranked and counted into ``ws``."""
    fw = model.framework
    b = start // BLOCK
    if (stop - 1) // BLOCK != b:
        raise ValueError(f"draws {start}..{stop - 1} cross a block boundary")
    blk = ws.block(seed, b, noise_pool)
    at = slice(start - b * BLOCK, stop - b * BLOCK)
    dim_w, pool_i, norm_i, agg_i = blk.dim_w[at], blk.pool[at], blk.norm[at], blk.agg[at]
    ind_w = None if blk.ind_w is None else blk.ind_w[at]
    wn = dim_w / dim_w.sum(axis=1, keepdims=True)
    t = ws.tally
    step = min(ws.capacity, sub_batch_draws(model.n_units, len(fw.dimensions), len(fw.indicators), ind_w is not None))
    for a in range(0, stop - start, step):
        z = min(stop - start, a + step)
        steps = published_totals(model, pool, wn[a:z], pool_i[a:z], norm_i[a:z], agg_i[a:z],
                                 None if ind_w is None else ind_w[a:z])
        if ws.rows + len(steps) > ws.capacity:
            ws.flush()
        kernel.rank_into(steps, model.by_category, model.category_start, fw.warning_talk.per_category,
                         model.city_index, model.city_size, ws.buffer_province, ws.buffer_category, ws.rows,
                         t.bottom, t.score_sum, t.city_last)
        ws.rows += len(steps)
