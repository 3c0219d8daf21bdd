"""Winsorisation of outlying indicator values: a what-if treatment, never the default.

The assessment scores the values departments submit; it does not winsorise.
This module lets a scenario ask what the scores would be if outliers were
treated as composite-indicator practice does (OECD/JRC 2008 *Handbook on
Constructing Composite Indicators*, step 3; COINr's ``winsorise()`` in
``R/treat.R``, default of ``qTreat``), and reports how many values it changed.

Algorithm (COINr ``winsorise``, per indicator, over the assessed units of one
year, missing values left out):

1. if the indicator passes the check (``|G1| < skew`` or ``G2 < kurtosis``,
   :mod:`zhenxing.coherence.distribution`: sample skewness and excess
   kurtosis), nothing changes;
2. otherwise, while it fails and fewer than ``max_points`` values have been
   winsorised: if the skewness is >= 0 the largest value(s) are set to the
   largest of the remaining values, else the smallest value(s) to the
   smallest of the remaining ones (tied extremes move together, so the count
   can pass ``max_points`` by the size of a tie), then check again.

COINr then tries a log transform on an indicator winsorisation could not
bring within the limits; we do not (a log of a target-referenced indicator
would change what its target means) and report it as still failing.
Winsorised values stay within the observed range, hence within the
indicator's valid range. The count reported is the number of values that
differ from the submitted ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .coherence.distribution import KURTOSIS_THRESHOLD, SKEW_THRESHOLD, kurtosis, skewness
from .errors import Problem

METHODS = ("winsorise",)


@dataclass(frozen=True)
class Winsorisation:
    """COINr-style winsorisation settings (COINr's defaults: 5 points, |skew| 2, excess kurtosis 3.5)."""

    max_points: int = 5
    skew: float = SKEW_THRESHOLD
    kurtosis: float = KURTOSIS_THRESHOLD

    def problems(self, where: str = "treatment") -> list[Problem]:
        out = []
        if not isinstance(self.max_points, (int, np.integer)) or self.max_points < 1:
            out.append(Problem(f"{where}.max_points", f"expected a whole number of values >= 1, got {self.max_points!r}"))
        if not (np.isfinite(self.skew) and self.skew > 0):
            out.append(Problem(f"{where}.skew", f"expected a positive skewness threshold, got {self.skew!r}"))
        if not np.isfinite(self.kurtosis):
            out.append(Problem(f"{where}.kurtosis", f"expected a finite kurtosis threshold, got {self.kurtosis!r}"))
        return out


@dataclass(frozen=True)
class WinsorisedColumn:
    """One indicator's winsorisation: values after, and the check before and after."""

    values: np.ndarray
    n_changed: int
    skew_before: float
    kurtosis_before: float
    skew_after: float
    kurtosis_after: float

    def passes(self, settings: Winsorisation) -> bool:
        """COINr's check after treatment (True when it cannot be computed: too few values)."""
        return _passes(self.skew_after, self.kurtosis_after, settings)


def _passes(s: float, k: float, settings: Winsorisation) -> bool:
    if np.isnan(s) or np.isnan(k):
        return True
    return bool(abs(s) < settings.skew or k < settings.kurtosis)


def winsorise(x: np.ndarray, settings: Winsorisation = Winsorisation()) -> WinsorisedColumn:
    """Winsorise one indicator's values (NaN = missing, kept) by the algorithm of the module docstring."""
    original = np.asarray(x, dtype=float)
    x = original.copy()
    ok = ~np.isnan(x)
    s0, k0 = skewness(x), kurtosis(x)
    s, k = s0, k0
    high: np.ndarray = np.zeros(len(x), dtype=bool)
    low: np.ndarray = np.zeros(len(x), dtype=bool)
    n_win = 0
    while not _passes(s, k, settings) and n_win < settings.max_points:
        v = x[ok]
        if s >= 0:
            top = v.max()
            rest = v[v < top]
            if rest.size == 0:
                break
            high = ok & (x == top)
            x[high] = rest.max()
        else:
            bottom = v.min()
            rest = v[v > bottom]
            if rest.size == 0:
                break
            low = ok & (x == bottom)
            x[low] = rest.min()
        # as COINr counts: the points now tied at the moved extreme(s)
        n_win = int(high.sum() + low.sum())
        s, k = skewness(x), kurtosis(x)
    changed = int((ok & (x != original)).sum())
    return WinsorisedColumn(x, changed, s0, k0, s, k)


def winsorise_columns(values: np.ndarray, settings: Winsorisation = Winsorisation()) -> tuple[np.ndarray, list[WinsorisedColumn]]:
    """Winsorise every column of ``values`` (units × indicators) independently: (treated values, per-column details)."""
    values = np.asarray(values, dtype=float)
    cols = [winsorise(values[:, j], settings) for j in range(values.shape[1])]
    treated = np.column_stack([c.values for c in cols]) if cols else values.copy()
    return treated, cols
