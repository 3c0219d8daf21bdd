"""What the exact bounds share: their result, scores at given weights, the screened points and a quiet HiGHS."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

#: Box vertices screened before any MILP (all of them up to this many dimensions).
MAX_SCREEN_DIMS = 12


class RankBounds(NamedTuple):
    """Exact rank bounds inside a weight box (competition ranks, 1 = best).

    ``best``, ``worst``: (n,) ints; ``best_weights``, ``worst_weights``: (n, D)
    weights in points (not renormalised) inside the box at which the unit has
    exactly that rank; ``n_always``, ``n_never``: (n,) numbers of rivals in the
    group that beat it for every / for no weight vector; ``n_milp``: number of
    MILPs solved (the rest was settled by pre-filtering and screening);
    ``proven``: (n,) False where a MILP stopped at its time limit (the bound is
    then a rank the unit reaches at its weights, not necessarily the extreme),
    None when no limit was set.
    """

    best: np.ndarray
    worst: np.ndarray
    best_weights: np.ndarray
    worst_weights: np.ndarray
    n_always: np.ndarray
    n_never: np.ndarray
    n_milp: int
    proven: np.ndarray | None = None


def group_scores(A: np.ndarray, c: np.ndarray, W: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """Scores ``scale · (W @ A.T) / W.sum(1) + c`` for weight rows ``W`` (S, D) → (S, n), points."""
    W = np.atleast_2d(np.asarray(W, float))
    return scale * (W @ np.asarray(A, float).T) / W.sum(axis=1)[:, None] + np.asarray(c, float)[None, :]


def _screen_points(w_lo: np.ndarray, w_hi: np.ndarray, rng_seed: int = 0) -> np.ndarray:
    """Box centre plus all vertices (or 4096 random points when D > MAX_SCREEN_DIMS)."""
    D = len(w_lo)
    free = np.flatnonzero(w_hi > w_lo)
    centre = (w_lo + w_hi) / 2
    if len(free) <= MAX_SCREEN_DIMS:
        pts = np.tile(centre, (2 ** len(free), 1))
        corners = np.array(list(itertools.product((0, 1), repeat=len(free))), dtype=float).reshape(-1, len(free))
        pts[:, free] = w_lo[free] + corners * (w_hi[free] - w_lo[free])
    else:
        rng = np.random.default_rng(rng_seed)
        pts = w_lo + rng.random((4096, D)) * (w_hi - w_lo)
    return np.vstack([centre, pts])


@contextlib.contextmanager
def _quiet_highs() -> Iterator[None]:
    """Drop a stray debug line that HiGHS 1.12 prints to the C-level stdout from its MIP
    solver (``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``,
    HiGHS issue #2783); anything else printed meanwhile is passed on unchanged.

    File descriptor 1 is redirected while the solver runs, so output written to it
    by other threads in that window is delayed until the solver returns."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no usable file descriptor 1
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield
        finally:
            try:
                sys.stdout.flush()
            except (OSError, ValueError):  # pragma: no cover
                pass
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            kept = [ln for ln in tmp.read().decode(errors="replace").splitlines(keepends=True) if _HIGHS_NOISE not in ln]
            if kept:
                sys.stdout.write("".join(kept))


_HIGHS_NOISE = "transformNewIntegerFeasibleSolution"


def _bound_arrays(n: int, D: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty best and worst ranks (n,) and their weight vectors (n, D), filled per unit."""
    return np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, D)), np.empty((n, D))
