"""The same draws as tasks of a Dask cluster (``--scheduler dask`` or ``tcp://...``)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from ..data import Dataset
from ..scenarios import Scenario
from .draws import BLOCK
from .memory import DEFAULT_MEMORY
from .model import build_model
from .pool import build_pool, pool_piece, pool_size
from .result import SimulationResult, summarise
from .run import check_settings, run_blocks, workspace_chunk
from .tally import Tally


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
    """:func:`~zhenxing.montecarlo.simulate` with the draws run as tasks of a :class:`distributed.Client`; the same result, bit for bit.

    The model and the noise pool are built here (the pool with
    ``pool_workers`` threads) and sent once to every worker
    (``client.scatter(..., broadcast=True)``). Each task draws
    ``blocks_per_task`` seed blocks of :data:`~.draws.BLOCK` draws, each block
    from ``SeedSequence(seed, spawn_key=(block,))`` as in ``simulate``, and
    returns its :class:`~.tally.Tally` of integers; the tallies are added here
    as the tasks finish (integer sums: the order cannot change them). Default
    ``blocks_per_task``: one block per task, grouped when there are more than
    8 blocks per worker thread, so that the tallies sent back stay few.
    ``progress`` is called with the draws of each finished task.

    ``memory`` (default :data:`~.memory.DEFAULT_MEMORY`) is the budget of each
    worker process's workspaces, shared by its threads (the tasks running there
    at once): a task buffers :func:`~.tally.chunk_draws` draws for its thread's
    share. The model and the pool sent to each worker, and finished tallies
    waiting to be fetched, come on top. It also bounds the pool's construction here. A budget too small for one draw
    on the busiest worker is refused before anything is sent; a task that fails
    (or whose worker died more often than the scheduler allows) raises here.
    """
    from distributed import as_completed

    from ..cluster import worker_count, workers_info

    check_settings(n_draws, noise_pool, memory, blocks_per_task=blocks_per_task)
    memory = DEFAULT_MEMORY if memory is None else int(memory)
    model = build_model(dataset, year, scenario)
    workers = workers_info(client)
    threads_per_worker = max([int(w.get("nthreads", 1)) for w in workers.values()] or [1])
    chunk = workspace_chunk(model, memory, threads_per_worker, asked=False)
    # the workers import this package (seconds: pandas, scipy, the compiled kernel) while the pool is built here
    warm = [client.submit(importlib.import_module, __package__ + ".run", workers=[w], pure=False) for w in workers]
    K = pool_size(model, n_draws, noise_pool)
    asked = max(1, pool_workers or (os.cpu_count() or 1))
    pool = build_pool(model, seed, K, workers=asked, piece=pool_piece(model, memory, asked))
    n_blocks = -(-n_draws // BLOCK)
    per_task = blocks_per_task or max(1, n_blocks // (8 * worker_count(client)))
    model_f, pool_f = client.scatter([model, pool], broadcast=True, hash=False)  # hashing 64 MB of pool costs more than it saves
    futures = {}
    for first in range(0, n_blocks, per_task):
        stop = min(first + per_task, n_blocks)
        f = client.submit(run_blocks, model_f, pool_f, seed, first, stop, n_draws, K, chunk, pure=False)
        futures[f] = min(stop * BLOCK, n_draws) - first * BLOCK
    tally = Tally.zeros(model)
    try:
        for f in as_completed(list(futures), loop=client.loop):  # the client need not be the default one
            tally.add(f.result())
            draws = futures.pop(f)
            if progress is not None:
                progress(draws)
    finally:
        client.cancel(list(futures) + [model_f, pool_f] + warm)
    return summarise(model, tally, year, n_draws, seed, K)
