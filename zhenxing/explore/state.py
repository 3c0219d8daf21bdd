"""The explorer's model: settings from the controls, and every number it shows (pure, no widgets).

:class:`Settings` holds what the controls set (methods and weights);
:func:`rescale` is the rule for the dimension-weight sliders and the indicator
shares: moving one weight rescales the others in proportion, so the sum stays
at the framework's scale (or 1 for the shares within a dimension).
:func:`compute` scores the province with :func:`zhenxing.scoring.score_year`
for the settings and returns :class:`Outputs`: the home city's units, the
category leagues, who enters and leaves the bottom k against the baseline,
the city league and Kendall's tau. Every figure, rank, flag and risk level is
the library's; nothing here re-implements a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from ..data import Dataset, YearData
from ..framework import Framework
from ..scenarios import Scenario
from ..scoring import ScoreResult, ScoringOptions, score_year

#: The uncertainty that "simulate around these weights" samples (and that a saved scenario declares):
#: the dimension weights vary around the current ones (Dirichlet, concentration 300: a 15-point
#: weight by about ±2 points, sd) and every indicator carries 2 % relative measurement noise.
SIMULATION_UNCERTAINTY = {"dimension_weights": {"kind": "dirichlet", "concentration": 300}, "noise": {"relative": 0.02}}
SIMULATION_DRAWS = 2000


@dataclass(frozen=True)
class Settings:
    """What the controls set: methods, dimension weights (points) and indicator shares (framework order)."""

    normalisation: str
    aggregation: str
    missing: str | None
    dimension_weights: tuple[float, ...]
    indicator_weights: tuple[float, ...]

    @classmethod
    def from_options(cls, options: ScoringOptions, fw: Framework) -> "Settings":
        dim_w, ind_w = options.weights(fw)
        return cls(options.normalisation, options.aggregation, options.missing or fw.missing_values,
                   tuple(float(v) for v in dim_w), tuple(float(v) for v in ind_w))

    @classmethod
    def from_scenario(cls, scenario: Scenario, fw: Framework) -> "Settings":
        return cls.from_options(scenario.options, fw)

    @classmethod
    def baseline(cls, fw: Framework) -> "Settings":
        return cls.from_options(ScoringOptions(), fw)

    def options(self) -> ScoringOptions:
        return ScoringOptions(normalisation=self.normalisation, aggregation=self.aggregation, missing=self.missing,
                              dimension_weights=self.dimension_weights, indicator_weights=self.indicator_weights)


def rescale(weights: np.ndarray | tuple[float, ...], index: int, value: float, total: float) -> np.ndarray:
    """Set ``weights[index]`` to ``value`` (clipped to 0..total) and rescale the others in proportion so that
    the weights sum to ``total``; when the others are all 0 they share the rest equally."""
    w = np.asarray(weights, dtype=float).copy()
    value = float(min(max(value, 0.0), total))
    others = np.arange(len(w)) != index
    rest = total - value
    w[index] = value
    if not others.any():
        w[index] = total
        return w
    s = w[others].sum()
    w[others] = w[others] * (rest / s) if s > 0 else rest / others.sum()
    return w


class YearCache:
    """A dataset for one year whose matrices are built once (:meth:`Dataset.year` pivots the values on every call).

    Scoring needs only ``framework`` and ``year()``; the explorer scores the same year at every control change.
    """

    def __init__(self, dataset: Dataset, year: int):
        self.dataset = dataset
        self.framework = dataset.framework
        self._year = year
        self._data: YearData = dataset.year(year)

    def year(self, year: int) -> YearData:
        return self._data if year == self._year else self.dataset.year(year)


@dataclass(frozen=True)
class Outputs:
    """Everything the explorer displays for one setting.

    ``home``: the home city's units (most at risk first) with ``total``, ``change`` (points against the
    baseline), ``rank_category``/``n_category``, ``rank_category_base``, ``margin_bottom``, ``warning_talk``,
    ``risk``; ``leagues``: per category id, its units by total (``total``, ``warning_talk``, ``home``) and
    ``line`` the highest total in the warning-talk zone; ``entering``/``leaving``: per category, the codes
    entering and leaving the bottom k against the baseline; ``cities``: the city league; ``tau``: Kendall's
    tau-b between the baseline's and these totals.
    """

    result: ScoreResult
    home: pd.DataFrame
    leagues: dict[str, pd.DataFrame]
    lines: dict[str, float]
    entering: dict[str, list[str]]
    leaving: dict[str, list[str]]
    cities: pd.DataFrame
    tau: float
    extra: dict = field(default_factory=dict)


def compute(dataset: Dataset | YearCache, year: int, settings: Settings, baseline: ScoreResult, city: str) -> Outputs:
    """Score ``year`` for ``settings`` and derive what the explorer shows, against ``baseline``."""
    res = score_year(dataset, year, settings.options())
    fw = res.framework
    units = res.units
    base = baseline.units.set_index("code")
    codes = units["code"]
    base_total = base["total"].reindex(codes).to_numpy()
    base_rank = base["rank_category"].reindex(codes).to_numpy()
    base_flag = base["warning_talk"].reindex(codes).to_numpy(dtype=bool)

    home_mask = (units["city"] == city).to_numpy()
    cols = ["code", "name_zh", "name_en", "city", "city_en", "category", "total", "rank_category", "n_category",
            "rank_province", "margin_bottom", "warning_talk", "risk", "grade"]
    home = units.loc[home_mask, cols].copy()
    home["total_base"] = base_total[home_mask]
    home["change"] = np.round(home["total"].to_numpy() - home["total_base"].to_numpy(), fw.publication.decimals)
    home["rank_category_base"] = base_rank[home_mask]
    home = home.sort_values(["margin_bottom", "code"], kind="stable").reset_index(drop=True)

    flag = units["warning_talk"].to_numpy(dtype=bool)
    leagues: dict[str, pd.DataFrame] = {}
    lines: dict[str, float] = {}
    entering: dict[str, list[str]] = {}
    leaving: dict[str, list[str]] = {}
    cat = units["category"].to_numpy()
    for c in fw.category_ids:
        m = cat == c
        if not m.any():
            continue
        lg = units.loc[m, ["code", "name_zh", "name_en", "city", "total", "rank_category", "warning_talk"]].copy()
        lg["home"] = home_mask[m]
        leagues[c] = lg.reset_index(drop=True)
        zone = lg.loc[lg["warning_talk"], "total"]
        lines[c] = float(zone.max()) if len(zone) else float("nan")
        entering[c] = list(codes[m & flag & ~base_flag])
        leaving[c] = list(codes[m & ~flag & base_flag])

    order = np.argsort(codes.to_numpy())
    tau = float(kendalltau(base_total[order], units["total"].to_numpy()[order]).statistic)
    return Outputs(res, home, leagues, lines, entering, leaving, res.cities, tau)
