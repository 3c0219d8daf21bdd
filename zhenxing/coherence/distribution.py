"""Skewness and kurtosis of each indicator, and the COINr outlier flag.

Definitions as in COINr (``skew()``, ``kurt()``, ``check_SkewKurt()`` in
``R/treat.R``), which copy e1071's ``type = 2`` estimators (the ones Excel's
SKEW and KURT use). With ``m_k = (1/n) Σ (x − x̄)^k``:

* sample skewness ``G1 = g1 · √(n(n−1)) / (n−2)``, ``g1 = m3 / m2^(3/2)``
  (needs n >= 3); equals ``scipy.stats.skew(x, bias=False)``;
* sample **excess** kurtosis ``G2 = ((n+1) g2 + 6) (n−1) / ((n−2)(n−3))``,
  ``g2 = m4 / m2² − 3`` (needs n >= 4; 0 for a normal sample on average);
  equals ``scipy.stats.kurtosis(x, fisher=True, bias=False)``. COINr's
  threshold 3.5 applies to this excess kurtosis.

COINr passes an indicator when ``|G1| < 2`` **or** ``G2 < 3.5``, so an
indicator is flagged when ``|G1| >= 2`` and ``G2 >= 3.5`` (the boundary
itself flags, as in COINr). Both are dimensionless; NaN when there are too
few values or they are all equal. Missing values are left out.

Reference: OECD/JRC (2008), *Handbook on Constructing Composite Indicators:
Methodology and User Guide*, step 3 (imputation and outliers); W. Becker et
al., COINr: an R package for developing composite indicators, JOSS 2022.
"""

from __future__ import annotations

import numpy as np

SKEW_THRESHOLD = 2.0
KURTOSIS_THRESHOLD = 3.5


def _standardised(x: np.ndarray) -> np.ndarray | None:
    """``(x − x̄) / √m2`` of the non-missing values; None when they are (numerically) all equal."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return None
    d = x - x.mean()
    sd = np.sqrt((d**2).mean())
    if not sd > 1e-12 * max(np.abs(x).max(), np.finfo(float).tiny):
        return None
    return d / sd


def skewness(x: np.ndarray) -> float:
    """Sample skewness G1 (e1071 type 2, COINr ``skew``) of the non-missing values; NaN if n < 3 or constant."""
    z = _standardised(x)
    if z is None or len(z) < 3:
        return float("nan")
    n = len(z)
    return float((z**3).mean() * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis G2 (e1071 type 2, COINr ``kurt``) of the non-missing values; NaN if n < 4 or constant."""
    z = _standardised(x)
    if z is None or len(z) < 4:
        return float("nan")
    n = len(z)
    g2 = (z**4).mean() - 3.0
    return float(((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3)))


def fails_skew_kurtosis(skew: float | np.ndarray, kurt: float | np.ndarray,
                        skew_threshold: float = SKEW_THRESHOLD, kurtosis_threshold: float = KURTOSIS_THRESHOLD) -> np.ndarray:
    """COINr's outlier flag: ``|skew| >= skew_threshold and kurtosis >= kurtosis_threshold`` (False where NaN)."""
    s = np.asarray(skew, dtype=float)
    k = np.asarray(kurt, dtype=float)
    with np.errstate(invalid="ignore"):
        return (np.abs(s) >= skew_threshold) & (k >= kurtosis_threshold)


def column_skew_kurtosis(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(skewness, excess kurtosis) of each column of ``values`` (units × indicators), NaN-aware."""
    values = np.asarray(values, dtype=float)
    return (np.array([skewness(values[:, j]) for j in range(values.shape[1])]),
            np.array([kurtosis(values[:, j]) for j in range(values.shape[1])]))
