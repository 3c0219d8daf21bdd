"""Correlations of the indicators' normalised scores: within dimensions and between them.

Scores are the attainments the assessment computes (goalpost normalisation,
direction already applied: higher is always better), one year, over the
assessed units; a missing value is left out pair by pair (pairwise complete
observations). Two methods:

* Pearson ``r = Σ (a − ā)(b − b̄) / √(Σ (a − ā)² Σ (b − b̄)²)``;
* Spearman: Pearson's r of the ranks (ties get their average rank).

Checks, as in the JRC/COINr statistical audit:

* each indicator against its dimension's score (which includes it, as
  COINr's ``get_corr_flags``/``plot_corr(..., withparent = "parent")`` do):
  ``negative`` when ``r < 0`` (the indicator pulls against its dimension),
  ``weak`` when ``0 <= r < weak`` (default 0.1: "not at all"), ``constant``
  when r is undefined (every unit has the same score, e.g. all at target);
* pairs of indicators within a dimension with ``r > collinear`` (default
  0.9): nearly the same information counted twice;
* the dimension × dimension matrix.

Correlations are dimensionless in [−1, 1]; NaN with fewer than 3 complete
pairs or a constant column. Reference: OECD/JRC (2008), *Handbook on
Constructing Composite Indicators*, step 4 (multivariate analysis); COINr
``get_corr``, ``get_corr_flags``.
"""

from __future__ import annotations

import numpy as np

METHODS = ("pearson", "spearman")
WEAK = 0.1
COLLINEAR = 0.9


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of the values of ``x`` (ties share their average rank); NaN stays NaN."""
    x = np.asarray(x, dtype=float)
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x)
    v = x[ok]
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    sorted_v = v[order]
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    out[ok] = ranks
    return out


def correlation(a: np.ndarray, b: np.ndarray, method: str = "pearson") -> float:
    """Correlation of ``a`` and ``b`` over the pairs where both are present; NaN if < 3 pairs or constant."""
    if method not in METHODS:
        raise ValueError(f"unknown correlation method {method!r} (expected one of {', '.join(METHODS)})")
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    if len(a) < 3:
        return float("nan")
    if method == "spearman":
        a, b = average_ranks(a), average_ranks(b)
    da, db = a - a.mean(), b - b.mean()
    den = np.sqrt((da * da).sum() * (db * db).sum())
    if not den > 1e-15:
        return float("nan")
    return float(np.clip((da * db).sum() / den, -1.0, 1.0))


def correlation_matrix(x: np.ndarray, method: str = "pearson") -> np.ndarray:
    """Pairwise-complete correlation matrix of the columns of ``x`` (k × k; 1 on the diagonal unless constant)."""
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    out = np.eye(k)
    for i in range(k):
        if np.isnan(correlation(x[:, i], x[:, i], method)):
            out[i, i] = np.nan
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = correlation(x[:, i], x[:, j], method)
    return out


def flag_with_parent(r: float, weak: float = WEAK) -> str:
    """``negative`` (r < 0), ``weak`` (0 <= r < weak), ``constant`` (r undefined) or ``""``."""
    if np.isnan(r):
        return "constant"
    if r < 0:
        return "negative"
    if r < weak:
        return "weak"
    return ""
