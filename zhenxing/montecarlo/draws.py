"""The random inputs of the draws, one fixed block of :data:`BLOCK` draws at a time.

Block ``b`` has its own stream, ``SeedSequence(seed, spawn_key=(b,))``, so the
inputs of a draw depend only on the seed and the draw's number: never on the
chunk size, the number of workers or the machine that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenarios import WeightSpread
from .model import Model

#: Draws per random block (one ``SeedSequence`` stream each).
BLOCK = 4096


def spread_weights(rng: np.random.Generator, w0: np.ndarray, spread: WeightSpread | None, size: int) -> np.ndarray:
    """Draw ``size`` weight vectors around ``w0`` (rows sum to ``w0.sum()``).

    Dirichlet: ``total · Dir(κ w0 / total)`` (mean ``w0``, concentration ``κ``);
    box: ``w0 (1 + x u)``, ``u ~ U(-1, 1)`` per weight, renormalised to the total.
    """
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
class Block:
    """The inputs of :data:`BLOCK` consecutive draws."""

    dim_w: np.ndarray  # (B, D) points
    ind_w: np.ndarray | None  # (B, m) shares within dimensions, or None when fixed
    pool: np.ndarray  # (B,) noise-pool member
    norm: np.ndarray  # (B,) index into scenario normalisations
    agg: np.ndarray  # (B,) index into scenario aggregations


def block(model: Model, seed: int, b: int, noise_pool: int) -> Block:
    """The inputs of draws ``b·BLOCK .. (b+1)·BLOCK - 1`` for ``seed`` and a pool of ``noise_pool`` members."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(b,))))
    sc = model.scenario
    fw = model.framework
    unc = sc.uncertainty
    dim_w = spread_weights(rng, sc.dimension_weights, unc.dimension_weights, BLOCK)
    ind_w = None
    if unc.indicator_weights is not None:
        ind_w = np.empty((BLOCK, len(fw.indicators)))
        for d in range(len(fw.dimensions)):
            cols = fw.dimension_of_indicator == d
            ind_w[:, cols] = spread_weights(rng, sc.indicator_weights[cols], unc.indicator_weights, BLOCK)
    pool = rng.integers(0, noise_pool, BLOCK) if unc.has_noise else np.zeros(BLOCK, dtype=np.int64)
    norm = rng.integers(0, len(unc.normalisations), BLOCK)
    agg = rng.integers(0, len(unc.aggregations), BLOCK)
    return Block(dim_w, ind_w, pool, norm, agg)


def pieces(n_draws: int, chunk: int) -> list[tuple[int, int]]:
    """Draw ranges ``(start, stop)`` of at most ``chunk`` draws that never cross a block boundary.

    Each block is cut into ``ceil(size / chunk)`` pieces of equal size (±1), so
    that a worker builds a block's random inputs once per piece at most and
    the pieces of a short run still spread over the workers.
    """
    out = []
    for start in range(0, n_draws, BLOCK):
        stop = min(n_draws, start + BLOCK)
        k = -(-(stop - start) // chunk)
        edges = [start + (stop - start) * j // k for j in range(k + 1)]
        out += list(zip(edges[:-1], edges[1:]))
    return out
