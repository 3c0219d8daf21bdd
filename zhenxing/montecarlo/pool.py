"""The noise pool: independent noisy copies of the data, normalised and aggregated once.

Each draw pairs its own weights with one pool member drawn at random (see
:mod:`zhenxing.montecarlo`); with independent weights and noise this samples
the same joint distribution as rescoring noisy data in every draw. Member
``k`` comes from the stream of its member block (``SeedSequence(seed,
spawn_key=(2**31, k // MEMBER_BLOCK))``), so the pool is the same whatever
its size, the order in which it is built or the number of threads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..aggregate import aggregate
from ..scoring import attainment, fill_missing
from .model import Model

#: Noise-pool members are generated this many at a time, each block from its own stream.
MEMBER_BLOCK = 512
#: Memory the noise pool may take when its size is not given (one member per draw up to this).
POOL_BYTES = 64 * 2**20
#: Member-sized (8 n m bytes) arrays one noise-pool member needs while it is built, besides its attainments.
POOL_BUILD_ARRAYS = 4


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
    out = np.multiply(model.scenario.uncertainty.noise, eps, dtype=np.float64)  # in place: the same arithmetic, one array
    out += 1.0
    out *= model.values
    return np.clip(out, model.lower, model.upper, out=out)


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
