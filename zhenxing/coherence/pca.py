"""Principal components of a dimension's indicators: how much one component explains.

On the units with every score present, each indicator's normalised score is
standardised (``z = (x − x̄)/s``, sample sd); the eigenvalues
``λ_1 >= ... >= λ_k`` of the correlation matrix ``R = Zᵀ Z / (n − 1)`` sum to
k, and the first component's variance share is ``λ_1 / k`` (in [1/k, 1]:
1/k when the indicators are uncorrelated, 1 when they are perfectly
correlated). Loadings of the first component are ``v_1 √λ_1`` (the
correlation of each indicator with the component), the sign fixed so that
their sum is positive. Indicators that are constant over the units cannot
be standardised and are left out (reported). One usable indicator: share 1.

Reference: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*,
step 4 (multivariate analysis: PCA, a single latent dimension when the
first component explains most of the variance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FirstComponent:
    share: float  # λ_1 / k, NaN if no usable indicator
    eigenvalues: np.ndarray  # descending, over the usable indicators
    loadings: np.ndarray  # per input column, NaN for left-out ones
    used: np.ndarray  # bool per input column
    n_units: int  # complete rows used


def first_component(x: np.ndarray) -> FirstComponent:
    """PCA on standardised columns of ``x`` (units × indicators); see the module docstring."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    sd = x.std(axis=0, ddof=1) if n >= 2 else np.zeros(k)
    used = sd > 1e-12
    loadings = np.full(k, np.nan)
    if n < 3 or not used.any():
        return FirstComponent(float("nan"), np.array([]), loadings, used, n)
    z = (x[:, used] - x[:, used].mean(axis=0)) / sd[used]
    r = z.T @ z / (n - 1)
    vals, vecs = np.linalg.eigh(r)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0.0, None), vecs[:, order]
    v1 = vecs[:, 0] * np.sqrt(vals[0])
    if v1.sum() < 0:
        v1 = -v1
    loadings[used] = v1
    return FirstComponent(float(vals[0] / vals.sum()), vals, loadings, used, n)
