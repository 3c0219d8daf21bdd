"""Monte Carlo ranking simulation at array speed.

For one year and scenario, each draw varies what the scenario declares
uncertain (dimension and indicator weights, relative measurement noise, the
choice of normalisation and aggregation) and records every unit's rank within
its category and the province, whether it falls in the bottom ``k`` of its
category (the warning talk), and which city comes last.

One module per step:

=================  ==========================================================
:mod:`.model`      the arrays of a year and scenario (:func:`build_model`)
:mod:`.draws`      random inputs per fixed block of :data:`BLOCK` draws
:mod:`.pool`       the noise pool: noisy copies normalised and aggregated once
:mod:`.tally`      pieces of draws scored and counted in a worker's workspace
:mod:`.kernel`     the compiled ranking and counting loops (numba)
:mod:`.run`        :func:`simulate` on this machine's threads
:mod:`.on_cluster` :func:`simulate_dask` on a Dask cluster
:mod:`.result`     :class:`SimulationResult` from the integer tallies
:mod:`.memory`     ``--memory`` sizes
:mod:`.reference`  the same draws rescored one by one by the pandas path
=================  ==========================================================

How it stays fast
-----------------
* Draws are computed as arrays, never one pandas rebuild per draw. Totals come
  from the library's own normalisation and aggregation functions called on
  batched arrays (:func:`~.tally.published_totals`); ranks, flags and counts
  from compiled integer loops (:mod:`.kernel`) that release the GIL.
* Noise enters through a *pool* of independent noisy copies of the data, each
  normalised and aggregated to dimension attainments once; each draw pairs its
  own weights with one pool member drawn at random. With independent weights
  and noise this samples the same joint distribution. By default the pool has
  one member per draw up to :data:`POOL_BYTES` of memory (10,485 members for
  the demo province); beyond that, draws share members, and the noise part of
  a probability's error no longer shrinks with more draws (its standard error
  is about that of ``noise_pool`` independent draws).
* Memory is bounded by a budget (``simulate(memory=...)``, ``--memory``,
  default :data:`DEFAULT_MEMORY`) for the workspaces of all workers together:
  each worker keeps its own tally (int32 rank counts, ``4 n (n + max category
  size)`` bytes) and buffers the ranks of :func:`chunk_draws` draws (two int16
  per unit and draw) before counting them 256 units at a time; the noise pool
  is built :func:`pool_piece` members at a time. The pool (:data:`POOL_BYTES`)
  and the result's int64 rank counts (``8 n (n + max category size)``) come on top.
* Ranks are counted, not sorted, when a category's published totals span at
  most 16 steps per unit (O(n) per draw: true at 2,800 units scored to 0.01
  points), compared pair by pair in sets of at most 128 units, else sorted.
* Random numbers are generated per fixed block of :data:`BLOCK` draws from
  ``SeedSequence(seed, spawn_key=(block,))``; every count is an integer and
  the sum of totals is kept in integer publication steps. The result for
  a seed is therefore identical whatever the chunk size, the number of
  workers or the scheduler.

Ranks, flags and the last city are decided in each draw exactly as the
nominal scoring decides them (:mod:`zhenxing.scoring`): on totals published at
the framework's precision (:mod:`zhenxing.precision`), with competition ranks
(units equal as published share the best rank of their tie), every unit tied
at the warning line flagged, city scores the published mean of their units'
published totals, and every city tied for last place counted as last (so the
``p_city_last`` of tied cities may add up to more than 1).
"""

from __future__ import annotations

import numpy as np

from . import kernel
from .draws import BLOCK, Block, block
from .memory import DEFAULT_MEMORY, parse_memory
from .model import Model, build_model, group_layout
from .on_cluster import simulate_dask
from .pool import MEMBER_BLOCK, POOL_BYTES, build_pool, noisy_members, pool_piece, pool_size
from .reference import reference_simulate
from .result import SimulationResult, rank_quantiles
from .run import simulate
from .tally import DEFAULT_CHUNK, SUB_ARRAYS, SUB_BYTES, chunk_bytes, chunk_draws, sub_batch_draws


def competition_ranks(steps: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row (one draw): province and group competition ranks and the bottom-count of each unit.

    ``steps`` (c, n) published totals as integers, ``groups`` (n,) group index
    0..G-1. Returns ``(rank_province, rank_group, lower_in_group)``, each (c, n)
    int32: ``1 + #{k: s_k > s_i}`` (over the province, over the unit's group)
    and ``#{k in group: s_k < s_i}``, as :func:`zhenxing.scoring.competition_rank`
    and :func:`~zhenxing.scoring.bottom_flags` count them (:mod:`.kernel`).
    """
    return kernel.ranks(np.ascontiguousarray(steps, dtype=np.int64), *group_layout(groups))


__all__ = [
    "BLOCK", "DEFAULT_CHUNK", "DEFAULT_MEMORY", "MEMBER_BLOCK", "POOL_BYTES", "SUB_ARRAYS", "SUB_BYTES",
    "Block", "Model", "SimulationResult", "block", "build_model", "build_pool", "chunk_bytes", "chunk_draws",
    "competition_ranks", "noisy_members", "parse_memory", "pool_piece", "pool_size", "rank_quantiles",
    "reference_simulate", "simulate", "simulate_dask", "sub_batch_draws",
]
