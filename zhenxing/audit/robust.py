"""Robust location and spread: the statistics every audit rule is built on.

Pure functions on numpy arrays; NaN marks a missing value and is ignored.

* MAD (median absolute deviation): ``MAD = median(|x - median(x)|)``.
  For normal data ``1.4826 · MAD`` estimates the standard deviation
  (1.4826 = 1 / Φ⁻¹(3/4)).
* Robust z: ``z = (x - median) / (1.4826 · MAD)``, in standard deviations.
* Modified z of Iglewicz and Hoaglin (1993, *How to Detect and Handle
  Outliers*, ASQC, p. 11-12): ``M = 0.6745 · (x - median) / MAD``
  (0.6745 = Φ⁻¹(3/4), so ``M`` is the robust z above); |M| > 3.5 suggests
  an outlier.
* When MAD = 0 (more than half the values equal), both fall back to the mean
  absolute deviation around the median, ``MeanAD = mean(|x - median|)``, scaled
  by 1.253314 (= √(π/2), which makes it estimate σ for normal data), as
  IBM SPSS and most robust-statistics texts do. When MeanAD is 0 too, every
  value equals the median and no value stands out: z = 0.
"""

from __future__ import annotations

import numpy as np

#: 1 / Φ⁻¹(3/4): turns a MAD into an estimate of the standard deviation of normal data.
MAD_SCALE = 1.4826
#: √(π/2): turns a mean absolute deviation into an estimate of the standard deviation of normal data.
MEANAD_SCALE = 1.253314


def robust_spread(x: np.ndarray) -> tuple[float, float]:
    """``(median, sigma)`` of the non-NaN values of ``x``: sigma = 1.4826 · MAD,
    or 1.253314 · MeanAD when MAD = 0 (0 when every value is the median; NaN when ``x`` has no value)."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    med = float(np.median(v))
    dev = np.abs(v - med)
    mad = float(np.median(dev))
    if mad > 0:
        return med, MAD_SCALE * mad
    return med, MEANAD_SCALE * float(np.mean(dev))


def robust_z(x: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Robust z of each value of ``x``: ``(x - median) / sigma`` with :func:`robust_spread` of
    ``reference`` (default ``x`` itself). Dimensionless (robust standard deviations); NaN stays NaN;
    0 where the spread is 0 and the value is the median, ±inf where the spread is 0 and it is not."""
    v = np.asarray(x, dtype=float)
    med, sigma = robust_spread(v if reference is None else reference)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = v - med
        if sigma > 0:
            return dev / sigma
        return np.where(dev == 0, 0.0, np.sign(dev) * np.inf)
