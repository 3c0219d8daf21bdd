"""Running the draws on this machine's threads (:func:`simulate`), and what both schedulers share."""

from __future__ import annotations

import os
import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..data import Dataset
from ..errors import InputError, Problem
from ..scenarios import Scenario
from .draws import BLOCK, pieces
from .memory import DEFAULT_MEMORY
from .model import Model, build_model
from .pool import build_pool, pool_piece, pool_size
from .result import SimulationResult, summarise
from .tally import DEFAULT_CHUNK, MAX_DRAWS, Tally, Workspace, chunk_bytes, chunk_draws, run_piece

#: Pieces of draws per worker at least (when the draws allow), so that the last pieces keep every worker busy.
PIECES_PER_WORKER = 4


def check_settings(n_draws: int, noise_pool: int | None, memory: int | None, **positive: int | None) -> None:
    """Refuse impossible settings, every one named (``positive``: further counts that must be >= 1)."""
    problems = []
    if not 1 <= n_draws <= MAX_DRAWS:
        problems.append(Problem("draws", f"expected between 1 and {MAX_DRAWS:,} draws, got {n_draws}"))
    if noise_pool is not None and noise_pool < 1:
        problems.append(Problem("noise_pool", f"expected a positive pool size, got {noise_pool}"))
    if memory is not None and memory < 1:
        problems.append(Problem("--memory", f"expected a positive number of bytes, got {memory}"))
    for name, value in positive.items():
        if value is not None and value < 1:
            problems.append(Problem(name, f"expected a positive number, got {value}"))
    if problems:
        raise InputError(problems, "invalid simulation settings")


def _shape(model: Model) -> tuple[int, int, int, int, bool]:
    """The arguments of :func:`~.tally.chunk_bytes` for ``model``."""
    fw = model.framework
    return (model.n_units, model.max_group, len(fw.dimensions), len(fw.indicators),
            model.scenario.uncertainty.indicator_weights is not None)


def workspace_chunk(model: Model, memory: int, workers: int, upper: int = DEFAULT_CHUNK, asked: bool = True) -> int:
    """:func:`chunk_draws` for ``model``, or an :class:`InputError` naming ``--memory`` when no draw fits
    (``asked``: the number of workers was given, so fewer is a way out)."""
    chunk = chunk_draws(*_shape(model), memory, workers, upper)
    if chunk < 1:
        need = -(-workers * sum(chunk_bytes(*_shape(model))) // 2**20)
        fewer = ", or fewer --workers" if asked and workers > 1 else ""
        raise InputError([Problem("--memory", f"{memory / 2**20:.0f} MiB cannot hold one draw of {model.n_units} units on "
                                  f"{workers} worker(s); expected at least {need} MiB (e.g. --memory {need}M){fewer}")],
                         "invalid simulation settings")
    return chunk


#: Draws a worker should be able to buffer for the default number of workers to include it.
MIN_BUFFER_DRAWS = 512


def default_workers(model: Model, memory: int) -> int:
    """Workers when none are asked for: the CPUs, fewer if ``memory`` cannot give each a workspace of
    :data:`MIN_BUFFER_DRAWS` draws (a 2,800-unit workspace is about 120 MB), at least 1."""
    fixed, per_draw = chunk_bytes(*_shape(model))
    return max(1, min(os.cpu_count() or 1, memory // (fixed + MIN_BUFFER_DRAWS * per_draw)))


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
    """Run ``n_draws`` draws of ``scenario`` for ``year`` (see :mod:`zhenxing.montecarlo`).

    ``workers`` threads (default: :func:`default_workers`, the CPUs that the
    memory budget can give a workspace) each own a :class:`~.tally.Workspace`
    and take pieces of draws (at most one random block each); the kernel
    releases the GIL, so they run in parallel. ``progress`` is called with the
    number of draws of each finished piece. ``memory`` (bytes, default
    :data:`~.memory.DEFAULT_MEMORY`) bounds the workspaces of all workers
    together: each buffers :func:`~.tally.chunk_draws` draws (at most
    ``chunk_size``), and the noise pool is built :func:`~.pool.pool_piece`
    members at a time. The noise pool (at most :data:`~.pool.POOL_BYTES` unless
    ``noise_pool`` is given) comes on top.
    """
    check_settings(n_draws, noise_pool, memory, chunk_size=chunk_size, workers=workers)
    memory = DEFAULT_MEMORY if memory is None else int(memory)
    model = build_model(dataset, year, scenario)
    threads = workers or default_workers(model, memory)
    chunk = workspace_chunk(model, memory, threads, chunk_size, asked=workers is not None)
    K = pool_size(model, n_draws, noise_pool)
    pool = build_pool(model, seed, K, workers=threads, piece=pool_piece(model, memory, threads))
    bounds = pieces(n_draws, min(chunk, -(-n_draws // (PIECES_PER_WORKER * threads))))
    threads = min(threads, len(bounds))
    free: queue.SimpleQueue[Workspace] = queue.SimpleQueue()
    spaces = [Workspace(model, min(chunk, n_draws)) for _ in range(threads)]
    for ws in spaces:
        free.put(ws)

    def work(b: tuple[int, int]) -> int:
        ws = free.get()
        try:
            run_piece(model, pool, seed, b[0], b[1], K, ws)
        finally:
            free.put(ws)
        return b[1] - b[0]

    if threads == 1:
        for b in bounds:
            done = work(b)
            if progress is not None:
                progress(done)
    else:
        with ThreadPoolExecutor(max_workers=threads) as executor:
            futures = [executor.submit(work, b) for b in bounds]
            try:
                for f in futures:
                    done = f.result()
                    if progress is not None:
                        progress(done)
            finally:
                for f in futures:
                    f.cancel()
    tally = merged(spaces)
    del spaces  # the workspaces freed before the tables are built
    return summarise(model, tally, year, n_draws, seed, K)


def merged(spaces: list[Workspace]) -> Tally:
    """The workspaces' buffered ranks counted and their tallies added up, as int64 (integers: any order).

    Each workspace's buffers and tally are freed as soon as they are added."""
    total = Tally.zeros(spaces[0].model)
    for ws in spaces:
        total.add(ws.release())
    return total


def run_blocks(model: Model, pool: np.ndarray, seed: int, first: int, stop: int, n_draws: int, noise_pool: int,
               chunk: int) -> Tally:
    """The tally of random blocks ``first .. stop - 1`` (a Dask task), buffering ``chunk`` draws at a time."""
    start, end = first * BLOCK, min(stop * BLOCK, n_draws)
    ws = Workspace(model, max(1, min(chunk, end - start)))
    for a, b in pieces(end - start, ws.capacity):
        run_piece(model, pool, seed, start + a, start + b, noise_pool, ws)
    return ws.release()  # int32 counts: half the bytes sent back
