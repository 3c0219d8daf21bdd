"""Variance-based (Sobol') sensitivity of scores and ranks to the dimension weights.

Which dimension weights drive a county's score, and its rank within its
category, when every weight moves independently and uniformly within ±``spread``
of a scenario's weights? First-order indices ``S1_d`` (the share of the output's
variance explained by weight ``d`` alone) and total indices ``ST_d`` (including
all its interactions) answer it, estimated with SALib: Saltelli's sampling
scheme on a scrambled Sobol' sequence (:func:`SALib.sample.sobol.sample`, no
second-order terms: ``N (D + 2)`` weight vectors for a base sample ``N``) and
the estimators and bootstrap confidence intervals of
:func:`SALib.analyze.sobol.analyze`, computed for all units at once (see
:func:`sobol_indices`; ``engine="salib"`` calls SALib unit by unit and gives the
same numbers).

The model, evaluated as arrays for all samples at once
------------------------------------------------------
With dimension attainments ``A`` (n_units × D, from
:func:`zhenxing.scoring.score_arrays`) and adjustments ``c = bonus - deduction``
(points), a weight matrix ``W`` (samples × D, points) gives ::

    totals = scale · (W @ A.T) / W.sum(1)[:, None] + c        (renormalise=True, the assessment)
    totals = scale · (W @ A.T) / Σ w0 + c                      (renormalise=False)

(points; the floor at 0 is ignored, as in :mod:`zhenxing.robustness`). Ranks are
competition ranks within each category of the totals as published (rounded at
the framework's precision, :mod:`zhenxing.precision`), computed per sample by
sorting: ``rank_i = 1 + #{j in category: total_j > total_i}`` (ties share the
best rank, as :func:`zhenxing.scoring.competition_rank`). The score indices are
computed on the unrounded totals, whose variance the rounding would only blur.

Reading the indices
-------------------
* An output that never changes over the sample (a unit that is always first, or
  whose attainment is equal on every dimension so that renormalisation leaves
  its score unchanged) has zero variance: its Sobol' indices are undefined.
  They are reported as **0** and flagged (``constant_score`` /
  ``constant_rank``). SALib itself returns NaN for an exactly constant output
  and, worse, noise for one that is constant only up to rounding (a
  renormalised score of 70 ± 1e-14 can come out with ST ≈ 0.9).
* A rank that changes so rarely that it never differs among the ``A`` and ``B``
  rows of the design has zero estimated variance: SALib's estimators give 0,
  and so do we (increase ``n_base`` to resolve it).
* With renormalisation, a dimension on which every unit of a category has the
  same attainment cannot change any rank *if the units' adjustments ``c`` are
  equal*: each comparison is the sign of ``(scale (A_j - A_i) + (c_j - c_i)) · w``.
  With unequal adjustments its weight does matter (it dilutes the attainment
  gaps against the fixed bonus/deduction gap), and it always moves the scores.
* Estimates carry sampling error: small negative values or a sum of S1 above 1
  are noise; read them with the ``*_conf`` half-widths (95 % by default).

Cost: the demo province (100 units, 8 dimensions) with ``n_base=1024`` is
10,240 weight vectors; scores, ranks and both sets of indices take about 0.5 s
(SALib's ``analyze`` called unit by unit would take about 6 s).

Reproducibility: the same ``seed`` gives the same sample and the same bootstrap
(SALib's analysis is seeded with a value derived from ``seed``), hence identical
tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import norm

from .data import Dataset
from .errors import Problem
from .precision import to_steps
from .scoring import ScoringOptions

DEFAULT_SEED = 20231


def _salib(module: str):
    """Import a SALib module on first use, with a clear message when SALib is missing."""
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("weight sensitivity needs SALib (pip install SALib)") from exc
#: An output is constant when its range is below this fraction of its magnitude.
CONSTANT_REL_TOL = 1e-10


# ---------------------------------------------------------------------------
# array core
# ---------------------------------------------------------------------------


def weight_problem(names: list[str], w0: np.ndarray, spread: float) -> dict:
    """SALib problem: one factor per dimension with ``w0 > 0``, uniform on ``[w0 (1 - x), w0 (1 + x)]``.

    Dimensions with a zero weight cannot move relatively and are left out
    (their weight stays 0; their indices are reported as 0).
    """
    w0 = np.asarray(w0, float)
    free = [k for k in range(len(w0)) if w0[k] > 0]
    return {
        "num_vars": len(free),
        "names": [names[k] for k in free],
        "bounds": [[float(w0[k] * (1 - spread)), float(w0[k] * (1 + spread))] for k in free],
    }


def sample_weights(problem: dict, n_base: int, seed: int | None) -> np.ndarray:
    """Saltelli sample of the problem's factors, shape (n_base (D + 2), D), by SALib.

    ``n_base`` must be a power of 2 (balance of the Sobol' sequence); scrambled
    and seeded, so the same seed gives the same sample.
    """
    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"n_base must be a power of 2 (at least 2), got {n_base}")
    return _salib("sample.sobol").sample(dict(problem), n_base, calc_second_order=False, scramble=True, seed=seed)


def model_totals(
    W: np.ndarray,
    A: np.ndarray,
    c: np.ndarray,
    scale: float = 100.0,
    *,
    renormalise: bool = True,
    reference_sum: float | None = None,
) -> np.ndarray:
    """Totals for every weight row, shape (n_samples, n_units), points.

    ``scale · (W @ A.T) / W.sum(1)[:, None] + c``; with ``renormalise=False`` the
    divisor is the fixed ``reference_sum`` (default ``scale``: weights in points
    are then used as they are).
    """
    W = np.atleast_2d(np.asarray(W, float))
    A = np.asarray(A, float)
    denom = W.sum(axis=1)[:, None] if renormalise else float(scale if reference_sum is None else reference_sum)
    return scale * (W @ A.T) / denom + np.asarray(c, float)[None, :]


def competition_ranks_rows(x: np.ndarray) -> np.ndarray:
    """Competition ranks along each row: ``1 + #{k: x_k > x_i}`` (ties share the best rank).

    Sort each row in descending order; a unit's rank is 1 + the first sorted
    position holding its value. Shape and int64 output as ``x``.
    """
    x = np.atleast_2d(np.asarray(x, float))
    S, m = x.shape
    order = np.argsort(-x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    pos = np.broadcast_to(np.arange(m), (S, m))
    new = np.ones((S, m), dtype=bool)
    new[:, 1:] = xs[:, 1:] != xs[:, :-1]
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    ranks = np.empty((S, m), dtype=np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


def group_ranks(totals: np.ndarray, groups: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Competition ranks of every row of ``totals`` (samples × units) within each group.

    Computed in chunks of ``chunk`` rows; the result does not depend on ``chunk``.
    """
    totals = np.atleast_2d(np.asarray(totals, float))
    groups = np.asarray(groups)
    out = np.empty(totals.shape, dtype=np.int64)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        for a in range(0, totals.shape[0], chunk):
            out[a : a + chunk, idx] = competition_ranks_rows(totals[a : a + chunk, idx])
    return out


class SobolIndices(NamedTuple):
    """Arrays of shape (n_outputs, n_factors); ``constant``: (n_outputs,) outputs with no
    variance, whose indices are set to 0."""

    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    constant: np.ndarray


def _analysis_seed(seed: int | None) -> int | None:
    """SALib seeds its bootstrap only for a truthy seed: derive a non-zero one."""
    if seed is None:
        return None
    return int(np.random.SeedSequence(abs(int(seed))).generate_state(1)[0]) | 1


def _bootstrap_counts(r: np.ndarray, N: int) -> np.ndarray:
    """``C[k, n]`` = how often base row ``n`` appears in resample ``k`` (r: (N, R) indices)."""
    R = r.shape[1]
    flat = (r.T + N * np.arange(R)[:, None]).ravel()
    return np.bincount(flat, minlength=R * N).reshape(R, N).astype(float)


def sobol_indices(
    model_outputs: np.ndarray,
    problem: dict,
    *,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
    engine: str = "fast",
) -> SobolIndices:
    """First-order and total Sobol' indices of each output column, as SALib computes them.

    ``model_outputs``: shape (n_base (D + 2),) or (n_base (D + 2), n_outputs),
    rows in the order of :func:`sample_weights` (Saltelli scheme without
    second-order terms: per base row ``A``, the D rows ``AB_d``, then ``B``).

    The estimators are those of :func:`SALib.analyze.sobol.analyze`
    (``calc_second_order=False``; Saltelli et al. 2010 for S1, Jansen for ST),
    on each column standardised to mean 0 and variance 1::

        S1_d = mean(B (AB_d - A)) / Var(A ∪ B),    ST_d = mean((A - AB_d)^2) / 2 / Var(A ∪ B)

    with SALib's bootstrap: ``num_resamples`` resamples of the N base rows drawn
    by ``numpy.random.default_rng(s).integers`` with ``s`` derived from ``seed``;
    ``*_conf = z · std`` of the resampled estimates (half-width of the
    ``conf_level`` interval). ``engine="salib"`` calls SALib's ``analyze`` column
    by column; ``engine="fast"`` (default) computes the same numbers for all
    columns at once: every resampled mean is linear in the rows, so the
    bootstrap is one matrix product with the resample-count matrix (equal to
    SALib's to ~1e-12, tested).

    A column whose range is below ``1e-10 ×`` its magnitude is constant: its
    indices are undefined (SALib gives NaN, or noise when the column is constant
    only up to rounding) and are reported as 0 and flagged in ``constant``.
    """
    Y = np.asarray(model_outputs, float)
    if Y.ndim == 1:
        Y = Y[:, None]
    D = problem["num_vars"]
    step = D + 2
    if Y.shape[0] % step or Y.shape[0] == 0:
        raise ValueError(f"expected n_base · (D + 2) = n_base · {step} rows, got {Y.shape[0]}")
    if not 0 < conf_level < 1:
        raise ValueError("conf_level must lie strictly between 0 and 1")
    if engine not in ("fast", "salib"):
        raise ValueError(f"unknown engine {engine!r} (expected 'fast' or 'salib')")
    N = Y.shape[0] // step
    n_out = Y.shape[1]
    S1, S1c, ST, STc = (np.zeros((n_out, D)) for _ in range(4))
    span = np.ptp(Y, axis=0)
    constant = span <= CONSTANT_REL_TOL * np.maximum(1.0, np.abs(Y).max(axis=0))
    varying = np.flatnonzero(~constant)
    aseed = _analysis_seed(seed)
    if engine == "salib":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Constant values encountered")
            for k in varying:
                res = _salib("analyze.sobol").analyze(
                    problem, np.ascontiguousarray(Y[:, k]), calc_second_order=False,
                    num_resamples=num_resamples, conf_level=conf_level, seed=aseed,
                )  # fmt: skip
                S1[k], S1c[k], ST[k], STc[k] = res["S1"], res["S1_conf"], res["ST"], res["ST_conf"]
    elif len(varying):
        integers = np.random.default_rng(aseed).integers if aseed else np.random.randint
        r = integers(N, size=(N, num_resamples))  # drawn exactly as SALib draws it
        C = _bootstrap_counts(r, N) / N  # (R, N): resampled mean = C @ rows
        used = C.sum(axis=0) > 0
        z = norm.ppf(0.5 + conf_level / 2)
        y = Y[:, varying]
        y = (y - y.mean(axis=0)) / y.std(axis=0)
        A, B = y[0::step], y[step - 1 :: step]
        var = np.var(np.r_[A, B], axis=0)
        var = np.where(var > np.finfo(float).eps, var, np.inf)  # SALib: 0 when A and B rows do not vary
        mean_r = (C @ A + C @ B) / 2
        var_r = (C @ (A * A) + C @ (B * B)) / 2 - mean_r**2  # (R, q)
        ok_r = np.ptp(np.r_[A[used], B[used]], axis=0) != 0  # SALib: no interval when resamples are constant
        var_r_safe = np.where(var_r > np.finfo(float).eps, var_r, np.inf)
        for d in range(D):
            AB = y[d + 1 :: step]
            f1 = B * (AB - A)
            ft = 0.5 * (A - AB) ** 2
            S1[varying, d] = f1.mean(axis=0) / var
            ST[varying, d] = ft.mean(axis=0) / var
            S1c[varying, d] = np.where(ok_r, z * ((C @ f1) / var_r_safe).std(axis=0, ddof=1), 0.0)
            STc[varying, d] = np.where(ok_r, z * ((C @ ft) / var_r_safe).std(axis=0, ddof=1), 0.0)
    for arr in (S1, S1c, ST, STc):
        np.nan_to_num(arr, copy=False, nan=0.0)
    return SobolIndices(S1, S1c, ST, STc, constant)


# ---------------------------------------------------------------------------
# pandas wrapper
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SobolTables:
    """Indices as DataFrames, index = unit code, columns = dimension ids."""

    S1: pd.DataFrame
    S1_conf: pd.DataFrame
    ST: pd.DataFrame
    ST_conf: pd.DataFrame


@dataclass(frozen=True)
class WeightSensitivity:
    """Sobol' indices of the dimension weights on each unit's total and category rank.

    ``score`` and ``rank`` hold S1, ST and their confidence half-widths
    (code × dimension). ``constant_score`` / ``constant_rank`` (Series by code)
    flag outputs that never changed in the sample (indices reported as 0).
    ``weights`` are the nominal weights (points), the box is ±``spread``;
    ``n_evaluations = n_base (D + 2)``.
    """

    year: int
    spread: float
    n_base: int
    seed: int | None
    renormalise: bool
    weights: pd.Series
    score: SobolTables
    rank: SobolTables
    constant_score: pd.Series
    constant_rank: pd.Series
    n_evaluations: int
    problem: dict = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """Long table: code, output (score/rank), dimension, S1, S1_conf, ST, ST_conf."""
        parts = []
        for name, tab in (("score", self.score), ("rank", self.rank)):
            long = {k: getattr(tab, k).stack() for k in ("S1", "S1_conf", "ST", "ST_conf")}
            df = pd.DataFrame(long)
            df.index.names = ["code", "dimension"]
            df = df.reset_index()
            df.insert(1, "output", name)
            parts.append(df)
        return pd.concat(parts, ignore_index=True)


def weight_sensitivity(
    dataset: Dataset,
    year: int,
    spread: float = 0.2,
    n_base: int = 1024,
    seed: int | None = DEFAULT_SEED,
    options: ScoringOptions | None = None,
    *,
    dimension_weights: Sequence[float] | np.ndarray | None = None,
    renormalise: bool = True,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> WeightSensitivity:
    """Sobol' indices of the dimension weights on every unit's total and rank in its category.

    Each weight is uniform on ``[w0 (1 - spread), w0 (1 + spread)]``, independently,
    around the scenario's weights ``w0`` (``dimension_weights``, else
    ``options.dimension_weights``, else the framework's; points summing to the
    scale). ``A`` and ``c`` come from :func:`~zhenxing.scoring.score_arrays`
    (weighted arithmetic aggregation only: the model must be the weighted sum).
    ``n_base`` (power of 2) base samples give ``n_base (D + 2)`` evaluations.

    Raises :class:`~zhenxing.errors.InputError` for a spread outside (0, 1),
    weights not summing to the scale, ``n_base`` not a power of 2, or a
    non-arithmetic aggregation.
    """
    from .robustness import weight_box_arrays

    problems: list[Problem] = []
    if not (isinstance(n_base, (int, np.integer)) and n_base >= 2 and not n_base & (n_base - 1)):
        problems.append(Problem("n_base", f"expected a power of 2 such as 512 or 1024 (Sobol' sampling), got {n_base!r}"))
    fw, yd, w0, arr = weight_box_arrays(dataset, year, spread, options, dimension_weights, problems, "weight-sensitivity")
    A = arr["dimension_attainment"]
    c = arr["bonus"] - arr["deduction"]
    names = fw.dimension_ids
    problem = weight_problem(names, w0, spread)
    free = np.flatnonzero(w0 > 0)
    X = sample_weights(problem, n_base, seed)
    W = np.zeros((X.shape[0], len(names)))
    W[:, free] = X
    totals = model_totals(W, A, c, fw.scale, renormalise=renormalise, reference_sum=float(w0.sum()))
    ranks = group_ranks(to_steps(totals, fw.publication.decimals), yd.category_index)  # ranks as published
    kw = dict(num_resamples=num_resamples, conf_level=conf_level, seed=seed)
    si_score = sobol_indices(totals, problem, **kw)
    si_rank = sobol_indices(ranks.astype(float), problem, **kw)
    codes = pd.Index(yd.units["code"].to_numpy(), name="code")

    def tables(si: SobolIndices) -> SobolTables:
        def frame(a: np.ndarray) -> pd.DataFrame:
            full = np.zeros((len(codes), len(names)))
            full[:, free] = a
            return pd.DataFrame(full, index=codes, columns=pd.Index(names, name="dimension"))

        return SobolTables(frame(si.S1), frame(si.S1_conf), frame(si.ST), frame(si.ST_conf))

    return WeightSensitivity(
        year=year,
        spread=float(spread),
        n_base=int(n_base),
        seed=seed,
        renormalise=renormalise,
        weights=pd.Series(w0, index=pd.Index(names, name="dimension"), name="weight"),
        score=tables(si_score),
        rank=tables(si_rank),
        constant_score=pd.Series(si_score.constant, index=codes, name="constant_score"),
        constant_rank=pd.Series(si_rank.constant, index=codes, name="constant_rank"),
        n_evaluations=int(X.shape[0]),
        problem=problem,
    )
