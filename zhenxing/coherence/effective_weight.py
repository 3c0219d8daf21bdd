"""Each indicator's effective weight in the score, beside its nominal weight.

With ``P_ij`` the points unit i earns on indicator j (as scored: attainment ×
full marks, missing values as the framework fills them) and the points total
``S_i = Σ_j P_ij`` (the base score before adjustments under the weighted
arithmetic mean), over the units:

* nominal share ``w_j = full marks_j / Σ full marks`` (points / points);
* variance share ``e_j = cov(P_j, S) / var(S)``: the part of the spread of S
  that indicator j carries. Because ``Σ_j cov(P_j, S) = var(S)`` the shares
  sum to 1 exactly; one can be negative (an indicator moving against the
  rest) and an indicator on which every unit scores the same has 0, however
  large its nominal weight;
* ``r_j = corr(P_j, S)`` (Pearson), the usual check that an indicator is
  represented in the total (NaN for a constant indicator).

Reference: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*,
step 6 (weighting and aggregation); P. Paruolo, M. Saisana, A. Saltelli
(2013), Ratings and rankings: voodoo or science?, J. R. Stat. Soc. A 176(3):
609–634, on nominal weights versus importance (they measure importance by a
correlation ratio; the covariance share here is its simple linear
counterpart, which adds up to 1).
"""

from __future__ import annotations

import numpy as np


def variance_shares(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e_j = cov(P_j, S)/var(S), r_j = corr(P_j, S)) for the columns of ``points`` (units × indicators).

    NaN everywhere when var(S) = 0 or fewer than 2 units.
    """
    p = np.asarray(points, dtype=float)
    n, m = p.shape
    if n < 2:
        return np.full(m, np.nan), np.full(m, np.nan)
    s = p.sum(axis=1)
    dp = p - p.mean(axis=0)
    ds = s - s.mean()
    var_s = (ds * ds).sum() / (n - 1)
    if not var_s > 0:
        return np.full(m, np.nan), np.full(m, np.nan)
    cov = (dp * ds[:, None]).sum(axis=0) / (n - 1)
    sd_p = np.sqrt((dp * dp).sum(axis=0) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(sd_p > 0, cov / (sd_p * np.sqrt(var_s)), np.nan)
    return cov / var_s, r
