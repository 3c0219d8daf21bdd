"""Trends of every indicator over the available years, per unit.

For unit i and indicator j, over the years with a value (missing values are
skipped): the first year ``y0`` and last year ``y1`` with a value, their
values ``x0`` and ``x1`` (the indicator's unit of measure), and

* ``change = x1 − x0`` (unit of measure);
* average annual growth ``g = (x1 / x0)^(1 / (y1 − y0)) − 1`` (a share per
  year; 0.05 = 5 % a year), defined when ``y1 > y0`` and both values are
  positive, else NaN with the reason in ``growth_note``: ``one_year`` (a
  single year with a value), ``not_positive`` (x0 or x1 <= 0: a ratio of
  such values is no growth rate, e.g. a growth-rate indicator that turns
  negative);
* ``slope``: the least-squares slope of the value on the year over every
  year with a value, ``Σ (y − ȳ)(x − x̄) / Σ (y − ȳ)²`` (unit of measure per
  year; with two years it equals ``change / (y1 − y0)``), NaN with one year;
* ``improving``: the change read in the indicator's direction (``change > 0``
  for higher-is-better, ``< 0`` for lower-is-better); ``False`` for no
  change, missing (``pd.NA``) with one year.

Works for any number of years (1, 2, 5, ...); the years need not be
consecutive (growth is per calendar year between the first and last value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import Dataset
from .errors import InputError, Problem

GROWTH_NOTES = {
    "": ("", ""),
    "one_year": ("仅一年数据", "one year only"),
    "not_positive": ("首末年数值非正，不计增速", "first or last value not positive: no growth rate"),
}


def average_annual_growth(x0: np.ndarray, x1: np.ndarray, years: np.ndarray) -> np.ndarray:
    """``(x1 / x0)^(1 / years) − 1`` (share per year) where ``years > 0`` and both values > 0, else NaN."""
    x0, x1, years = (np.asarray(v, dtype=float) for v in (x0, x1, years))
    ok = (years > 0) & (x0 > 0) & (x1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.power(np.where(ok, x1 / np.where(ok, x0, 1.0), 1.0), 1.0 / np.where(ok, years, 1.0)) - 1.0
    return np.where(ok, g, np.nan)


def least_squares_slope(years: np.ndarray, values: np.ndarray) -> float:
    """Slope of the least-squares line of ``values`` on ``years`` (unit per year); NaN with fewer than 2 years."""
    y = np.asarray(years, float)
    x = np.asarray(values, float)
    if len(y) < 2:
        return float("nan")
    dy = y - y.mean()
    return float((dy * (x - x.mean())).sum() / (dy * dy).sum())


def indicator_trends(ds: Dataset, code: str | None = None) -> pd.DataFrame:
    """One row per unit × indicator with a value in at least one year (see the module docstring).

    Columns: code, indicator, dimension, direction, n_years (years with a
    value), first_year, last_year, value_first, value_last, change, growth,
    growth_note, slope, improving. ``code`` restricts to one unit (refused
    when the unit has no indicator values). Framework indicators only
    (adjustment inputs are counts, not trends).
    """
    fw = ds.framework
    v = ds.values
    v = v[v["indicator"].isin(fw.indicator_ids) & v["value"].notna()]
    if code is not None:
        v = v[v["code"].astype(str) == str(code)]
        if v.empty:
            raise InputError([Problem("code", f"no indicator values for unit '{code}'")], "unknown unit")
    v = v.sort_values(["code", "indicator", "year"], kind="stable")
    rows = []
    direction = {i.id: ("higher" if hib else "lower") for i, hib in zip(fw.indicators, fw.higher_is_better)}
    dim_of = {i.id: fw.dimensions[d].id for i, d in zip(fw.indicators, fw.dimension_of_indicator)}
    for (c, ind), g in v.groupby(["code", "indicator"], sort=False):
        years = g["year"].to_numpy(int)
        vals = g["value"].to_numpy(float)
        rows.append((c, ind, len(years), int(years[0]), int(years[-1]), vals[0], vals[-1], least_squares_slope(years, vals)))
    out = pd.DataFrame(rows, columns=["code", "indicator", "n_years", "first_year", "last_year", "value_first", "value_last", "slope"])
    out.insert(2, "dimension", out["indicator"].map(dim_of))
    out.insert(3, "direction", out["indicator"].map(direction))
    span = (out["last_year"] - out["first_year"]).to_numpy(float)
    one = out["n_years"].to_numpy() < 2
    change = np.where(one, np.nan, out["value_last"] - out["value_first"])
    growth = average_annual_growth(out["value_first"], out["value_last"], span)
    out["change"] = change
    out["growth"] = growth
    out["growth_note"] = np.where(one, "one_year", np.where(np.isnan(growth), "not_positive", ""))
    out["slope"] = out.pop("slope")
    higher = (out["direction"] == "higher").to_numpy()
    improving = np.where(higher, change > 0, change < 0)
    out["improving"] = pd.array([pd.NA if o else bool(b) for o, b in zip(one, improving)], dtype="boolean")
    order = {i: k for k, i in enumerate(fw.indicator_ids)}
    out["_o"] = out["indicator"].map(order)
    return out.sort_values(["code", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
