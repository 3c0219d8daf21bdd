"""The data set as one array for the audit: years × units × indicators.

Every check reads a :class:`Panel`: the indicator values of every unit of the
register in every year of the data (NaN where missing or not yet assessed),
whether the unit is assessed that year, its category, and for each indicator
whether it is compared on a log scale. Years are those present in the data,
in order; "last year" is the previous year present (2021 for 2023 when 2022
is absent), so any number of years works and the first year has no change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Dataset
from ..framework import Framework, Indicator

PERCENT_UNITS = ("%", "％", "percent")


def is_percentage(ind: Indicator) -> bool:
    """A percentage (0-100), by its unit of measure."""
    return ind.unit.strip().lower() in PERCENT_UNITS


def is_log_scaled(ind: Indicator) -> bool:
    """Whether changes and spreads of ``ind`` are judged on ``log x``.

    Levels that cannot be negative and are not percentages (元, kg/ha, ratios)
    change and vary proportionally: their log ratios are comparable across units.
    Percentages (bounded, they move in percentage points) and anything that may be
    negative (growth rates) are compared on differences.
    """
    lo, _ = ind.valid_range
    return lo >= 0 and not is_percentage(ind)


@dataclass(frozen=True)
class Panel:
    """``values[t, i, j]``: indicator ``j`` of unit ``i`` (register order) in ``years[t]``; NaN = missing
    or not assessed (``assessed[t, i]`` False before the unit joined)."""

    framework: Framework
    years: list[int]
    register: pd.DataFrame
    values: np.ndarray
    assessed: np.ndarray
    category_index: np.ndarray
    log_scaled: np.ndarray

    @property
    def codes(self) -> list[str]:
        return list(self.register["code"])

    def year_index(self, year: int) -> int:
        return self.years.index(year)

    def previous(self, year: int) -> int | None:
        """The previous year present in the data (None for the first)."""
        t = self.years.index(year)
        return self.years[t - 1] if t > 0 else None


def build_panel(ds: Dataset) -> Panel:
    """The :class:`Panel` of ``ds`` (indicators only; adjustment inputs are counts, not audited here)."""
    fw = ds.framework
    reg = ds.register.reset_index(drop=True)
    years = list(ds.years)
    ids = fw.indicator_ids
    codes = list(reg["code"])
    sub = ds.values[ds.values["indicator"].isin(ids)]
    values = np.full((len(years), len(codes), len(ids)), np.nan)
    for t, y in enumerate(years):
        table = sub[sub["year"] == y].pivot(index="code", columns="indicator", values="value")
        values[t] = table.reindex(index=codes, columns=ids).to_numpy(dtype=float)
    joined = reg["joined"].to_numpy()
    assessed = np.array([[j <= y for j in joined] for y in years], dtype=bool).reshape(len(years), len(codes))
    values[~assessed] = np.nan
    cats = {c: k for k, c in enumerate(fw.category_ids)}
    category_index = reg["category"].map(cats).to_numpy(dtype=int)
    log_scaled = np.array([is_log_scaled(ind) for ind in fw.indicators], dtype=bool)
    return Panel(fw, years, reg, values, assessed, category_index, log_scaled)


def transformed(x: np.ndarray, log_scaled: bool) -> np.ndarray:
    """``log x`` for a log-scaled indicator (NaN where x <= 0), else ``x``."""
    x = np.asarray(x, dtype=float)
    if not log_scaled:
        return x
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
