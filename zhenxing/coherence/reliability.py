"""Cronbach's alpha of the indicators of a dimension.

``α = k/(k−1) · (1 − Σ_i var(x_i) / var(Σ_i x_i))`` over the k indicators'
normalised scores x_i (sample variances; the ratio does not depend on the
divisor), on the units with every score present (listwise deletion).
Dimensionless, at most 1 (negative when the indicators covary negatively);
NaN for fewer than 2 indicators, fewer than 2 complete units or a constant
sum. A common reading: α >= 0.7 is an acceptable internal consistency.

Reference: L. J. Cronbach (1951), Coefficient alpha and the internal
structure of tests, Psychometrika 16: 297–334; OECD/JRC (2008), *Handbook on
Constructing Composite Indicators*, step 4 (multivariate analysis).
"""

from __future__ import annotations

import numpy as np


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``x`` (units × items); rows with any NaN are left out."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        return float("nan")
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if len(x) < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return float("nan")
    return k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total_var)
